import { isPromiseLike } from './app-values.js';

/**
 * One way to read, write and persist a session, whichever library made it: plain-object sessions
 * (express-session, cookie-session, koa-session) and get/set sessions (@fastify/secure-session,
 * @fastify/session). The strategy never touches a session object's methods otherwise, and never
 * replaces them.
 */
export interface SessionAccess {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
  remove(key: string): void;
  /** Persists now where the library can (express-session, @fastify/session, koa-session); else a no-op. */
  save(): Promise<void>;
}

interface GetSetSession {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
}

type PlainSession = Record<string, unknown> & { save?: unknown };

/** The request's session, or undefined when the app has no session middleware. */
export function sessionAccess(req: object): SessionAccess | undefined {
  const session = (req as { session?: unknown }).session;
  if (session === null || typeof session !== 'object') return undefined;
  return isGetSet(session) ? new GetSetAccess(session) : new PlainAccess(session as PlainSession);
}

/** express-session, cookie-session, koa-session: the session is the object its values are kept in. */
class PlainAccess implements SessionAccess {
  constructor(private readonly session: PlainSession) {}

  get(key: string): unknown {
    return this.session[key];
  }

  set(key: string, value: unknown): void {
    this.session[key] = value;
  }

  remove(key: string): void {
    delete this.session[key];
  }

  save(): Promise<void> {
    return saveSession(this.session);
  }
}

/** @fastify/secure-session and @fastify/session: values behind `get` and `set`. */
class GetSetAccess implements SessionAccess {
  constructor(private readonly session: GetSetSession) {}

  get(key: string): unknown {
    return this.session.get(key);
  }

  set(key: string, value: unknown): void {
    this.session.set(key, value);
  }

  // @fastify/secure-session's delete() drops the whole session: unset the one key instead.
  remove(key: string): void {
    this.session.set(key, undefined);
  }

  save(): Promise<void> {
    return saveSession(this.session as unknown as PlainSession);
  }
}

function isGetSet(session: object): session is GetSetSession {
  const { get, set } = session as Partial<Record<'get' | 'set', unknown>>;
  return typeof get === 'function' && typeof set === 'function';
}

/**
 * `save(callback)` is the one signature express-session, @fastify/session and koa-session share;
 * some of them also return a promise, so the first of the two to settle decides.
 */
function saveSession(session: PlainSession): Promise<void> {
  const save = session.save;
  if (typeof save !== 'function') return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const settle = (err?: unknown) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve());
    const result: unknown = (save as (callback: (err?: unknown) => void) => unknown).call(session, settle);
    if (result !== session && isPromiseLike(result)) result.then(() => settle(), (err: unknown) => settle(err ?? new Error('session save failed')));
  });
}
