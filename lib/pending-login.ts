import { randomUUID } from 'node:crypto';
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

export type KvixiConsumeResult =
  | { status: 'found'; login: KvixiPendingLogin }
  | { status: 'none' }
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
      Number.isFinite((entry as KvixiPendingLogin).createdAt),
  );
}

/** The list with `login` added, expired markers dropped, and at most MAX_PENDING kept (newest last). */
export function withPendingLogin(
  pending: readonly KvixiPendingLogin[],
  login: KvixiPendingLogin,
  context: KvixiPendingLoginContext,
): KvixiPendingLogin[] {
  return [...pending.filter((entry) => isLive(entry, context.ttlMs, context.now)), login].slice(-MAX_PENDING);
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
 * @example
 * ```ts
 * app.use(session({ secret, resave: false, saveUninitialized: false }));
 * passport.use(new KvixiStrategy({ appId, appSecret, store: new KvixiSessionStore() }, verify));
 * ```
 */
export class KvixiSessionStore implements KvixiPendingLoginStore {
  async add(req: KvixiRequest, login: KvixiPendingLogin, context: KvixiPendingLoginContext): Promise<void> {
    const session = requireSession(req);
    session.set(context.key, withPendingLogin(pendingLoginsIn(session.get(context.key)), login, context));
    // Saved before the redirect: a store that is down is an error now, not a failed callback later.
    await session.save();
  }

  async consume(req: KvixiRequest, context: KvixiPendingLoginContext): Promise<KvixiConsumeResult> {
    const session = requireSession(req);
    const { result, rest } = takeNewestLive(pendingLoginsIn(session.get(context.key)), context);
    if (result.status === 'none') return result;
    if (rest.length === 0) session.remove(context.key);
    else session.set(context.key, rest);
    return result;
  }

  async clear(req: KvixiRequest, context: KvixiPendingLoginContext): Promise<KvixiPendingLogin[]> {
    const session = sessionAccess(req);
    if (!session) return [];
    const pending = pendingLoginsIn(session.get(context.key));
    session.remove(context.key);
    return pending;
  }
}

function requireSession(req: KvixiRequest) {
  const session = sessionAccess(req);
  if (!session) throw new KvixiSessionRequiredError();
  return session;
}
