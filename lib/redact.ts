/** Names whose values must never appear in a message, a log line or a stack. */
const SECRET_FIELD = /\b(app_secret|auth_key|access_token|password)(["']?\s*[:=]\s*(?:[[{]\s*)*["']?)[^"'&\s,;}[\]]+/gi;
/** Reply keys whose values are secrets, whatever shape they come in. */
const SECRET_KEY = /secret|token|auth_key|password/i;

const REDACTED = '[redacted]';
/** Shorter values cannot be told from ordinary text: removing them would garble the provider's words. */
const MIN_SECRET_LENGTH = 8;
const EXCERPT_LENGTH = 200;
const MAX_JSON_DEPTH = 32;
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const REGEXP_SYNTAX = /[\\^$.*+?()[\]{}|/-]/g;

/** Beyond this many values, or this length, looking for each in every form costs more than the text is worth. */
const MAX_SECRETS = 64;
const MAX_SECRET_LENGTH = 1024;

/**
 * Removes every known secret value, then every `name=value` pair of a secret field. A value is
 * found in any letter case and however a URL, a form body or a JSON string writes each of its
 * characters (`%C3%A9`, `\u00e9`, `\/`, `+`), even mixed. Text with more or longer values than
 * can be looked for is withheld whole.
 */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  let count = 0;
  for (const secret of secrets) {
    if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) continue;
    if (++count > MAX_SECRETS || secret.length > MAX_SECRET_LENGTH) return REDACTED;
    out = out.split(secret).join(REDACTED);
    if (!/[\\%]/.test(secret)) {
      out = out.replace(anyWritingOf(secret, 'plain'), REDACTED);
    } else {
      // `\` and `%` begin escapes of their own: look with escapes first, then as they are first.
      out = out.replace(anyWritingOf(secret, 'escapes first'), REDACTED).replace(anyWritingOf(secret, 'raw first'), REDACTED);
    }
  }
  return out.replace(SECRET_FIELD, `$1$2${REDACTED}`);
}

/**
 * A pattern matching `secret` character by character: each in any case, each in any written form.
 * Without `\` or `%` in the secret, at most one form of a character fits at any place, so a plain
 * group never backtracks. With them, each character is an atomic group (a lookahead and its
 * backreference), so a failed match never searches every way to split the text.
 */
function anyWritingOf(secret: string, order: 'plain' | 'escapes first' | 'raw first'): RegExp {
  let source = '';
  let group = 0;
  for (const char of secret) {
    const forms = new Set<string>();
    for (const variant of caseVariants(char)) for (const form of writtenForms(variant)) forms.add(form);
    const ordered = order === 'raw first' ? [...forms].reverse() : [...forms];
    source += order === 'plain' ? `(?:${ordered.join('|')})` : `(?=(${ordered.join('|')}))\\${++group}`;
  }
  // No i flag: V8 then misses some case pairs (ſ and S). No u flag: the text may hold lone surrogates.
  return new RegExp(source, 'g');
}

/** The character and what upper- and lower-casing make of it, where that keeps it one character. */
function caseVariants(char: string): Set<string> {
  const upper = char.toUpperCase();
  const lower = char.toLowerCase();
  const variants = new Set([char, upper, lower, upper.toLowerCase(), lower.toUpperCase()]);
  for (const variant of variants) if (variant.length !== char.length) variants.delete(variant);
  if (variants.has('σ')) variants.add('ς'); // the lower-case sigma a word ends with
  return variants;
}

/**
 * Patterns for the ways text writes one character, escapes first (so that `\\` is taken as one
 * escaped backslash): `\uXXXX`, percent-encoded UTF-8, JSON's short escapes, `\/`, `+`, itself.
 */
function writtenForms(char: string): string[] {
  let units = '';
  for (let i = 0; i < char.length; i++) units += `\\\\u${hexPattern(char.charCodeAt(i), 4)}`;
  const forms = [units];
  const unit = char.charCodeAt(0);
  if (char.length === 2 || unit < 0xd800 || unit > 0xdfff) {
    // A lone surrogate has no UTF-8 form.
    forms.push([...Buffer.from(char, 'utf8')].map((byte) => `%${hexPattern(byte, 2)}`).join(''));
  }
  const json = JSON.stringify(char).slice(1, -1);
  if (json !== char && !json.startsWith('\\u')) forms.push(literal(json));
  if (char === '/') forms.push('\\\\/');
  if (char === ' ') forms.push('\\+');
  forms.push(literal(char));
  return forms;
}

function hexPattern(value: number, digits: number): string {
  let pattern = '';
  for (const digit of value.toString(16).padStart(digits, '0')) {
    pattern += digit >= 'a' ? `[${digit}${digit.toUpperCase()}]` : digit;
  }
  return pattern;
}

function literal(text: string): string {
  return text.replace(REGEXP_SYNTAX, '\\$&');
}

/** The start of a reply body, on one line, with every secret removed before it is cut. */
export function excerpt(body: string, secrets: readonly string[]): string {
  return redactedStart(body.replace(/\s+/g, ' ').trim(), secrets, EXCERPT_LENGTH);
}

/**
 * At most `max` characters of `text` (then `…`), redacted as `redact` does, looking at only as
 * much of a long text as can reach the cut: the longest written form of a secret past `max`.
 */
export function redactedStart(text: string, secrets: readonly string[], max: number): string {
  let longest = 0;
  for (const secret of secrets) if (typeof secret === 'string') longest = Math.max(longest, secret.length);
  // 12 characters write one character at most: `%F0%9F%98%80`, `\ud83d\ude00`.
  const reach = max + 12 * longest + 64;
  let window = reach;
  let out: string;
  // A redacted window shorter than `reach` lost secrets: look further, so that a secret cut off at
  // the window's end still lies past the cut.
  for (;;) {
    out = redact(text.slice(0, window), secrets);
    if (window >= text.length || out.length >= reach) break;
    window *= 2;
  }
  return out.length > max ? `${out.slice(0, max)}…` : out;
}

/**
 * Every string a parsed reply holds under a secret-like key (`access_token`, `app_secret`, …), at
 * any depth and in any shape (`{"access_token":["…"]}`): a hostile reply's own tokens, to redact.
 */
export function secretsIn(body: unknown): string[] {
  const found: string[] = [];
  collect(body, false, 0, found);
  return found;
}

function collect(value: unknown, secret: boolean, depth: number, found: string[]): void {
  if (typeof value === 'string') {
    if (secret) found.push(value);
    return;
  }
  if (value === null || typeof value !== 'object' || depth > MAX_JSON_DEPTH) return;
  if (Array.isArray(value)) {
    for (const item of value) collect(item, secret, depth + 1, found);
    return;
  }
  for (const key of Object.keys(value)) {
    collect((value as Record<string, unknown>)[key], secret || SECRET_KEY.test(key), depth + 1, found);
  }
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
