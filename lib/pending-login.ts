import { randomUUID } from 'node:crypto';

/**
 * Kvixi echoes no `state`, so the only proof that a callback belongs to this browser is a marker
 * the start request left in its session. Each marker is single-use and short-lived.
 */
export interface PendingLogin {
  nonce: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
  /** The app's own `state` from `passport.authenticate('kvixi', { state })`. */
  state?: unknown;
}

/** The part of a session this module touches: express-session, cookie-session and the like. */
export interface LoginSession {
  [key: string]: unknown;
  regenerate?: (callback: (err?: unknown) => void) => unknown;
}

/** Enough for a few tabs started one after another; the oldest marker is dropped first. */
const MAX_PENDING = 5;

export type ConsumeResult =
  | { status: 'found'; login: PendingLogin }
  | { status: 'none' }
  | { status: 'expired' };

/** Instances behind a load balancer disagree a little about the time. */
const CLOCK_SKEW_MS = 60_000;

function isLive(entry: PendingLogin, ttlMs: number, now: number): boolean {
  const age = now - entry.createdAt;
  return age < ttlMs && age > -CLOCK_SKEW_MS;
}

function readPending(session: LoginSession, key: string): PendingLogin[] {
  const stored = session[key];
  if (!Array.isArray(stored)) return [];
  return stored.filter(
    (entry): entry is PendingLogin =>
      entry !== null &&
      typeof entry === 'object' &&
      typeof (entry as PendingLogin).nonce === 'string' &&
      typeof (entry as PendingLogin).createdAt === 'number',
  );
}

function writePending(session: LoginSession, key: string, pending: PendingLogin[]): void {
  if (pending.length === 0) delete session[key];
  else session[key] = pending;
}

/** Records a new pending login, dropping expired markers and the oldest beyond MAX_PENDING. */
export function addPendingLogin(session: LoginSession, key: string, ttlMs: number, state: unknown, now: number): void {
  const pending = readPending(session, key).filter((entry) => isLive(entry, ttlMs, now));
  const login: PendingLogin = { nonce: randomUUID(), createdAt: now };
  if (state !== undefined) login.state = state;
  pending.push(login);
  writePending(session, key, pending.slice(-MAX_PENDING));
}

/**
 * Removes and returns the newest live pending login. Expired markers are removed too, so a stale
 * one can never be revived.
 */
export function consumePendingLogin(session: LoginSession, key: string, ttlMs: number, now: number): ConsumeResult {
  const pending = readPending(session, key);
  if (pending.length === 0) return { status: 'none' };
  const live = pending.filter((entry) => isLive(entry, ttlMs, now));
  const login = live.pop();
  writePending(session, key, live);
  return login ? { status: 'found', login } : { status: 'expired' };
}

/**
 * Passport 0.7 regenerates the session at login, which would drop the pending logins of other
 * tabs. Hands them to the new session, for this request only.
 */
export function keepPendingAcrossRegenerate(req: object, session: LoginSession, key: string): void {
  const remaining = session[key];
  const regenerate = session.regenerate;
  if (remaining === undefined || typeof regenerate !== 'function') return;
  session.regenerate = function regenerateKeepingPendingLogins(this: LoginSession, callback) {
    return regenerate.call(this, (err) => {
      const fresh = (req as { session?: LoginSession }).session;
      if (!err && fresh && typeof fresh === 'object' && fresh[key] === undefined) fresh[key] = remaining;
      callback(err);
    });
  };
}
