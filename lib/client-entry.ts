// `passport-kvixi/client`: the provider's API without Passport or Express, so its types need no
// @types/express.
export { KvixiClient } from './client.js';
export type { KvixiClientOptions, KvixiTokens, KvixiUserInfo, KvixiUserInfoReply } from './client.js';
export {
  KvixiAPIError,
  KvixiError,
  KvixiFetchError,
  KvixiUnexpectedResponseError,
  KvixiUserNotFoundError,
} from './errors.js';
export type { KvixiEndpoint, KvixiErrorCode } from './errors.js';
export type { KvixiProfile } from './profile.js';
