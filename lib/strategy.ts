import { debuglog } from 'node:util';
import type { Request } from 'express';
import { Strategy as PassportStrategy } from 'passport-strategy';
import { KvixiAPIError, KvixiError, KvixiUserNotFoundError } from './errors.js';
import { CLIENT_OPTIONS, KvixiClient, type KvixiClientOptions, type KvixiTokens } from './client.js';
import { sendContinuePage } from './continue-page.js';
import { isHttps, type CookieRequest } from './cookies.js';
import {
  channelError,
  outcomes,
  phases,
  traced,
  type KvixiLoginOutcome,
  type KvixiPhaseContext,
  type KvixiProviderCallContext,
} from './diagnostics.js';
import { optionalBaseURL, optionalBoolean, optionalFunction, optionalPositive, refuseMisspelledOptions, requireString } from './options.js';
import {
  CLOCK_SKEW_MS,
  KvixiSessionStore,
  newPendingLogin,
  sessionStoreAtOnce,
  pendingLoginsIn,
  type KvixiConsumeResult,
  type KvixiNoPendingLoginReason,
  type KvixiPendingLogin,
  type KvixiPendingLoginContext,
  type KvixiPendingLoginStore,
} from './pending-login.js';
import { claimAtOnce, KvixiMemoryClaimStore, type KvixiClaimStore } from './claim-store.js';
import { mapProfile, type KvixiProfile } from './profile.js';
import { printable } from './redact.js';
import { asError, isPromiseLike } from './app-values.js';

const debug = debuglog('passport-kvixi');

/** Why a login failed cleanly (Passport's `fail`): the browser's fault, a stale link or the user's account, not a fault of the app. */
export type KvixiFailureCode =
  | 'ERR_KVIXI_CROSS_SITE_START'
  | 'ERR_KVIXI_NOT_A_NAVIGATION'
  | 'ERR_KVIXI_MISSING_AUTH_KEY'
  | 'ERR_KVIXI_MALFORMED_AUTH_KEY'
  | 'ERR_KVIXI_NO_PENDING_LOGIN'
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
  /** With `ERR_KVIXI_NO_PENDING_LOGIN`: whether the cookies of the login's start arrived at all (see `KvixiNoPendingLoginReason`). */
  reason?: KvixiNoPendingLoginReason;
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

/**
 * What a login hands Passport as `info` (a custom callback's third argument) when it succeeds.
 * `alreadySignedIn`: the callback came again from a browser that is signed in and has no login
 * pending (Back or reload after logging in, or a login finished in a second tab); `user` is the
 * signed-in user, Kvixi was not asked, and the `auth_key` was not used: skip `req.logIn`. A route
 * with `successRedirect` gets a redirect there instead, and never under `passport.authorize`
 * (linking): there such a callback fails with `ERR_KVIXI_NO_PENDING_LOGIN`.
 */
export interface KvixiSuccessInfo {
  state?: KvixiState;
  alreadySignedIn?: true;
}

/** What a custom callback's third argument is: `KvixiSuccessInfo` after a success, the failure otherwise. */
export type KvixiInfo = KvixiSuccessInfo | KvixiLoginFailure;

/** Passport's `done`: `done(err)`, `done(null, user, info?)` or `done(null, false, info?)`. */
export type KvixiVerifyCallback = (err: unknown, user?: Express.User | false, info?: object) => void;

/**
 * What verify may return: nothing when it calls `done`; the user, or `false` to refuse; or a
 * promise of one of them. A promise that resolves `undefined` without `done` having been called is
 * an error (`ERR_KVIXI_VERIFY_NO_RESULT`): an async verify must `return` the user. A user with a
 * `then` method would be taken for a promise, so the type leaves such objects out.
 */
export type KvixiVerifyResult = void | false | (Express.User & { then?: never }) | Promise<Express.User | false>;

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
  /**
   * How a refused cross-site start is answered when the route has no `failureRedirect`: `true`
   * (default) answers a page of its own, "Continue to log in", whose one button starts the login;
   * `false` fails with `ERR_KVIXI_CROSS_SITE_START` and a `continueURL`, for an app that renders
   * its own page in a custom callback.
   */
  continuePage?: boolean | undefined;
  /** Skip `get_user_info`: verify gets the token and `undefined` as the profile. */
  skipUserProfile?: boolean | undefined;
  /** Where pending logins are kept between start and callback, default the session (`KvixiSessionStore`). */
  store?: KvixiPendingLoginStore | undefined;
  /**
   * The record of used pending logins, default one `KvixiMemoryClaimStore` for the whole process.
   * Several instances of the app (processes behind a load balancer) must share one, e.g.
   * `KvixiRedisClaimStore`, or a login racing itself on two of them could succeed twice.
   */
  claimStore?: KvixiClaimStore | undefined;
  /** The clock every expiry check reads, in milliseconds since the epoch; default `Date.now`. */
  now?: (() => number) | undefined;
  /**
   * Milliseconds the app's own code may take for one step: verify, each call of the store
   * (the session's save included) and of the claim store. Past it the login ends in `ERR_KVIXI_VERIFY_TIMEOUT` or
   * `ERR_KVIXI_STORE_TIMEOUT` and a late outcome is ignored. Default 30000.
   */
  appTimeout?: number | undefined;
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
  // Passport returns what a custom callback returns (an async one's promise) from success and error.
  success(user: unknown, info?: object): unknown;
  fail(challenge?: KvixiLoginFailure | object, status?: number): void;
  redirect(url: string, status?: number): void;
  pass(): void;
  error(err: Error): unknown;
}

const StrategyBase: new () => PassportActions = PassportStrategy as new () => PassportActions;

const OWNER = 'KvixiStrategy';
const STRATEGY_OPTIONS = [
  ...CLIENT_OPTIONS,
  'name', 'callbackURL', 'uploadsURL', 'pendingLoginTTL', 'allowCrossSiteStart', 'skipUserProfile', 'store', 'now',
  'passReqToCallback', 'continuePage', 'claimStore', 'appTimeout',
] as const;
const MAX_AUTH_KEY_LENGTH = 256;
const MAX_STATE_BYTES = 2048;
/** The longest delay setTimeout keeps. */
const MAX_TIMER_MS = 2_147_483_647;
/** The built-in stores' own methods: where a store still has them, the strategy calls them without a timer. */
const SESSION_STORE = KvixiSessionStore.prototype;
const MEMORY_CLAIM = KvixiMemoryClaimStore.prototype.claim;

type AnyVerify = (...args: never[]) => KvixiVerifyResult;

/** A request as the strategy reads it, whatever host made it (Express, Fastify, Koa, a test harness). */
type HostRequest = Request & {
  originalUrl?: string;
  query?: unknown;
  isAuthenticated?: () => boolean;
  user?: unknown;
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
  private readonly _continuePage: boolean;
  private readonly _callbackPath: string | undefined;
  /** An absolute `callbackURL`'s scheme and host (`https://app.example`), to compare each start with. */
  private readonly _callbackOrigin: string | undefined;
  /** Mutated, never replaced: Passport runs each request on `Object.create(strategy)`. */
  private readonly _warned = { startHost: false };
  private readonly _uploadsURL: string;
  private readonly _pendingLoginTTL: number;
  private readonly _storeKey: string;
  private readonly _store: KvixiPendingLoginStore;
  private readonly _claimStore: KvixiClaimStore;
  private readonly _now: () => number;
  private readonly _origin: string;
  /** Per request (Passport's Object.create): when it reached the strategy, while someone listens for outcomes. */
  private _began: number | undefined;
  private _phase: KvixiLoginOutcome['phase'] = 'callback';
  private readonly _appTimeout: number;

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
    this._continuePage = optionalBoolean(OWNER, 'continuePage', options.continuePage) ?? true;
    this._callbackPath = callbackPathOf(options.callbackURL);
    this._callbackOrigin = callbackOriginOf(options.callbackURL);
    this._uploadsURL = `${optionalBaseURL(OWNER, 'uploadsURL', options.uploadsURL, `${this.client.baseURL}/content/uploads`)}/`;
    this._pendingLoginTTL = optionalPositive(OWNER, 'pendingLoginTTL', options.pendingLoginTTL, 600, 86_400) * 1000;
    this._storeKey = `passport-kvixi:${this.name}`;
    this._store = storeOf(options.store);
    this._claimStore = claimStoreOf(options.claimStore);
    this._now = optionalFunction(OWNER, 'now', options.now) ?? (() => Date.now());
    this._origin = new URL(this.client.baseURL).origin;
    this._appTimeout = optionalPositive(OWNER, 'appTimeout', options.appTimeout, 30_000, MAX_TIMER_MS);
  }

  /** Starts a login, or finishes one when the request is the provider's callback. */
  authenticate(req: Request, options?: KvixiAuthenticateOptions): void {
    const host = req as HostRequest;
    const { path, authKeys } = requestTarget(host);
    const isCallback = authKeys.length > 0 || (this._callbackPath !== undefined && normalizePath(path) === this._callbackPath);
    this._began = outcomes.hasSubscribers ? performance.now() : undefined;
    this._phase = isCallback ? 'callback' : 'start';
    // The tracing closures are built only while someone listens: an unwatched login allocates none.
    let phase: Promise<void>;
    if (isCallback) {
      const finish = () => this._finish(host, authKeys, options);
      phase = phases.callback.hasSubscribers ? traced(phases.callback, () => this._phaseContext(), finish) : finish();
    } else {
      const start = () => this._start(host, options);
      phase = phases.start.hasSubscribers ? traced(phases.start, () => this._phaseContext(), start) : start();
    }
    phase.catch((err: unknown) => this._reportError(host, asError(err)));
  }

  /** Maps `get_user_info` to the profile verify receives. Override to add fields. */
  userProfile(userInfo: KvixiProfile['_json'], raw: string): KvixiProfile {
    return mapProfile(userInfo, raw, { baseURL: this.client.baseURL, uploadsURL: this._uploadsURL });
  }

  private _phaseContext(): KvixiPhaseContext {
    return { strategy: this.name, origin: this._origin };
  }

  /** One message on the outcome channel, built only while someone listens. */
  private _publishOutcome(outcome: KvixiLoginOutcome['outcome'], details: Partial<KvixiLoginOutcome>): void {
    if (this._began === undefined || !outcomes.hasSubscribers) return;
    const message: KvixiLoginOutcome = {
      strategy: this.name,
      origin: this._origin,
      phase: this._phase,
      outcome,
      ...details,
      durationMs: performance.now() - this._began,
    };
    this._began = undefined;
    outcomes.publish(message);
  }

  private _context(): KvixiPendingLoginContext {
    return { key: this._storeKey, ttlMs: this._pendingLoginTTL, now: this._now() };
  }

  private async _start(req: HostRequest, options: KvixiAuthenticateOptions | undefined): Promise<void> {
    if (!isNavigation(req)) {
      debug('start refused: not a top-level navigation (Sec-Fetch-Mode/Dest)');
      return this._fail(req, 'ERR_KVIXI_NOT_A_NAVIGATION', 'A login starts when the browser opens this page, not from an image, a script or a frame.', 403);
    }
    const site = req.headers['sec-fetch-site'];
    if ((site === 'cross-site' || site === 'same-site') && !this._allowedStartSites.has(site)) {
      debug('start refused: Sec-Fetch-Site is %s', site);
      const refusal = failure('ERR_KVIXI_CROSS_SITE_START', 'This login was started from another site.');
      const continueURL = sameSiteURL(req);
      if (continueURL !== undefined) {
        refusal.continueURL = continueURL;
        // The plain `passport.authenticate('kvixi')` start route has nowhere to send a failure.
        if (this._continuePage && options?.failureRedirect === undefined && sendContinuePage(req, continueURL)) {
          return this._publishOutcome('failure', { code: refusal.code });
        }
      }
      this._publishOutcome('failure', { code: refusal.code });
      return this._handOver(req, () => this.fail(refusal, 403));
    }
    this._checkStartHost(req);
    const context = this._context();
    const login = newPendingLogin(context.now, storableState(options?.state));
    await this._storeCall('add', this._store.add === SESSION_STORE.add ? sessionStoreAtOnce.add(req, login, context) : this._store.add(req, login, context));
    const target = this.client.authorizationURL();
    // Guarded on the hot path: a debuglog call with arguments costs even while the section is off.
    if (debug.enabled) debug('start: redirecting to %s', target);
    this._handOver(req, () => this.redirect(target));
  }

  private async _finish(req: HostRequest, authKeys: string[], options: KvixiAuthenticateOptions | undefined): Promise<void> {
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

    // Consume and claim the pending login before the auth_key goes anywhere: a replay, a forged
    // link, an old copy of the session or cookie, or a request racing this one then fails here.
    const context = this._context();
    const pending = consumeResultOf(
      this._store.consume === SESSION_STORE.consume
        ? sessionStoreAtOnce.consume(req, context)
        : await this._storeCall('consume', this._store.consume(req, context)),
    );
    const used = pending.status === 'found' && !(await this._claim(pending.login, context));
    if (pending.status === 'none' || used) {
      // Not under passport.authorize (assignProperty): there the success's user is the linked
      // account, and the signed-in user is not one; a callback with no login links nothing.
      if (isAuthenticated(req) && options?.assignProperty === undefined) {
        // Back, reload or a second tab: the user goes where a login sends them, still as themselves.
        this._publishOutcome('success', { alreadySignedIn: true });
        // Where the route names the page a login leads to, go there without logging in again:
        // passport 0.7's req.logIn would regenerate the session, and any site can send this GET.
        const target = successTarget(options);
        if (target !== undefined) {
          debug('callback: no pending login, and the request is already signed in: on to %s', printable(target));
          return this._handOver(req, () => this.redirect(target));
        }
        debug('callback: no pending login, and the request is already signed in: a success as the signed-in user');
        const info: KvixiSuccessInfo = { alreadySignedIn: true };
        return this._handOver(req, () => this.success(req.user, info));
      }
      const given = pending.status === 'none' ? knownReason(pending.reason) : 'not-started-here';
      const reason = given ?? (req.headers.cookie ? 'not-started-here' : 'no-cookie');
      if (reason === 'no-cookie') {
        debug(
          'callback refused: no pending login (no-cookie): none of the cookies of the login\'s start arrived; ' +
            'likely the login started on another host, port or scheme than this callback\'s (127.0.0.1 and localhost differ), ' +
            'cookies are blocked, or the session cookie is SameSite=Strict',
        );
      } else {
        debug('callback refused: no pending login (not-started-here): this browser\'s cookies hold none; it was already used or started in another browser');
      }
      const refusal = failure('ERR_KVIXI_NO_PENDING_LOGIN', NO_PENDING_LOGIN_MESSAGES[reason]);
      refusal.reason = reason;
      this._publishOutcome('failure', { code: refusal.code, reason });
      return this._handOver(req, () => this.fail(refusal, 403));
    }
    if (pending.status === 'expired') {
      debug('callback refused: the pending login expired');
      return this._fail(req, 'ERR_KVIXI_PENDING_LOGIN_EXPIRED', 'This login took too long. Please start again.', 401);
    }

    let tokens: KvixiTokens;
    let profile: KvixiProfile | undefined;
    try {
      tokens = phases.exchange.hasSubscribers
        ? await traced(phases.exchange, () => this._callContext('authorize'), () => this.client.exchangeAuthKey(authKey))
        : await this.client.exchangeAuthKey(authKey);
      if (!this._skipUserProfile) {
        const { accessToken } = tokens;
        const reply = phases.userInfo.hasSubscribers
          ? await traced(phases.userInfo, () => this._callContext('get_user_info'), () => this.client.getUserInfoReply(accessToken))
          : await this.client.getUserInfoReply(accessToken);
        profile = this.userProfile(reply.userInfo, reply.raw);
        if (debug.enabled) debug('callback: signed in Kvixi user %s', printable(profile.id));
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
    const user = phases.verify.hasSubscribers ? await this._traceVerify(req, tokens, profile) : await this._runVerify(req, tokens, profile);
    if (user.outcome === 'error') return this._reportError(req, user.error);
    if (user.outcome === 'refused') {
      this._publishOutcome('failure', { code: 'ERR_KVIXI_VERIFY_REFUSED' });
      return this._handOver(req, () => this.fail(user.info, 401));
    }
    // No earlier pending login of this browser may outlive a successful login, not even in a copy.
    const cleared = this._context();
    const others = pendingLoginsIn(
      this._store.clear === SESSION_STORE.clear ? sessionStoreAtOnce.clear(req, cleared) : await this._storeCall('clear', this._store.clear(req, cleared)),
    );
    if (others.length > 0) await Promise.all(others.map((login) => this._claim(login, cleared)));
    const state = pending.login.state;
    const info = state === undefined ? { ...user.info } : { ...user.info, state };
    if (this._began !== undefined) this._publishOutcome('success', profile === undefined ? {} : { userId: profile.id });
    this._handOver(req, () => this.success(user.user, info));
  }

  /**
   * Records the login as used, for as long as any instance could still take it for a live one;
   * false when it was used before.
   */
  private async _claim(login: KvixiPendingLogin, context: KvixiPendingLoginContext): Promise<boolean> {
    const ttlMs = Math.max(1, login.createdAt + context.ttlMs + CLOCK_SKEW_MS - context.now);
    const id = `${context.key}:${login.nonce}`;
    const store = this._claimStore;
    // The default store's own claim settles at once: no timer to arm.
    if (store instanceof KvixiMemoryClaimStore && store.claim === MEMORY_CLAIM) return claimAtOnce(store, id, ttlMs);
    // A claim store is the app's own code too (its database, its Redis): bounded like the store's calls.
    const claimed: unknown = await withinTime(store.claim(id, ttlMs), this._appTimeout, () =>
      new KvixiError('ERR_KVIXI_STORE_TIMEOUT', `${OWNER} claimStore.claim() did not settle within ${this._appTimeout} ms (appTimeout)`),
    );
    if (typeof claimed !== 'boolean') throw new TypeError(`${OWNER} claimStore.claim() must resolve true or false`);
    return claimed;
  }

  /**
   * An absolute `callbackURL` on another host or scheme than the start's: the browser would come
   * back without this start's cookies. Said once per strategy, before the user goes to Kvixi.
   */
  private _checkStartHost(req: HostRequest): void {
    if (this._callbackOrigin === undefined) return;
    const start = startOriginOf(req);
    if (start === undefined || start === this._callbackOrigin) return;
    const text =
      `the login starts on ${start} but callbackURL is on ${this._callbackOrigin}: the browser will come back there ` +
      `without this start's cookies and the login will fail (ERR_KVIXI_NO_PENDING_LOGIN, reason no-cookie). ` +
      `Open the site at ${this._callbackOrigin}; behind a proxy, pass the Host header on and set the host's trust proxy`;
    // Both origins come out of the URL parser: no control characters, nothing to escape.
    debug('start: %s', text);
    if (this._warned.startHost) return;
    this._warned.startHost = true;
    process.emitWarning(`passport-kvixi: ${text}`, { code: 'KVIXI_START_HOST_MISMATCH' });
  }

  private _fail(req: HostRequest, code: KvixiFailureCode, message: string, status: number): void {
    this._publishOutcome('failure', { code });
    this._handOver(req, () => this.fail(failure(code, message), status));
  }

  private _callContext(endpoint: KvixiProviderCallContext['endpoint']): KvixiProviderCallContext {
    return { strategy: this.name, origin: this._origin, endpoint };
  }

  /** Verify inside its TracingChannel: an error outcome is the channel's error too. */
  private async _traceVerify(req: HostRequest, tokens: KvixiTokens, profile: KvixiProfile | undefined): Promise<VerifyOutcome> {
    try {
      return await traced(phases.verify, () => this._phaseContext(), async () => {
        const outcome = await this._runVerify(req, tokens, profile);
        if (outcome.outcome === 'error') throw outcome.error;
        return outcome;
      });
    } catch (error) {
      return { outcome: 'error', error: asError(error) };
    }
  }

  /** A store call, given `appTimeout` to settle: a session store whose save never calls back must not hang the request. */
  private _storeCall<T>(method: keyof KvixiPendingLoginStore, call: T | PromiseLike<T>): Promise<T> {
    return withinTime(call, this._appTimeout, () =>
      new KvixiError(
        'ERR_KVIXI_STORE_TIMEOUT',
        `${OWNER} store.${method}() did not settle within ${this._appTimeout} ms (appTimeout); with the default store, the session's save() did not call back`,
      ),
    );
  }

  /**
   * Calls verify and waits for its one outcome, whether it calls `done`, returns the user (or
   * `false`), returns a promise, or throws; past `appTimeout` the outcome is an error. Later
   * outcomes are ignored.
   */
  private _runVerify(req: HostRequest, tokens: KvixiTokens, profile: KvixiProfile | undefined): Promise<VerifyOutcome> {
    return new Promise<VerifyOutcome>((resolve) => {
      let settled = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const settle = (outcome: VerifyOutcome) => {
        if (settled) return;
        settled = true;
        if (timer !== undefined) clearTimeout(timer);
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
      const later = isPromiseLike(result);
      // A returned value other than undefined is the outcome, as a promise's value would be (`users.upsert(profile)`).
      if (!later && result !== undefined) return done(null, result);
      // A verify that has called done already needs no timer.
      if (!settled) {
        timer = setTimeout(() => {
          const message = `verify did not finish within ${this._appTimeout} ms (appTimeout): call done, or return the user, false or a promise of one`;
          settle({ outcome: 'error', error: new KvixiError('ERR_KVIXI_VERIFY_TIMEOUT', message) });
        }, this._appTimeout);
        timer.unref();
      }
      if (!later) return;
      // Promise.resolve: a thenable whose then() throws is a rejection, not a throw here.
      Promise.resolve(result).then(
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
   * `req.logIn`, the session's regenerate): whatever that throws, or the promise an async custom
   * callback returns through Passport's `success` rejects with, reaches the app's error handling
   * once, through Passport's `error`.
   */
  private _handOver(req: HostRequest, act: () => unknown): void {
    let returned: unknown;
    try {
      returned = act();
    } catch (thrown) {
      return this._reportError(req, asError(thrown));
    }
    if (isPromiseLike(returned)) {
      Promise.resolve(returned).then(undefined, (err: unknown) =>
        this._reportError(req, asError(err ?? new Error('the custom callback rejected without a reason'))),
      );
    }
  }

  /** Passport's `error`; if the app's error handling throws or rejects too, the last resort. */
  private _reportError(req: HostRequest, err: Error): void {
    if (this._began !== undefined) {
      const { name, code, endpoint, status } = channelError(err) as Error & Partial<Record<'code' | 'endpoint', string> & { status: number }>;
      this._publishOutcome('error', { errorName: name, ...(code && { code }), ...(endpoint && { endpoint }), ...(status && { status }) });
    }
    let returned: unknown;
    try {
      returned = this.error(err);
    } catch (again) {
      return lastResort(req, err, asError(again));
    }
    if (isPromiseLike(returned)) {
      Promise.resolve(returned).then(undefined, (again: unknown) =>
        lastResort(req, err, asError(again ?? new Error('the custom callback rejected without a reason'))),
      );
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
 * neither is lost without a crash. With no connection at all (a test harness such as
 * chai-passport-strategy), both are thrown as uncaught exceptions: the test runner then reports
 * them against the running test (a failed assertion in the harness's `success()`).
 */
function lastResort(req: HostRequest, original: Error, thrown: Error): void {
  if (typeof req.next === 'function') {
    req.next(thrown);
    return;
  }
  const res = req.res;
  // A Node request has its socket; Fastify's request has the Node request as `raw`.
  type Socket = { destroy?: () => void; _httpMessage?: { headersSent?: boolean } };
  const host = req as { socket?: Socket; raw?: { socket?: Socket } };
  const socket = host.socket ?? host.raw?.socket;
  if (res && typeof res.end === 'function' && !res.headersSent) {
    res.statusCode = 500;
    res.end('Internal Server Error');
  } else if (!res && socket) {
    // Close the connection only while nothing of a response has gone out (Node keeps the
    // response being written on the socket).
    if (socket._httpMessage?.headersSent === false) socket.destroy?.();
  } else if (!res) {
    for (const err of thrown === original ? [original] : [original, thrown]) {
      process.nextTick(() => {
        throw err;
      });
    }
    return;
  }
  process.emitWarning(original);
  if (thrown !== original) process.emitWarning(thrown);
}

const NO_PENDING_LOGIN_MESSAGES: Record<KvixiNoPendingLoginReason, string> = {
  'no-cookie':
    'This login came back without the cookies it started with: it may have started on another address ' +
    '(host, port or http/https) than the one it came back to, or this browser blocks cookies. Please start again.',
  'not-started-here': 'This login link was already used or was not started in this browser.',
};

function failure(code: KvixiFailureCode, message: string): KvixiLoginFailure {
  return { message, code };
}

/**
 * The store's answer to `consume()`, checked before the auth_key goes anywhere: a custom store's
 * bug (an unknown status, `found` without a login) must not run a login.
 */
/** The route's `successReturnToOrRedirect` or `successRedirect`, where it names one. */
function successTarget(options: KvixiAuthenticateOptions | undefined): string | undefined {
  const target = options?.successReturnToOrRedirect ?? options?.successRedirect;
  return typeof target === 'string' && target !== '' ? target : undefined;
}

/** A custom store's `reason`, where it is one the strategy knows; else the strategy decides. */
function knownReason(reason: unknown): KvixiNoPendingLoginReason | undefined {
  return reason === 'no-cookie' || reason === 'not-started-here' ? reason : undefined;
}

function consumeResultOf(answer: unknown): KvixiConsumeResult {
  const status = answer !== null && typeof answer === 'object' ? (answer as { status?: unknown }).status : undefined;
  if (status === 'none' || status === 'expired') return answer as KvixiConsumeResult;
  if (status === 'found') {
    const login = (answer as { login?: unknown }).login as Partial<Record<keyof KvixiPendingLogin, unknown>> | null | undefined;
    if (
      login !== null &&
      typeof login === 'object' &&
      typeof login.nonce === 'string' &&
      typeof login.createdAt === 'number' &&
      Number.isFinite(login.createdAt)
    ) {
      return answer as KvixiConsumeResult;
    }
    throw new TypeError(
      `${OWNER} store.consume() returned status 'found' without a login ({ nonce: string, createdAt: number, state? })`,
    );
  }
  const what =
    answer === null || typeof answer !== 'object'
      ? printable(String(answer), 40)
      : status === undefined
        ? 'an object without a status'
        : `status ${printable(JSON.stringify(status) ?? String(status), 40)}`;
  throw new TypeError(
    `${OWNER} store.consume() returned ${what}: it must resolve { status: 'found', login }, { status: 'none' } or { status: 'expired' }`,
  );
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

/** The default claim store: one for the process, so two strategies sharing a callback share it too. */
let processClaimStore: KvixiMemoryClaimStore | undefined;

function claimStoreOf(claimStore: unknown): KvixiClaimStore {
  if (claimStore === undefined) return (processClaimStore ??= new KvixiMemoryClaimStore());
  if (claimStore === null || typeof claimStore !== 'object' || typeof (claimStore as KvixiClaimStore).claim !== 'function') {
    throw new TypeError(`${OWNER} claimStore must have a claim method (a KvixiClaimStore)`);
  }
  return claimStore as KvixiClaimStore;
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
    // Sngine appends `?auth_key=` even to a redirect URL with a query: `/cb?from=kvixi?auth_key=K`.
    const query = raw.slice(mark + 1).replaceAll('?', '&');
    return { path: raw.slice(0, mark), authKeys: PLAIN_QUERY.test(query) ? authKeysInPlain(query) : new URLSearchParams(query).getAll('auth_key') };
  }
  // Test harnesses (chai-passport-strategy) set req.query without a query string in the URL.
  const fromQuery = (req.query as { auth_key?: unknown } | undefined)?.auth_key;
  const authKeys = Array.isArray(fromQuery) ? fromQuery : fromQuery === undefined ? [] : [fromQuery];
  return { path: raw, authKeys: authKeys.map((value) => (typeof value === 'string' ? value : '')) };
}

/** Printable ASCII without `%` or `+`: a query URLSearchParams would give back unchanged, pair by pair. */
const PLAIN_QUERY = /^[!-$&-*,-~]*$/;

/** `new URLSearchParams(query).getAll('auth_key')` for a plain query, without building the parameters. */
function authKeysInPlain(query: string): string[] {
  const keys: string[] = [];
  for (const pair of query.split('&')) {
    const at = pair.indexOf('=');
    if ((at === -1 ? pair : pair.slice(0, at)) === 'auth_key') keys.push(at === -1 ? '' : pair.slice(at + 1));
  }
  return keys;
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
    if (path.includes('%')) decoded = decodeURIComponent(path);
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

function callbackOriginOf(callbackURL: unknown): string | undefined {
  if (typeof callbackURL !== 'string' || !/^https?:\/\//i.test(callbackURL)) return undefined;
  return new URL(callbackURL).origin;
}

/**
 * The start request's scheme and host as the host gives them: Express 5's and Fastify 5's `host`
 * (port included, a trusted proxy's X-Forwarded-Host honoured), else the Host header.
 */
function startOriginOf(req: HostRequest): string | undefined {
  const given = (req as { host?: unknown }).host;
  const host = typeof given === 'string' && given !== '' ? given : req.headers.host;
  if (typeof host !== 'string' || host === '') return undefined;
  try {
    return new URL(`${isHttps(req as unknown as CookieRequest) ? 'https' : 'http'}://${host}`).origin;
  } catch {
    return undefined;
  }
}

/** `work` as a promise that rejects with `timedOut()` past `ms`; a later outcome is ignored. One timer, cleared, that keeps no process alive. */
function withinTime<T>(work: T | PromiseLike<T>, ms: number, timedOut: () => Error): Promise<T> {
  if (!isPromiseLike(work)) return Promise.resolve(work);
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(timedOut()), ms);
    timer.unref();
    Promise.resolve(work).then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
