/** Names whose values must never appear in a message, a log line or a stack. */
const SECRET_FIELD = /\b(app_secret|auth_key|access_token|password)(["']?\s*[:=]\s*["']?)[^"'&\s,;}]+/gi;

const REDACTED = '[redacted]';
/** Shorter values cannot be told from ordinary text: removing them would garble the provider's words. */
const MIN_SECRET_LENGTH = 8;
const EXCERPT_LENGTH = 200;
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** Removes every known secret value, raw or URL-encoded, and every `name=value` pair of a secret field. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret || secret.length < MIN_SECRET_LENGTH) continue;
    out = out.split(secret).join(REDACTED);
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) out = out.split(encoded).join(REDACTED);
  }
  return out.replace(SECRET_FIELD, `$1$2${REDACTED}`);
}

/** The start of a reply body, on one line, with every secret removed before it is cut. */
export function excerpt(body: string, secrets: readonly string[]): string {
  const line = redact(body, secrets).replace(/\s+/g, ' ').trim();
  return line.length > EXCERPT_LENGTH ? `${line.slice(0, EXCERPT_LENGTH)}…` : line;
}

/** Causes kept below the error itself; a deeper chain is cut. */
const MAX_CAUSE_DEPTH = 4;

/**
 * A fresh copy of `err` and its causes keeping only name, message, stack and code, with secrets
 * redacted. A custom `fetch` may well put the request URL or body in its error, or reject with a
 * value that is no error at all: such a value becomes an error that only describes it.
 */
export function redactError(err: unknown, secrets: readonly string[]): Error {
  return copyRedacted(err, secrets, 0);
}

function copyRedacted(err: unknown, secrets: readonly string[], depth: number): Error {
  if (!(err instanceof Error)) return new Error(describeValue(err, secrets));
  let original: unknown;
  try {
    original = err.cause;
  } catch {
    original = undefined; // a getter that throws: there is no cause to keep
  }
  const hasCause = original !== undefined && depth < MAX_CAUSE_DEPTH;
  const cause = hasCause ? copyRedacted(original, secrets, depth + 1) : undefined;
  const copy = new Error(redact(safeString(() => err.message), secrets), cause === undefined ? undefined : { cause });
  copy.name = redact(safeString(() => err.name), secrets);
  const stack = safeString(() => err.stack ?? '');
  copy.stack = stack === '' ? `${copy.name}: ${copy.message}` : redact(stack, secrets);
  for (const key of ['code', 'errno', 'syscall'] as const) {
    let value: unknown;
    try {
      value = (err as unknown as Record<string, unknown>)[key];
    } catch {
      continue;
    }
    if (typeof value === 'string') Object.assign(copy, { [key]: redact(value, secrets) });
    else if (typeof value === 'number') Object.assign(copy, { [key]: value });
  }
  return copy;
}

/** Says what a non-Error value was without keeping it: a string's redacted start, else its type. */
function describeValue(value: unknown, secrets: readonly string[]): string {
  if (typeof value === 'string') return `a string: ${excerpt(value, secrets)}`;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) {
    return `the value ${String(value)}`;
  }
  return `a value that is not an Error (${Array.isArray(value) ? 'array' : typeof value})`;
}

function safeString(read: () => unknown): string {
  try {
    const value = read();
    return typeof value === 'string' ? value : String(value);
  } catch {
    return '';
  }
}

/**
 * Text from the provider or the request, safe for one log line: control characters (CR, LF, ESC…)
 * escaped, length capped.
 */
export function printable(text: string, max = EXCERPT_LENGTH): string {
  const escaped = text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return escaped.length > max ? `${escaped.slice(0, max)}…` : escaped;
}
