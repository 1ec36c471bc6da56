/** Names whose values must never appear in a message, a log line or a stack. */
const SECRET_FIELD = /\b(app_secret|auth_key|access_token|password)(["']?\s*[:=]\s*["']?)[^"'&\s,;}]+/gi;

const REDACTED = '[redacted]';
/** Shorter values cannot be told from ordinary text: removing them would garble the provider's words. */
const MIN_SECRET_LENGTH = 8;
const EXCERPT_LENGTH = 200;

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

/**
 * A copy of `err` and its causes keeping only name, message, stack and code, with secrets
 * redacted. A custom `fetch` may well put the request URL or body in its error.
 */
export function redactError(err: unknown, secrets: readonly string[], depth = 0): unknown {
  if (!(err instanceof Error) || depth > 4) return err;
  // Always a fresh error: a foreign one may carry the request URL or body in any property.
  const cause = redactError(err.cause, secrets, depth + 1);
  const copy = new Error(redact(err.message, secrets), cause === undefined ? undefined : { cause });
  copy.name = err.name;
  copy.stack = err.stack === undefined ? undefined : redact(err.stack, secrets);
  for (const key of ['code', 'errno', 'syscall'] as const) {
    const value = (err as unknown as Record<string, unknown>)[key];
    if (typeof value === 'string' || typeof value === 'number') Object.assign(copy, { [key]: value });
  }
  return copy;
}
