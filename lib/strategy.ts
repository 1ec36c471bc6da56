import { debuglog } from 'node:util';
import type { Request } from 'express';
import { Strategy as PassportStrategy } from 'passport-strategy';
import { KvixiAPIError, KvixiSessionRequiredError } from './errors.js';
import { KvixiClient, type KvixiClientOptions, type KvixiTokens } from './client.js';
import { optionalBaseURL, optionalPositive, requireAppId, requireString } from './options.js';
import {
  addPendingLogin,
  consumePendingLogin,
  keepPendingAcrossRegenerate,
  type LoginSession,
} from './pending-login.js';
import { mapProfile, type KvixiProfile } from './profile.js';

const debug = debuglog('passport-kvixi');

/** Why a login failed cleanly (Passport's `fail`): the browser's fault or a stale link, not a fault of the app. */
export type KvixiFailureCode =
  | 'ERR_KVIXI_CROSS_SITE_START'
  | 'ERR_KVIXI_MISSING_AUTH_KEY'
  | 'ERR_KVIXI_MALFORMED_AUTH_KEY'
  | 'ERR_KVIXI_NO_PENDING_LOGIN'
  | 'ERR_KVIXI_PENDING_LOGIN_EXPIRED'
  | 'ERR_KVIXI_AUTH_KEY_REJECTED';

/** The challenge handed to Passport's `fail`: `failureMessage` shows `message`; switch on `code`. */
export interface KvixiLoginFailure {
  message: string;
  code: KvixiFailureCode;
}

/** Passport's `done`: `done(err)`, `done(null, user, info?)` or `done(null, false, info?)`. */
export type KvixiVerifyCallback = (err: unknown, user?: unknown, info?: object) => void;

/** Resolve to the user, or `false` to refuse; resolve to `undefined` only if you call `done` yourself. */
export type KvixiVerifyResult = void | Promise<unknown>;

export type KvixiVerify = (tokens: KvixiTokens, profile: KvixiProfile, done: KvixiVerifyCallback) => KvixiVerifyResult;
export type KvixiVerifyWithRequest = (
  req: Request,
  tokens: KvixiTokens,
  profile: KvixiProfile,
  done: KvixiVerifyCallback,
) => KvixiVerifyResult;
/** With `skipUserProfile: true` there is no profile, only the token. */
export type KvixiVerifyWithoutProfile = (
  tokens: KvixiTokens,
  profile: undefined,
  done: KvixiVerifyCallback,
) => KvixiVerifyResult;
export type KvixiVerifyWithRequestWithoutProfile = (
  req: Request,
  tokens: KvixiTokens,
  profile: undefined,
  done: KvixiVerifyCallback,
) => KvixiVerifyResult;

/** Options shared by both verify forms. */
export interface KvixiStrategyOptionsBase extends KvixiClientOptions {
  /** Strategy name for `passport.authenticate(name)`, default `'kvixi'`. */
  name?: string;
  /** Path or URL of the callback route: a request there without `auth_key` fails instead of starting a new login. */
  callbackURL?: string;
  /** Where relative `user_picture` paths live, default `{baseURL}/content/uploads/`. */
  uploadsURL?: string;
  /** Seconds a started login may take before its callback is refused, default 600. */
  pendingLoginTTL?: number;
  /** Allow a login to be started by a request another site made (`Sec-Fetch-Site: cross-site`). Default false. */
  allowCrossSiteStart?: boolean;
  /** Skip `get_user_info`: verify gets the token and `undefined` as the profile. */
  skipUserProfile?: boolean;
}

/** Options for `verify(tokens, profile, done)`. */
export interface KvixiStrategyOptions extends KvixiStrategyOptionsBase {
  passReqToCallback?: false;
}

/** Options for `verify(req, tokens, profile, done)`. */
export interface KvixiStrategyOptionsWithRequest extends KvixiStrategyOptionsBase {
  /** Pass the request to verify as its first argument. */
  passReqToCallback: true;
}

/** Options for `passport.authenticate('kvixi', options)`. */
export interface KvixiAuthenticateOptions {
  /** App state kept with the pending login and handed back as `req.authInfo.state` (e.g. `{ returnTo }`). */
  state?: unknown;
  [option: string]: unknown;
}

/** The actions Passport attaches to a strategy for each request. */
interface PassportActions {
  success(user: unknown, info?: object): void;
  fail(challenge?: KvixiLoginFailure | object, status?: number): void;
  redirect(url: string, status?: number): void;
  pass(): void;
  error(err: Error): void;
}

const StrategyBase: new () => PassportActions = PassportStrategy as new () => PassportActions;

const OWNER = 'KvixiStrategy';
const MAX_AUTH_KEY_LENGTH = 256;

type AnyVerify = (...args: never[]) => KvixiVerifyResult;

/**
 * "Log in with Kvixi" for Passport. Works with any Sngine site and every Sngine generation.
 *
 * @example
 * ```ts
 * passport.use(new KvixiStrategy(
 *   { appId: process.env.KVIXI_APP_ID!, appSecret: process.env.KVIXI_APP_SECRET!, callbackURL: '/auth/kvixi/callback' },
 *   async (tokens, profile) => users.upsertByKvixiId(profile.id, profile),
 * ));
 * app.get('/auth/kvixi', passport.authenticate('kvixi'));
 * app.get('/auth/kvixi/callback', passport.authenticate('kvixi', { failureRedirect: '/login' }), (req, res) => res.redirect('/'));
 * ```
 */
export class KvixiStrategy extends StrategyBase {
  // Passport runs each request on Object.create(strategy), which cannot see #private fields.
  name: string;
  readonly client: KvixiClient;
  private readonly _verify: AnyVerify;
  private readonly _passReqToCallback: boolean;
  private readonly _skipUserProfile: boolean;
  private readonly _allowCrossSiteStart: boolean;
  private readonly _callbackPath: string | undefined;
  private readonly _uploadsURL: string;
  private readonly _pendingLoginTTL: number;
  private readonly _sessionKey: string;

  constructor(
    options: KvixiStrategyOptionsWithRequest & { skipUserProfile: true },
    verify: KvixiVerifyWithRequestWithoutProfile,
  );
  constructor(options: KvixiStrategyOptionsWithRequest, verify: KvixiVerifyWithRequest);
  constructor(options: KvixiStrategyOptions & { skipUserProfile: true }, verify: KvixiVerifyWithoutProfile);
  constructor(options: KvixiStrategyOptions, verify: KvixiVerify);
  constructor(options: KvixiStrategyOptions | KvixiStrategyOptionsWithRequest, verify: AnyVerify) {
    super();
    if (options === null || typeof options !== 'object') {
      throw new TypeError(`${OWNER} requires an options object with appId and appSecret`);
    }
    if (typeof verify !== 'function') throw new TypeError(`${OWNER} requires a verify function`);
    requireAppId(OWNER, options.appId);
    requireString(OWNER, 'appSecret', options.appSecret);
    this.name = options.name === undefined ? 'kvixi' : requireString(OWNER, 'name', options.name);
    this.client = new KvixiClient(options);
    this._verify = verify;
    this._passReqToCallback = options.passReqToCallback === true;
    this._skipUserProfile = options.skipUserProfile === true;
    this._allowCrossSiteStart = options.allowCrossSiteStart === true;
    this._callbackPath = callbackPathOf(options.callbackURL);
    this._uploadsURL = `${optionalBaseURL(OWNER, 'uploadsURL', options.uploadsURL, `${this.client.baseURL}/content/uploads`)}/`;
    this._pendingLoginTTL = optionalPositive(OWNER, 'pendingLoginTTL', options.pendingLoginTTL, 600, 86_400) * 1000;
    this._sessionKey = `passport-kvixi:${this.name}`;
  }

  /** Starts a login, or finishes one when the request is the provider's callback. */
  authenticate(req: Request, options?: KvixiAuthenticateOptions): void {
    const { path, query } = requestTarget(req);
    const authKeys = query.getAll('auth_key');
    if (authKeys.length > 0 || (this._callbackPath !== undefined && path === this._callbackPath)) {
      this._finish(req, authKeys).catch((err: unknown) => this.error(asError(err)));
      return;
    }
    this._start(req, options?.state);
  }

  /** Maps `get_user_info` to the profile verify receives. Override to add fields. */
  userProfile(userInfo: KvixiProfile['_json'], raw: string): KvixiProfile {
    return mapProfile(userInfo, raw, { baseURL: this.client.baseURL, uploadsURL: this._uploadsURL });
  }

  private _start(req: Request, state: unknown): void {
    const session = sessionOf(req);
    if (!session) return this.error(new KvixiSessionRequiredError());
    if (!this._allowCrossSiteStart && req.headers['sec-fetch-site'] === 'cross-site') {
      debug('start refused: Sec-Fetch-Site is cross-site');
      return this.fail(failure('ERR_KVIXI_CROSS_SITE_START', 'This login was started from another site.'), 403);
    }
    addPendingLogin(session, this._sessionKey, this._pendingLoginTTL, state, Date.now());
    const target = this.client.authorizationURL();
    debug('start: redirecting to %s', target);
    this.redirect(target);
  }

  private async _finish(req: Request, authKeys: string[]): Promise<void> {
    const session = sessionOf(req);
    if (!session) return this.error(new KvixiSessionRequiredError());

    const authKey = authKeys[0];
    if (authKey === undefined) {
      return this.fail(failure('ERR_KVIXI_MISSING_AUTH_KEY', 'The login callback arrived without an auth_key.'), 400);
    }
    if (authKeys.length > 1 || authKey.trim() === '' || authKey.length > MAX_AUTH_KEY_LENGTH) {
      return this.fail(failure('ERR_KVIXI_MALFORMED_AUTH_KEY', 'The login callback carried a malformed auth_key.'), 400);
    }

    // Consume the pending login before the auth_key goes anywhere, so a replay or a forged link fails
    // here. The session store learns of it when the response ends, on every path; a replay racing
    // this request would still carry the same single-use auth_key.
    const pending = consumePendingLogin(session, this._sessionKey, this._pendingLoginTTL, Date.now());
    if (pending.status === 'none') {
      debug('callback refused: no pending login in this session');
      return this.fail(
        failure('ERR_KVIXI_NO_PENDING_LOGIN', 'This login link was already used or was not started in this browser.'),
        403,
      );
    }
    if (pending.status === 'expired') {
      debug('callback refused: the pending login expired');
      return this.fail(failure('ERR_KVIXI_PENDING_LOGIN_EXPIRED', 'This login took too long. Please start again.'), 401);
    }

    let tokens: KvixiTokens;
    try {
      tokens = await this.client.exchangeAuthKey(authKey);
    } catch (err) {
      if (err instanceof KvixiAPIError && /invalid auth_key/i.test(err.providerMessage)) {
        return this.fail(
          failure('ERR_KVIXI_AUTH_KEY_REJECTED', 'Kvixi did not accept this login link: it was already used or is stale.'),
          401,
        );
      }
      throw err;
    }

    let profile: KvixiProfile | undefined;
    if (!this._skipUserProfile) {
      const reply = await this.client.getUserInfoReply(tokens.accessToken);
      profile = this.userProfile(reply.userInfo, reply.raw);
      debug('callback: signed in Kvixi user %s', profile.id);
    }
    keepPendingAcrossRegenerate(req, session, this._sessionKey);
    this._runVerify(req, tokens, profile, pending.login.state);
  }

  /** Calls verify so that Passport hears exactly one outcome, whether verify calls `done`, returns a promise, or throws. */
  private _runVerify(req: Request, tokens: KvixiTokens, profile: KvixiProfile | undefined, state: unknown): void {
    let settled = false;
    const done: KvixiVerifyCallback = (err, user, info) => {
      if (settled) return;
      settled = true;
      if (err) return this.error(asError(err));
      if (!user) return this.fail(info ?? { message: 'The application refused this login.' }, 401);
      this.success(user, state === undefined ? { ...info } : { ...info, state });
    };
    const args = this._passReqToCallback ? [req, tokens, profile, done] : [tokens, profile, done];
    let result: KvixiVerifyResult;
    try {
      result = (this._verify as (...a: unknown[]) => KvixiVerifyResult)(...args);
    } catch (err) {
      if (settled) debug('verify threw after reporting its outcome: %s', asError(err).message);
      return done(err);
    }
    if (isPromiseLike(result)) {
      result.then(
        (user) => {
          if (user !== undefined) done(null, user);
        },
        (err: unknown) => done(err ?? new Error('verify rejected without a reason')),
      ).then(undefined, (err: unknown) => debug('reporting the outcome of verify failed: %s', asError(err).message));
    }
  }
}

function failure(code: KvixiFailureCode, message: string): KvixiLoginFailure {
  return { message, code };
}

function sessionOf(req: Request): LoginSession | undefined {
  const session = (req as { session?: unknown }).session;
  return session !== null && typeof session === 'object' ? (session as LoginSession) : undefined;
}

/** The request's path and query, read by us rather than by whichever query parser the app set. */
function requestTarget(req: Request): { path: string; query: URLSearchParams } {
  const raw = (req as { originalUrl?: string }).originalUrl ?? req.url ?? '/';
  const mark = raw.indexOf('?');
  if (mark === -1) return { path: raw, query: new URLSearchParams() };
  return { path: raw.slice(0, mark), query: new URLSearchParams(raw.slice(mark + 1)) };
}

function callbackPathOf(callbackURL: unknown): string | undefined {
  if (callbackURL === undefined) return undefined;
  const value = requireString(OWNER, 'callbackURL', callbackURL);
  try {
    return new URL(value, 'http://localhost').pathname;
  } catch {
    throw new TypeError(`${OWNER} callbackURL must be a path or an absolute URL`);
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as PromiseLike<unknown>).then === 'function';
}

function asError(err: unknown): Error {
  if (err instanceof Error) return err;
  let text: string;
  try {
    text = String(err);
  } catch {
    text = 'a value that is not an Error';
  }
  return new Error(text, { cause: err });
}
