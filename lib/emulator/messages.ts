// The provider's messages, word for word: clients match on some of them.
export const messages = {
  invalidAppId: 'Bad Request, invalid app_id',
  invalidAppSecret: 'Bad Request, invalid app_secret',
  invalidAuthKey: 'Bad Request, invalid auth_key',
  invalidAccessToken: 'Bad Request, invalid access_token',
  expiredAccessToken: 'Bad Request, expired access_token',
  invalidParameters: 'Bad Request, invalid parameters',
  developersDisabled: 'The developers module has been disabled by the admin',
  unknownApp: "We're sorry, but the application you're trying to use doesn't exist or has been disabled",
} as const;
