import { randomUUID } from 'node:crypto';
import { bindBrowser, browserBinding } from './browser-binding.js';
import { KvixiSessionRequiredError } from './errors.js';
import { sessionAccess } from './session.js';

/**
 * Kvixi echoes no `state`, so the only proof that a callback belongs to this browser is a marker
 * the start request left with it. Each marker is single-use and short-lived.
 */
export interface KvixiPendingLogin {
  /** Random and unique: names this login in the record of used ones (the strategy's claim store). */
  nonce: string;
  /** Milliseconds since the epoch, by the strategy's clock. */
  createdAt: number;
  /** The app's own `state` from `passport.authenticate('kvixi', { state })`, as a JSON round trip gives it. */
  state?: unknown;
  /** `KvixiSessionStore`: a hash of the browser binding cookie's value; only that browser can use the login. */
  binding?: string;
}

/** What a store is told on every call. */
export interface KvixiPendingLoginContext {
  /** A key unique to the strategy instance's name, e.g. `passport-kvixi:kvixi`. */
  key: string;
  /** How long a pending login stays usable, in milliseconds. */
  ttlMs: number;
  /** The strategy's clock, in milliseconds since the epoch. */
  now: number;
}

/**
 * Why a callback found no pending login (`ERR_KVIXI_NO_PENDING_LOGIN`):
 * - `'no-cookie'`: nothing of the login's start arrived with the callback. Likely the callback
 *   came to another host, port or scheme than the one the login started on (`127.0.0.1` and
 *   `localhost` are two sites), cookies are blocked, or the session cookie is `SameSite=Strict`.
 * - `'not-started-here'`: this browser's cookies arrived but hold no pending login: it was
 *   already used, or the login was started in another browser.
 *
 * @example
 * ```ts
 * app.get('/auth/kvixi/callback', (req, res, next) => {
 *   passport.authenticate('kvixi', (err: unknown, user: Express.User | false, info?: KvixiLoginFailure) => {
 *     if (err) return next(err);
 *     if (user) return req.logIn(user, (loginErr) => (loginErr ? next(loginErr) : res.redirect('/')));
 *     const again = info?.reason === 'no-cookie' ? 'Open this site at its usual address, then log in again.' : 'Please log in again.';
 *     res.status(403).send(again);
 *   })(req, res, next);
 * });
 * ```
 */
export type KvixiNoPendingLoginReason = 'no-cookie' | 'not-started-here';

export type KvixiConsumeResult =
  | { status: 'found'; login: KvixiPendingLogin }
  | {
      status: 'none';
      /** Where the store can tell; without one the strategy says `'no-cookie'` for a request without any cookie. */
      reason?: KvixiNoPendingLoginReason;
    }
  | { status: 'expired' };

/**
 * The request as a store sees it: Node's request plus whatever the host added (`session`, `res`).
 * Express, Fastify, Koa and test harnesses all give at least this.
 */
export interface KvixiRequest {
  headers: Record<string, string | string[] | undefined>;
  url?: string | undefined;
}

/**
 * Where pending logins are kept between the start and the callback. Every method may reject:
 * the strategy reports a rejection as an error, never as a success.
 *
 * @example
 * ```ts
 * const kvixi = new KvixiStrategy({ appId, appSecret, store: new KvixiSessionStore() }, verify);
 * ```
 */
export interface KvixiPendingLoginStore {
  /** Records a login this request starts. */
  add(req: KvixiRequest, login: KvixiPendingLogin, context: KvixiPendingLoginContext): Promise<void>;
  /**
   * Removes and returns the newest live pending login, removing expired ones too. The strategy then
   * claims it in its `claimStore` before the auth_key goes anywhere, so a copy of the store's data
   * from before, or a request racing this one, cannot use it again.
   */
  consume(req: KvixiRequest, context: KvixiPendingLoginContext): Promise<KvixiConsumeResult>;
  /**
   * Forgets every pending login of this browser: called after a successful login. Resolves the
   * logins it held, which the strategy claims too, so an older copy holding them is of no use.
   */
  clear(req: KvixiRequest, context: KvixiPendingLoginContext): Promise<readonly KvixiPendingLogin[] | void>;
}

/** Enough for a few tabs started one after another; the oldest marker is dropped first. */
export const MAX_PENDING = 5;

/** Instances behind a load balancer disagree a little about the time. */
export const CLOCK_SKEW_MS = 60_000;

export function newPendingLogin(now: number, state: unknown): KvixiPendingLogin {
  const login: KvixiPendingLogin = { nonce: randomUUID(), createdAt: now };
  if (state !== undefined) login.state = state;
  return login;
}

export function isLive(entry: KvixiPendingLogin, ttlMs: number, now: number): boolean {
  const age = now - entry.createdAt;
  return age < ttlMs && age > -CLOCK_SKEW_MS;
}

/** Only well-formed entries: whatever a store returns may have been tampered with or be from an older version. */
export function pendingLoginsIn(stored: unknown): KvixiPendingLogin[] {
  if (!Array.isArray(stored)) return [];
  return stored.filter(
    (entry): entry is KvixiPendingLogin =>
      entry !== null &&
      typeof entry === 'object' &&
      typeof (entry as KvixiPendingLogin).nonce === 'string' &&
      typeof (entry as KvixiPendingLogin).createdAt === 'number' &&
      Number.isFinite((entry as KvixiPendingLogin).createdAt) &&
      ((entry as KvixiPendingLogin).binding === undefined || typeof (entry as KvixiPendingLogin).binding === 'string'),
  );
}

/** The list with `login` added, expired markers dropped, and at most MAX_PENDING kept (newest last). */
export function withPendingLogin(
  pending: readonly KvixiPendingLogin[],
  login: KvixiPendingLogin,
  context: KvixiPendingLoginContext,
): KvixiPendingLogin[] {
  const kept = pending.length === 0 ? [] : pending.filter((entry) => isLive(entry, context.ttlMs, context.now));
  kept.push(login);
  return kept.length > MAX_PENDING ? kept.slice(-MAX_PENDING) : kept;
}

/** Takes the newest live login out of the list; the rest keeps only live ones, so a stale one is never revived. */
export function takeNewestLive(
  pending: readonly KvixiPendingLogin[],
  context: KvixiPendingLoginContext,
): { result: KvixiConsumeResult; rest: KvixiPendingLogin[] } {
  const live = pending.filter((entry) => isLive(entry, context.ttlMs, context.now));
  const login = live.pop();
  if (login) return { result: { status: 'found', login }, rest: live };
  return { result: pending.length === 0 ? { status: 'none' } : { status: 'expired' }, rest: [] };
}

/**
 * The default store: pending logins in the request's session, under the strategy's key. Works with
 * every session library the strategy knows (see `sessionAccess`). Where the library can save on
 * demand, a new pending login is saved before the redirect to Kvixi; its consumption is saved with
 * the session at the end of the callback, the strategy's claim having made it final already.
 *
 * Each pending login is bound to the browser by a cookie of the store's own (`__Host-kvixi_browser`
 * over https, `kvixi_browser` over http), needed at the callback: a session cookie that a sibling
 * subdomain planted, with its own pending login inside, cannot sign the browser in.
 *
 * @example
 * ```ts
 * app.use(session({ secret, resave: false, saveUninitialized: false }));
 * passport.use(new KvixiStrategy({ appId, appSecret, store: new KvixiSessionStore() }, verify));
 * ```
 */
export class KvixiSessionStore implements KvixiPendingLoginStore {
  async add(req: KvixiRequest, login: KvixiPendingLogin, context: KvixiPendingLoginContext): Promise<void> {
    await addToSession(req, login, context);
  }

  async consume(req: KvixiRequest, context: KvixiPendingLoginContext): Promise<KvixiConsumeResult> {
    return consumeFromSession(req, context);
  }

  async clear(req: KvixiRequest, context: KvixiPendingLoginContext): Promise<KvixiPendingLogin[]> {
    return clearFromSession(req, context);
  }
}

/**
 * `KvixiSessionStore`'s methods without their own promises, for the strategy: only `add`'s save
 * waits on the session library, and the strategy gives that save its `appTimeout`; the rest is
 * done at once and needs no timer.
 */
export const sessionStoreAtOnce = {
  /** Records the login in the session and returns the session library's save. */
  add(req: KvixiRequest, login: KvixiPendingLogin, context: KvixiPendingLoginContext): Promise<void> {
    return addToSession(req, login, context);
  },
  consume: consumeFromSession,
  clear: clearFromSession,
};

function addToSession(req: KvixiRequest, login: KvixiPendingLogin, context: KvixiPendingLoginContext): Promise<void> {
  const session = requireSession(req);
  const binding = bindBrowser(req, context);
  const bound = binding === undefined ? login : { ...login, binding };
  session.set(context.key, withPendingLogin(pendingLoginsIn(session.get(context.key)), bound, context));
  // Saved before the redirect: a store that is down is an error now, not a failed callback later.
  return session.save();
}

function consumeFromSession(req: KvixiRequest, context: KvixiPendingLoginContext): KvixiConsumeResult {
  const session = requireSession(req);
  const stored = pendingLoginsIn(session.get(context.key));
  const browser = browserBinding(req, context);
  // Only this browser's logins: the session may be another browser's, planted by a sibling subdomain.
  const { result } = takeNewestLive(stored.filter((entry) => browser.matches(entry.binding)), context);
  if (result.status === 'none') return nothingFor(req, stored, browser.arrived, context);
  const taken = result.status === 'found' ? result.login : undefined;
  const rest = stored.filter((entry) => entry !== taken && isLive(entry, context.ttlMs, context.now));
  if (rest.length === 0) session.remove(context.key);
  else session.set(context.key, rest);
  return result;
}

function clearFromSession(req: KvixiRequest, context: KvixiPendingLoginContext): KvixiPendingLogin[] {
  const session = sessionAccess(req);
  if (!session) return [];
  const pending = pendingLoginsIn(session.get(context.key));
  session.remove(context.key);
  return pending;
}

/** What a session without a usable login of this browser tells about why. */
function nothingFor(
  req: KvixiRequest,
  stored: readonly KvixiPendingLogin[],
  bindingArrived: boolean,
  context: KvixiPendingLoginContext,
): KvixiConsumeResult {
  if (!bindingArrived && stored.length > 0 && stored.every((entry) => !isLive(entry, context.ttlMs, context.now))) {
    // The binding cookie ends soon after the login: a late callback is told the login expired.
    return { status: 'expired' };
  }
  // A SameSite=Strict session cookie stays behind when Kvixi sends the browser back, whatever else arrives.
  const noCookie = (!bindingArrived && stored.length === 0) || strictSessionCookie(req);
  return { status: 'none', reason: noCookie ? 'no-cookie' : 'not-started-here' };
}

/** express-session and @fastify/session show the session cookie's options as `session.cookie`. */
function strictSessionCookie(req: KvixiRequest): boolean {
  const sameSite = (req as { session?: { cookie?: { sameSite?: unknown } } }).session?.cookie?.sameSite;
  return sameSite === true || (typeof sameSite === 'string' && sameSite.toLowerCase() === 'strict');
}

function requireSession(req: KvixiRequest) {
  const session = sessionAccess(req);
  if (!session) throw new KvixiSessionRequiredError();
  return session;
}
