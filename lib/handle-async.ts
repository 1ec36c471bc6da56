import { asError, isPromiseLike } from './app-values.js';

/** Express's `next`, or any function that takes an error. */
type ErrorReceiver = (err: Error) => unknown;
/** Passport's `done` as the wrapped `serializeUser`/`deserializeUser` sees it. */
type PassportDone = (err: unknown, value?: unknown) => void;
/** Any `done`: what the wrapper accepts, so Passport's own typing of it does not matter. */
type AnyDone = (err: unknown, value?: never) => void;
/**
 * Wraps an async custom callback so that its rejection goes to `next`, or an async
 * `serializeUser`/`deserializeUser` so that its rejection goes to Passport's `done` (its last
 * argument): Passport drops the promises these return, so a rejection would otherwise crash the
 * process.
 *
 * @example
 * ```ts
 * app.get('/auth/kvixi/callback', (req, res, next) => {
 *   passport.authenticate('kvixi', handleAsync(next, async (err: unknown, user: Express.User | false) => {
 *     if (err) return next(err);
 *     if (!user) return res.redirect('/login');
 *     await audit.record(user); // a rejection here reaches your error handler
 *     req.logIn(user, (loginErr) => (loginErr ? next(loginErr) : res.redirect('/')));
 *   }))(req, res, next);
 * });
 * passport.serializeUser(handleAsync(async (user: Express.User, done: (err: unknown, id?: string) => void) => {
 *   done(null, await sessions.idFor(user));
 * }));
 * ```
 */
export function handleAsync<A extends unknown[]>(next: ErrorReceiver, callback: (...args: A) => unknown): (...args: A) => void;
export function handleAsync<T>(callback: (value: T, done: PassportDone) => unknown): (value: T, done: AnyDone) => void;
export function handleAsync<R, T>(callback: (req: R, value: T, done: PassportDone) => unknown): (req: R, value: T, done: AnyDone) => void;
export function handleAsync(...given: unknown[]): (...args: unknown[]) => void {
  const [next, callback] = given.length >= 2 ? given : [undefined, given[0]];
  if (typeof callback !== 'function' || (next !== undefined && typeof next !== 'function')) {
    throw new TypeError('handleAsync takes (next, callback) or (callback), each a function');
  }
  const wrapped = (...args: unknown[]) => {
    const forward = next ?? args[args.length - 1];
    if (typeof forward !== 'function') {
      throw new TypeError(
        "handleAsync(callback) hands a rejection to the callback's last argument (Passport's done), but that is no function: use handleAsync(next, callback)",
      );
    }
    const result: unknown = (callback as (...a: unknown[]) => unknown)(...args);
    if (isPromiseLike(result)) {
      // A value that is no Error (`next(0)`, `next('route')`) would not reach Express's error handling.
      Promise.resolve(result).then(undefined, (err: unknown) => (forward as ErrorReceiver)(asError(err)));
    }
  };
  // Passport passes the request to a serializeUser of three parameters, as it counts them.
  return Object.defineProperty(wrapped, 'length', { value: callback.length });
}
