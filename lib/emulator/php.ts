import { characterEntitiesHtml4 } from 'character-entities-html4';

// The PHP semantics a real Sngine server applies to what it reads and writes.

/** PHP `json_encode` with default flags: `/` as `\/`, every non-ASCII UTF-16 unit as `\uXXXX`. */
export function jsonEncode(value: unknown): string {
  const json = JSON.stringify(value).replaceAll('/', '\\/');
  return nonAscii.test(json) ? json.replace(nonAsciiUnits, escapeUnit) : json;
}

const nonAscii = /[\u0080-\uffff]/;
const nonAsciiUnits = /[\u0080-\uffff]/g;
const escapeUnit = (c: string): string => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0');

/**
 * PHP `htmlentities($text, ENT_QUOTES)`: named HTML 4.01 entities where one exists, `&#039;` for
 * the apostrophe, and every other character left as it is.
 */
export function htmlEntities(text: string): string {
  let encoded = entityCache.get(text);
  if (encoded === undefined) {
    // Bounded so that a long run with ever-new names cannot grow it without end.
    if (entityCache.size >= 10_000) entityCache.clear();
    encoded = encodeEntities(text);
    entityCache.set(text, encoded);
  }
  return encoded;
}

// The same few names are encoded on every get_user_info call.
const entityCache = new Map<string, string>();

/** The HTML 4.01 table PHP's htmlentities uses, character to reference; ENT_QUOTES adds `'`. */
const namedReferences = new Map<string, string>([
  ...Object.entries(characterEntitiesHtml4).map(([name, character]): [string, string] => [character, `&${name};`]),
  ["'", '&#039;'],
]);
// Every character in the table is one of these; anything else passes through as PHP leaves it.
const encodable = /[&<>"'\u00a0-\uffff]/g;

function encodeEntities(text: string): string {
  return text.replace(encodable, (character) => namedReferences.get(character) ?? character);
}

/** PHP `intval()` on a string: leading white space, an optional sign, then digits; 0 when none. */
export function intval(text: string): number {
  const match = /^[\s]*([+-]?\d+)/.exec(text);
  if (!match) return 0;
  const n = Number(match[1]);
  return Math.max(Math.min(n, Number.MAX_SAFE_INTEGER), -Number.MAX_SAFE_INTEGER);
}

/** PHP trim()'s white space (space, \t, \n, \r, \0, \x0B; not String.prototype.trim's), plus the no-break space Sngine adds. */
const phpBlank = new Set([' ', '\t', '\n', '\r', '\0', '\x0B', '\u00a0']);

/** Sngine's `is_empty()`: empty after trimming, with a no-break space counted as white space. */
export function isBlank(value: string | undefined): boolean {
  if (value === undefined) return true;
  // One pass: blank after trimming both ends means every character is white space. (A regex
  // trimming `[…]+$` retried at every position took seconds on a 64 KB run of spaces.)
  for (let i = 0; i < value.length; i++) if (!phpBlank.has(value[i]!)) return false;
  return true;
}
