/**
 * Every error code this package raises, for `switch (err.code)`.
 *
 * - `ERR_KVIXI_API`: the provider answered `{"error":true,"message":…}`.
 * - `ERR_KVIXI_FETCH`: the request never got an answer (DNS, refused connection, reset).
 * - `ERR_KVIXI_TIMEOUT`: the provider did not answer within `timeout`.
 * - `ERR_KVIXI_UNEXPECTED_RESPONSE`: the provider answered something Kvixi never sends on success
 *   (HTML, malformed JSON, `[]`, a missing field, a status other than 200).
 * - `ERR_KVIXI_USER_NOT_FOUND`: the Kvixi account no longer exists (`get_user_info` answered `[]`).
 * - `ERR_KVIXI_SESSION_REQUIRED`: the default store needs session middleware before Passport.
 * - `ERR_KVIXI_VERIFY_NO_RESULT`: an async verify resolved `undefined` without calling `done`.
 * - `ERR_KVIXI_CLAIM_STORE_FULL`: `KvixiMemoryClaimStore` holds `maxClaims` live claims.
 * - `ERR_KVIXI_VERIFY_TIMEOUT`: verify reached no outcome within the strategy's `appTimeout`.
 * - `ERR_KVIXI_STORE_TIMEOUT`: a pending-login store call (the session's save) or a claim store's `claim()` did not settle within `appTimeout`.
 */
export type KvixiErrorCode =
  | 'ERR_KVIXI_API'
  | 'ERR_KVIXI_FETCH'
  | 'ERR_KVIXI_TIMEOUT'
  | 'ERR_KVIXI_UNEXPECTED_RESPONSE'
  | 'ERR_KVIXI_USER_NOT_FOUND'
  | 'ERR_KVIXI_SESSION_REQUIRED'
  | 'ERR_KVIXI_VERIFY_NO_RESULT'
  | 'ERR_KVIXI_CLAIM_STORE_FULL'
  | 'ERR_KVIXI_VERIFY_TIMEOUT'
  | 'ERR_KVIXI_STORE_TIMEOUT';

/** The provider endpoint a request went to. */
export type KvixiEndpoint = 'authorize' | 'get_user_info';

/**
 * Base class of every error this package throws or hands to Passport.
 *
 * @example
 * ```ts
 * try {
 *   await client.exchangeAuthKey(authKey);
 * } catch (err) {
 *   if (err instanceof KvixiError && err.code === 'ERR_KVIXI_TIMEOUT') retryLater();
 *   else throw err;
 * }
 * ```
 */
export class KvixiError extends Error {
  readonly code: KvixiErrorCode;

  constructor(code: KvixiErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * The provider refused the request and said why, e.g. `Bad Request, invalid app_secret`.
 *
 * @example
 * ```ts
 * if (err instanceof KvixiAPIError && err.providerMessage === 'Bad Request, expired access_token') {
 *   // the token lived less than a minute: fetch user info right after the exchange
 * }
 * ```
 */
export class KvixiAPIError extends KvixiError {
  /** The provider's own words, with any secret of the request or the reply removed, cut at 1000 characters. */
  readonly providerMessage: string;
  readonly endpoint: KvixiEndpoint;
  /** 502: what the app answers when it passes the error on (Express's and Koa's default handlers read it). */
  readonly status = 502;

  constructor(endpoint: KvixiEndpoint, providerMessage: string) {
    super('ERR_KVIXI_API', `Kvixi ${endpoint} refused the request: ${providerMessage}`);
    this.endpoint = endpoint;
    this.providerMessage = providerMessage;
  }
}

/**
 * The request to the provider failed before an answer arrived: network failure or timeout.
 * `cause` holds the underlying error (with any secret removed from its text).
 *
 * @example
 * ```ts
 * if (err instanceof KvixiFetchError) console.warn('Kvixi unreachable:', err.code, err.cause);
 * ```
 */
export class KvixiFetchError extends KvixiError {
  readonly endpoint: KvixiEndpoint;
  /** 504 for a timeout, else 502: what the app answers when it passes the error on. */
  readonly status: 502 | 504;

  constructor(endpoint: KvixiEndpoint, code: 'ERR_KVIXI_FETCH' | 'ERR_KVIXI_TIMEOUT', message: string, cause: unknown) {
    super(code, message, { cause });
    this.endpoint = endpoint;
    this.status = code === 'ERR_KVIXI_TIMEOUT' ? 504 : 502;
  }
}

/**
 * The provider answered, but not with anything Kvixi sends: an HTML page, malformed JSON, `[]`,
 * a reply without the expected field, or an HTTP status other than 200.
 * `providerStatus` is the HTTP status that came; `excerpt` the start of the body with every secret removed.
 *
 * @example
 * ```ts
 * if (err instanceof KvixiUnexpectedResponseError) log(err.providerStatus, err.excerpt);
 * ```
 */
export class KvixiUnexpectedResponseError extends KvixiError {
  readonly endpoint: KvixiEndpoint;
  /** 502, whatever the provider answered: an app passing the error on must not answer the provider's 404. */
  readonly status = 502;
  /** The HTTP status of the provider's reply. */
  readonly providerStatus: number;
  readonly excerpt: string;

  constructor(endpoint: KvixiEndpoint, providerStatus: number, reason: string, excerpt: string) {
    super('ERR_KVIXI_UNEXPECTED_RESPONSE', `Unexpected reply from Kvixi ${endpoint} (HTTP ${providerStatus}): ${reason}`);
    this.endpoint = endpoint;
    this.providerStatus = providerStatus;
    this.excerpt = excerpt;
  }
}

/**
 * `get_user_info` answered `[]`: the account was deleted after it approved the app. Retrying
 * cannot help; the strategy turns it into a login failure with the same code.
 *
 * @example
 * ```ts
 * if (err instanceof KvixiUserNotFoundError) await users.markKvixiAccountGone(kvixiId);
 * ```
 */
export class KvixiUserNotFoundError extends KvixiError {
  readonly endpoint: KvixiEndpoint = 'get_user_info';

  constructor() {
    super('ERR_KVIXI_USER_NOT_FOUND', 'This Kvixi account no longer exists (get_user_info answered an empty list)');
  }
}

/**
 * The strategy needs a session (express-session, cookie-session, …) to bind a callback to the
 * browser that started the login.
 *
 * @example
 * ```ts
 * app.use(session({ secret, resave: false, saveUninitialized: false }));
 * app.use(passport.session());
 * ```
 */
export class KvixiSessionRequiredError extends KvixiError {
  constructor() {
    super(
      'ERR_KVIXI_SESSION_REQUIRED',
      'KvixiStrategy needs req.session: add session middleware (e.g. express-session) before passport, ' +
        'or pass store: new KvixiCookieStore({ secret }) for apps without sessions',
    );
  }
}
