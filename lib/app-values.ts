/** What the app's code hands back, read the same way everywhere: a promise or not, an Error or not. */

export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as PromiseLike<unknown>).then === 'function';
}

/** An Error as it is; any other thrown or rejected value as the `cause` of one, described without trusting it. */
export function asError(err: unknown): Error {
  if (err instanceof Error) return err;
  let text: string;
  try {
    text = String(err);
  } catch {
    text = 'a value that is not an Error';
  }
  return new Error(text, { cause: err });
}
