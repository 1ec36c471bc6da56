import { debuglog } from 'node:util';
import type { Request } from 'express';
import { Strategy as PassportStrategy } from 'passport-strategy';
import { KvixiAPIError, KvixiError, KvixiUserNotFoundError } from './errors.js';
import { CLIENT_OPTIONS, KvixiClient, type KvixiClientOptions, type KvixiTokens } from './client.js';
import {
  optionalBaseURL,
  optionalFunction,
  optionalPositive,
  refuseMisspelledOptions,
  requireString,
} from './options.js';
import {
  KvixiSessionStore,
  newPendingLogin,
  type KvixiPendingLoginContext,
  type KvixiPendingLoginStore,
} from './pending-login.js';
import { mapProfile, type KvixiProfile } from './profile.js';
import { printable } from './redact.js';

const debug = debuglog('passport-kvixi');

/** Why a login failed cleanly (Passport's `fail`): the browser's fault, a stale link or the user's account, not a fault of the app. */
export type KvixiFailureCode =
  | 'ERR_KVIXI_CROSS_SITE_START'
  | 'ERR_KVIXI_NOT_A_NAVIGATION'
  | 'ERR_KVIXI_MISSING_AUTH_KEY'
  | 'ERR_KVIXI_MALFORMED_AUTH_KEY'
  | 'ERR_KVIXI_NO_PENDING_LOGIN'
  | 'ERR_KVIXI_ALREADY_SIGNED_IN'
  | 'ERR_KVIXI_PENDING_LOGIN_EXPIRED'
  | 'ERR_KVIXI_AUTH_KEY_REJECTED'
  | 'ERR_KVIXI_USER_NOT_FOUND';

/** The challenge handed to Passport's `fail`: `failureMessage` shows `message`; switch on `code`. */
export interface KvixiLoginFailure {
  message: string;
  code: KvixiFailureCode;
  /**
   * With `ERR_KVIXI_CROSS_SITE_START`: the same start URL (path and query on this site). A link to
   * it on a page of the app's own starts the login with one click.
   */
  continueURL?: string;
}

/**
 * The shape of your login `state`. Empty until you declare it, once, for the whole app:
 *
 * ```ts
 * declare module 'passport-kvixi' {
 *   interface KvixiState {
 *     returnTo?: string;
 *   }
 * }
 * ```
 *
 * Then `withState({ returnTo })` checks it at the start and `req.authInfo.state` is typed.
 */
// Empty on purpose: apps merge their own fields in.
export interface KvixiState {}

declare global {
  namespace Express {
    // Declared by @types/passport too; repeated here so the types stand without it.
    interface User {}
    interface AuthInfo {
      /** The `state` given when this Kvixi login started (passport-kvixi). */
      state?: KvixiState;
    }
  }
}

/** What a custom callback's third argument is: `{ state }` after a success, the failure otherwise. */
export type KvixiInfo = { state?: KvixiState } | KvixiLoginFailure;

/** Passport's `done`: `done(err)`, `done(null, user, info?)` or `done(null, false, info?)`. */
export type KvixiVerifyCallback = (err: unknown, user?: Express.User | false, info?: object) => void;

/**
 * What verify may return: nothing when it calls `done`, or a promise of the user (or `false` to
 * refuse). A promise that resolves `undefined` without `done` having been called is an error
 * (`ERR_KVIXI_VERIFY_NO_RESULT`): an async verify must `return` the user.
 */
export type KvixiVerifyResult = void | Promise<Express.User | false | undefined>;

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
  name?: string | undefined;
  /**
   * Path or URL of the callback route: a request there without `auth_key` fails instead of
   * starting a new login. Matched as Express matches routes: case-insensitive, an optional
   * trailing slash, percent-decoded.
   */
  callbackURL?: string | undefined;
  /** Where relative `user_picture` paths live, default `{baseURL}/content/uploads/`. */
  uploadsURL?: string | undefined;
  /** Seconds a started login may take before its callback is refused, default 600. */
  pendingLoginTTL?: number | undefined;
  /**
   * Allow a login to be started by a navigation from another site, a sibling subdomain included
   * (`true`), or from sibling subdomains only (`'same-site'`, e.g. a single-page app on
   * www.example.com with its API on api.example.com). Default false: such a start fails with
   * `ERR_KVIXI_CROSS_SITE_START` and a `continueURL` for a one-click page.
   */
  allowCrossSiteStart?: boolean | 'same-site' | undefined;
  /** Skip `get_user_info`: verify gets the token and `undefined` as the profile. */
  skipUserProfile?: boolean | undefined;
  /** Where pending logins are kept between start and callback, default the session (`KvixiSessionStore`). */
  store?: KvixiPendingLoginStore | undefined;
  /** The clock every expiry check reads, in milliseconds since the epoch; default `Date.now`. */
  now?: (() => number) | undefined;
}

/** Options for `verify(tokens, profile, done)`. */
export interface KvixiStrategyOptions extends KvixiStrategyOptionsBase {
  passReqToCallback?: false | undefined;
}

/** Options for `verify(req, tokens, profile, done)`. */
export interface KvixiStrategyOptionsWithRequest extends KvixiStrategyOptionsBase {
  /** Pass the request to verify as its first argument. */
  passReqToCallback: true;
}

/**
 * `passport.authenticate` options that carry your `state`. @types/passport types `state` as a
 * string; this types it as your `KvixiState` and hands Passport the value itself.
 *
 * @example
 * ```ts
 * app.get('/auth/kvixi', (req, res, next) => {
 *   passport.authenticate('kvixi', withState({ returnTo: '/account' }))(req, res, next);
 * });
 * ```
 */
export function withState(state: KvixiState): { state: string } {
  return { state } as unknown as { state: string };
}

/** Options for `passport.authenticate('kvixi', options)`. */
export interface KvixiAuthenticateOptions {
  /**
   * App state kept with the pending login and handed back as `req.authInfo.state` (e.g.
   * `{ returnTo }`): plain objects, arrays, strings, finite numbers, booleans and null, at most
   * 2 KiB as JSON, and it comes back equal (a key set to `undefined` is left out). Anything JSON
   * would change (a `Date`, `Map`, class instance, `undefined` in an array, `NaN`) is a `TypeError`
   * at the start naming where it is (`state.when is a Date`).
   * Two logins started in two tabs of one browser cannot be told apart at the callback (Kvixi
   * echoes nothing), so the newest one's state is used: check per-tab intent again.
   */
  state?: KvixiState | undefined;
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
const STRATEGY_OPTIONS = [
  ...CLIENT_OPTIONS,
  'name', 'callbackURL', 'uploadsURL', 'pendingLoginTTL', 'allowCrossSiteStart', 'skipUserProfile', 'store', 'now',
  'passReqToCallback',
] as const;
const MAX_AUTH_KEY_LENGTH = 256;
const MAX_STATE_BYTES = 2048;

type AnyVerify = (...args: never[]) => KvixiVerifyResult;

/** A request as the strategy reads it, whatever host made it (Express, Fastify, Koa, a test harness). */
type HostRequest = Request & {
  originalUrl?: string;
  query?: unknown;
  isAuthenticated?: () => boolean;
  next?: (err?: unknown) => void;
  res?: { headersSent?: boolean; statusCode?: number; end?: (body?: string) => void; setHeader?: (n: string, v: string) => void };
};

/**
 * "Log in with Kvixi" for Passport. Works with any Sngine site and every Sngine generation.
 *
 * @example
 * ```ts
 * passport.use(new KvixiStrategy(
 *   { appId: process.env.KVIXI_APP_ID, appSecret: process.env.KVIXI_APP_SECRET, callbackURL: '/auth/kvixi/callback' },
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
  private readonly _allowedStartSites: ReadonlySet<string>;
  private readonly _callbackPath: string | undefined;
  private readonly _uploadsURL: string;
  private readonly _pendingLoginTTL: number;
  private readonly _storeKey: string;
  private readonly _store: KvixiPendingLoginStore;
  private readonly _now: () => number;

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
    refuseMisspelledOptions(OWNER, options, STRATEGY_OPTIONS);
    this.client = new KvixiClient(options, OWNER);
    this.name = options.name === undefined ? 'kvixi' : requireString(OWNER, 'name', options.name);
    this._verify = verify;
    this._passReqToCallback = options.passReqToCallback === true;
    this._skipUserProfile = options.skipUserProfile === true;
    this._allowedStartSites = startSitesOf(options.allowCrossSiteStart);
    this._callbackPath = callbackPathOf(options.callbackURL);
    this._uploadsURL = `${optionalBaseURL(OWNER, 'uploadsURL', options.uploadsURL, `${this.client.baseURL}/content/uploads`)}/`;
    this._pendingLoginTTL = optionalPositive(OWNER, 'pendingLoginTTL', options.pendingLoginTTL, 600, 86_400) * 1000;
    this._storeKey = `passport-kvixi:${this.name}`;
    this._store = storeOf(options.store);
    this._now = optionalFunction(OWNER, 'now', options.now) ?? (() => Date.now());
  }

  /** Starts a login, or finishes one when the request is the provider's callback. */
  authenticate(req: Request, options?: KvixiAuthenticateOptions): void {
    const host = req as HostRequest;
    const { path, authKeys } = requestTarget(host);
    const phase =
      authKeys.length > 0 || (this._callbackPath !== undefined && normalizePath(path) === this._callbackPath)
        ? this._finish(host, authKeys)
        : this._start(host, options?.state);
    phase.catch((err: unknown) => this._reportError(host, asError(err)));
  }

  /** Maps `get_user_info` to the profile verify receives. Override to add fields. */
  userProfile(userInfo: KvixiProfile['_json'], raw: string): KvixiProfile {
    return mapProfile(userInfo, raw, { baseURL: this.client.baseURL, uploadsURL: this._uploadsURL });
  }

  private _context(): KvixiPendingLoginContext {
    return { key: this._storeKey, ttlMs: this._pendingLoginTTL, now: this._now() };
  }

  private async _start(req: HostRequest, state: unknown): Promise<void> {
    if (!isNavigation(req)) {
      debug('start refused: not a top-level navigation (Sec-Fetch-Mode/Dest)');
      return this._fail(req, 'ERR_KVIXI_NOT_A_NAVIGATION', 'A login starts when the browser opens this page, not from an image, a script or a frame.', 403);
    }
    const site = req.headers['sec-fetch-site'];
    if ((site === 'cross-site' || site === 'same-site') && !this._allowedStartSites.has(site)) {
      debug('start refused: Sec-Fetch-Site is %s', site);
      const refusal = failure('ERR_KVIXI_CROSS_SITE_START', 'This login was started from another site.');
      const continueURL = sameSiteURL(req);
      if (continueURL !== undefined) refusal.continueURL = continueURL;
      return this._handOver(req, () => this.fail(refusal, 403));
    }
    const context = this._context();
    await this._store.add(req, newPendingLogin(context.now, storableState(state)), context);
    const target = this.client.authorizationURL();
    debug('start: redirecting to %s', target);
    this._handOver(req, () => this.redirect(target));
  }

  private async _finish(req: HostRequest, authKeys: string[]): Promise<void> {
    // Kvixi's redirect back is always a top-level navigation; anything else is somebody's page.
    if (!isNavigation(req)) {
      debug('callback refused: not a top-level navigation (Sec-Fetch-Mode/Dest)');
      return this._fail(req, 'ERR_KVIXI_NOT_A_NAVIGATION', 'A login finishes when the browser comes back from Kvixi, not from an image, a script or a frame.', 403);
    }
    const authKey = authKeys[0];
    if (authKey === undefined) {
      return this._fail(req, 'ERR_KVIXI_MISSING_AUTH_KEY', 'The login callback arrived without an auth_key.', 400);
    }
    if (authKeys.length > 1 || authKey.trim() === '' || authKey.length > MAX_AUTH_KEY_LENGTH) {
      return this._fail(req, 'ERR_KVIXI_MALFORMED_AUTH_KEY', 'The login callback carried a malformed auth_key.', 400);
    }

    // Consume the pending login, and persist that, before the auth_key goes anywhere: a replay, a
    // forged link or a request racing this one then fails here.
    const context = this._context();
    const pending = await this._store.consume(req, context);
    if (pending.status === 'none') {
      if (isAuthenticated(req)) {
        debug('callback refused: no pending login, and the request is already signed in');
        return this._fail(req, 'ERR_KVIXI_ALREADY_SIGNED_IN', 'You are already signed in.', 409);
      }
      debug('callback refused: no pending login for this browser');
      return this._fail(
        req,
        'ERR_KVIXI_NO_PENDING_LOGIN',
        'This login link was already used or was not started in this browser.',
        403,
      );
    }
    if (pending.status === 'expired') {
      debug('callback refused: the pending login expired');
      return this._fail(req, 'ERR_KVIXI_PENDING_LOGIN_EXPIRED', 'This login took too long. Please start again.', 401);
    }

    let tokens: KvixiTokens;
    let profile: KvixiProfile | undefined;
    try {
      tokens = await this.client.exchangeAuthKey(authKey);
      if (!this._skipUserProfile) {
        const reply = await this.client.getUserInfoReply(tokens.accessToken);
        profile = this.userProfile(reply.userInfo, reply.raw);
        debug('callback: signed in Kvixi user %s', printable(profile.id));
      }
    } catch (err) {
      if (err instanceof KvixiAPIError && err.endpoint === 'authorize' && /invalid auth_key/i.test(err.providerMessage)) {
        return this._fail(
          req,
          'ERR_KVIXI_AUTH_KEY_REJECTED',
          'Kvixi did not accept this login link: it was already used or is stale.',
          401,
        );
      }
      if (err instanceof KvixiUserNotFoundError) {
        return this._fail(req, 'ERR_KVIXI_USER_NOT_FOUND', 'This Kvixi account no longer exists.', 403);
      }
      throw err;
    }
    const user = await this._runVerify(req, tokens, profile);
    if (user.outcome === 'error') return this._reportError(req, user.error);
    if (user.outcome === 'refused') return this._handOver(req, () => this.fail(user.info, 401));
    // No earlier pending login of this browser may outlive a successful login.
    await this._store.clear(req, this._context());
    const state = pending.login.state;
    const info = state === undefined ? { ...user.info } : { ...user.info, state };
    this._handOver(req, () => this.success(user.user, info));
  }

  private _fail(req: HostRequest, code: KvixiFailureCode, message: string, status: number): void {
    this._handOver(req, () => this.fail(failure(code, message), status));
  }

  /**
   * Calls verify and waits for its one outcome, whether it calls `done`, returns a promise, or
   * throws. Later calls of `done` are ignored.
   */
  private _runVerify(req: HostRequest, tokens: KvixiTokens, profile: KvixiProfile | undefined): Promise<VerifyOutcome> {
    return new Promise<VerifyOutcome>((resolve) => {
      let settled = false;
      const settle = (outcome: VerifyOutcome) => {
        if (settled) return;
        settled = true;
        resolve(outcome);
      };
      const done: KvixiVerifyCallback = (err, user, info) => {
        if (err) return settle({ outcome: 'error', error: asError(err) });
        if (!user) return settle({ outcome: 'refused', info: info ?? { message: 'The application refused this login.' } });
        settle({ outcome: 'user', user, info: info ?? {} });
      };
      const args = this._passReqToCallback ? [req, tokens, profile, done] : [tokens, profile, done];
      let result: KvixiVerifyResult;
      // A throw or a rejection is an error whatever its value, even a falsy one.
      const failed = (err: unknown, fallback: string) => settle({ outcome: 'error', error: asError(err ?? new Error(fallback)) });
      try {
        result = (this._verify as (...a: unknown[]) => KvixiVerifyResult)(...args);
      } catch (err) {
        return failed(err, 'verify threw without a reason');
      }
      if (!isPromiseLike(result)) return;
      result.then(
        (user) => {
          if (user !== undefined) return done(null, user);
          if (!settled) {
            done(
              new KvixiError(
                'ERR_KVIXI_VERIFY_NO_RESULT',
                'verify resolved undefined without calling done: return the user, or false to refuse the login',
              ),
            );
          }
        },
        (err: unknown) => failed(err, 'verify rejected without a reason'),
      );
    });
  }

  /**
   * Hands an outcome to Passport. Passport then runs the app's code (a custom callback,
   * `req.logIn`, the session's regenerate): whatever that throws reaches the app's error handling
   * once, through Passport's `error`.
   */
  private _handOver(req: HostRequest, act: () => void): void {
    try {
      act();
    } catch (thrown) {
      this._reportError(req, asError(thrown));
    }
  }

  /** Passport's `error`; if the app's error handling throws too, Express's `next`. */
  private _reportError(req: HostRequest, err: Error): void {
    try {
      this.error(err);
    } catch (again) {
      lastResort(req, err, asError(again));
    }
  }
}

type VerifyOutcome =
  | { outcome: 'user'; user: unknown; info: object }
  | { outcome: 'refused'; info: object }
  | { outcome: 'error'; error: Error };

/**
 * The app's `error` handling itself threw (`thrown`) while handling `original`: Express's `next`;
 * on a host without one, a bare 500, or a closed connection where the host gives no response
 * (Fastify), so the client is never left waiting; and a process warning for both errors, so
 * neither is lost without a crash.
 */
function lastResort(req: HostRequest, original: Error, thrown: Error): void {
  if (typeof req.next === 'function') {
    req.next(thrown);
    return;
  }
  const res = req.res;
  if (res && typeof res.end === 'function' && !res.headersSent) {
    res.statusCode = 500;
    res.end('Internal Server Error');
  } else if (!res) {
    // Fastify's request has the Node request as `raw`; close its connection only while nothing of
    // a response has gone out (Node keeps the response being written on the socket).
    const socket = (req as { raw?: { socket?: { destroy?: () => void; _httpMessage?: { headersSent?: boolean } } } }).raw?.socket;
    if (socket && socket._httpMessage?.headersSent === false) socket.destroy?.();
  }
  process.emitWarning(original);
  if (thrown !== original) process.emitWarning(thrown);
}

function failure(code: KvixiFailureCode, message: string): KvixiLoginFailure {
  return { message, code };
}

function storeOf(store: unknown): KvixiPendingLoginStore {
  if (store === undefined) return new KvixiSessionStore();
  const candidate = store as Partial<Record<keyof KvixiPendingLoginStore, unknown>> | null;
  if (
    candidate === null ||
    typeof candidate !== 'object' ||
    typeof candidate.add !== 'function' ||
    typeof candidate.consume !== 'function' ||
    typeof candidate.clear !== 'function'
  ) {
    throw new TypeError(`${OWNER} store must have add, consume and clear methods (a KvixiPendingLoginStore)`);
  }
  return store as KvixiPendingLoginStore;
}

/**
 * A top-level navigation the user made, where a browser says so: browsers send Sec-Fetch-Site,
 * -Mode and -Dest together (over https and to localhost). An <img>, a fetch() from a sibling
 * subdomain, a frame or a prefetch (speculation rules send `Sec-Purpose: prefetch` on what
 * otherwise looks like a typed URL) could otherwise start or finish a login in the victim's
 * browser. Without Sec-Fetch-Site the request is no browser's (Node's fetch sends
 * Sec-Fetch-Mode: cors alone) or an old one's.
 */
function isNavigation(req: HostRequest): boolean {
  const purpose = `${String(req.headers['sec-purpose'] ?? '')} ${String(req.headers.purpose ?? '')}`;
  if (/prefetch|prerender/i.test(purpose)) return false;
  if (req.headers['sec-fetch-site'] === undefined) return true;
  const mode = req.headers['sec-fetch-mode'];
  const dest = req.headers['sec-fetch-dest'];
  return (mode === undefined || mode === 'navigate') && (dest === undefined || dest === 'document');
}

/** Which Sec-Fetch-Site values beyond same-origin may start a login without a click. */
function startSitesOf(option: unknown): ReadonlySet<string> {
  if (option === undefined || option === false) return new Set();
  if (option === 'same-site') return new Set(['same-site']);
  if (option === true) return new Set(['same-site', 'cross-site']);
  throw new TypeError(`${OWNER} allowCrossSiteStart must be true, false or 'same-site'`);
}

function isAuthenticated(req: HostRequest): boolean {
  try {
    return typeof req.isAuthenticated === 'function' && req.isAuthenticated() === true;
  } catch {
    return false;
  }
}

/**
 * `state` as every store hands it back, or a `TypeError` naming the first value JSON would change
 * (`state.when is a Date`): only plain objects, arrays, strings, finite numbers, booleans and
 * null are kept, so what the callback gets equals what the start was given.
 */
function storableState(state: unknown): unknown {
  if (state === undefined) return undefined;
  const paths = new Map<unknown, string>();
  let json: string;
  try {
    // `this[key]` is the value before JSON.stringify called its toJSON (a Date is still a Date).
    json = JSON.stringify(state, function (this: Record<string, unknown>, key, value: unknown) {
      const path = key === '' ? 'state' : `${paths.get(this) ?? 'state'}${Array.isArray(this) ? `[${key}]` : `.${key}`}`;
      const reason = unstorable(this[key], Array.isArray(this));
      if (reason !== undefined) throw new TypeError(`${path} ${reason}`);
      if (typeof value === 'object' && value !== null) paths.set(value, path);
      return value;
    });
  } catch (err) {
    const reason = err instanceof TypeError && /circular/i.test(err.message) ? 'it is circular' : asError(err).message;
    throw new TypeError(`${OWNER} state must be plain JSON data, but ${reason}`);
  }
  if (Buffer.byteLength(json) > MAX_STATE_BYTES) {
    throw new TypeError(`${OWNER} state must be at most ${MAX_STATE_BYTES} bytes as JSON`);
  }
  return JSON.parse(json) as unknown;
}

/** Why JSON would not give `value` back as it is, or `undefined` when it would. */
function unstorable(value: unknown, inArray: boolean): string | undefined {
  if (typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint') return `is a ${typeof value}`;
  if (typeof value === 'number' && !Number.isFinite(value)) return `is ${value} (JSON turns it into null)`;
  if (value === undefined) return inArray ? 'is undefined (JSON turns it into null)' : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null && prototype !== Array.prototype) {
    const name: unknown = (prototype as { constructor?: { name?: unknown } } | null)?.constructor?.name;
    const kind = typeof name === 'string' && name !== '' ? name : 'class instance';
    return `is ${/^[aeiou]/i.test(kind) ? 'an' : 'a'} ${kind}`;
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return 'has a toJSON method';
  return undefined;
}

/** The request's path and auth_key values, read by us rather than by whichever query parser the app set. */
function requestTarget(req: HostRequest): { path: string; authKeys: string[] } {
  let raw = req.originalUrl ?? req.url ?? '/';
  // An absolute-form target (`GET http://host/path`), which Node and Express accept too.
  if (!raw.startsWith('/')) {
    try {
      const url = new URL(raw);
      raw = `${url.pathname}${url.search}`;
    } catch {
      // Not a URL either: compared as it is, it matches no callback path.
    }
  }
  const mark = raw.indexOf('?');
  if (mark !== -1) {
    return { path: raw.slice(0, mark), authKeys: new URLSearchParams(raw.slice(mark + 1)).getAll('auth_key') };
  }
  // Test harnesses (chai-passport-strategy) set req.query without a query string in the URL.
  const fromQuery = (req.query as { auth_key?: unknown } | undefined)?.auth_key;
  const authKeys = Array.isArray(fromQuery) ? fromQuery : fromQuery === undefined ? [] : [fromQuery];
  return { path: raw, authKeys: authKeys.map((value) => (typeof value === 'string' ? value : '')) };
}

/** The start URL again, when it is a plain path on this site: where a one-click continue leads. */
function sameSiteURL(req: HostRequest): string | undefined {
  const raw = req.originalUrl ?? req.url;
  return typeof raw === 'string' && raw.startsWith('/') && !raw.startsWith('//') && !raw.includes('\\')
    ? raw
    : undefined;
}

/** As Express routes match by default: case-insensitive, an optional trailing slash, percent-decoded. */
function normalizePath(path: string): string {
  let decoded = path;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    // A malformed escape cannot be the callback path; compare it as it is.
  }
  const trimmed = decoded.length > 1 ? decoded.replace(/\/$/, '') : decoded;
  return trimmed.toLowerCase();
}

function callbackPathOf(callbackURL: unknown): string | undefined {
  if (callbackURL === undefined) return undefined;
  const value = requireString(OWNER, 'callbackURL', callbackURL);
  try {
    return normalizePath(new URL(value, 'http://localhost').pathname);
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
