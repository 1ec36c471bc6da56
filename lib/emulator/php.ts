import { encode } from 'html-entities';

// The PHP semantics a real Sngine server applies to what it reads and writes.

/** PHP `json_encode` with default flags: `/` as `\/`, every non-ASCII UTF-16 unit as `\uXXXX`. */
export function jsonEncode(value: unknown): string {
  return JSON.stringify(value)
    .replace(/\//g, '\\/')
    .replace(/[\u0080-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/**
 * PHP `htmlentities($text, ENT_QUOTES)`: named HTML 4.01 entities where one exists, `&#039;` for
 * the apostrophe, and every other character left as it is.
 */
export function htmlEntities(text: string): string {
  return encode(text, { mode: 'nonAscii', level: 'html4', numeric: 'decimal' })
    // html-entities writes characters without a named entity as numbers; PHP leaves them raw.
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replace(/&apos;/g, '&#039;');
}

/** PHP `intval()` on a string: leading white space, an optional sign, then digits; 0 when none. */
export function intval(text: string): number {
  const match = /^[\s]*([+-]?\d+)/.exec(text);
  if (!match) return 0;
  const n = Number(match[1]);
  return Math.max(Math.min(n, Number.MAX_SAFE_INTEGER), -Number.MAX_SAFE_INTEGER);
}

/** Sngine's `is_empty()`: empty after trimming, with a no-break space counted as white space. */
export function isBlank(value: string | undefined): boolean {
  return value === undefined || value.replace(/\u00a0/g, ' ').trim() === '';
}
