/** Names whose values must never appear in a message, a log line or a stack. */
const SECRET_FIELD = /\b(app_secret|auth_key|access_token|password)(["']?\s*[:=]\s*["']?)[^"'&\s,;}]+/gi;

const REDACTED = '[redacted]';
const EXCERPT_LENGTH = 200;

/** Removes every known secret value, raw or URL-encoded, and every `name=value` pair of a secret field. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret) continue;
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

/**
 * Returns `err` itself when no secret shows in its text or its causes; otherwise a copy with the
 * same name and code whose message and stack are redacted. A custom `fetch` may well put the
 * request URL, query string included, in its error message.
 */
export function redactError(err: unknown, secrets: readonly string[], depth = 0): unknown {
  if (!(err instanceof Error) || depth > 4) return err;
  const cause = redactError(err.cause, secrets, depth + 1);
  const leaks = (text: string | undefined) => text !== undefined && redact(text, secrets) !== text;
  if (!leaks(err.message) && !leaks(err.stack) && cause === err.cause) return err;
  const copy = new Error(redact(err.message, secrets), cause === undefined ? undefined : { cause });
  copy.name = err.name;
  copy.stack = err.stack === undefined ? undefined : redact(err.stack, secrets);
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') Object.assign(copy, { code });
  return copy;
}
