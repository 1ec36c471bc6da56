import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cookieValue } from '../lib/cookies.js';

// cookieValue walks the Cookie header in place rather than splitting it: whatever the header,
// its answer is the one a split into pairs gives (the first pair of that name, trimmed).

/** The value as splitting the header into `name=value` pairs gives it. */
function bySplitting(header: string | string[] | undefined, name: string): string | undefined {
  const text = Array.isArray(header) ? header.join('; ') : header;
  if (!text) return undefined;
  for (const pair of text.split(';')) {
    const at = pair.indexOf('=');
    if (at !== -1 && pair.slice(0, at).trim() === name) return pair.slice(at + 1).trim();
  }
  return undefined;
}

const NAME = 'kvixi_browser';
/** Headers rich in what trips a walk: pairs without `=`, `=` in values, names that contain ours, spaces, empties. */
const piece = fc.constantFrom(NAME, `${NAME}x`, `x${NAME}`, ' ', '\t', '=', ';', '; ', '==', 'a', 'b=c', '"q"', '', '\u00a0', '\ufeff');
const headerText = fc.array(piece, { maxLength: 30 }).map((parts) => parts.join(''));
const header = fc.oneof(headerText, fc.array(headerText, { maxLength: 3 }), fc.constant(undefined));

describe('cookieValue', () => {
  it('gives what splitting the header into pairs gives, for any header', () => {
    fc.assert(
      fc.property(header, (value) => {
        expect(cookieValue(value, NAME)).toBe(bySplitting(value, NAME));
      }),
      { numRuns: 5_000 },
    );
  });

  it('finds the cookie after many pairs that have no `=`, and none when no pair has one', () => {
    const bare = 'x;'.repeat(20_000);
    expect(cookieValue(`${bare}${NAME}=v1`, NAME)).toBe('v1');
    expect(cookieValue(`${bare}a=1; ${NAME}=v2`, NAME)).toBe('v2');
    expect(cookieValue(`${bare}${NAME}`, NAME)).toBeUndefined();
    // A pair without `=` before one with it: the `=` belongs to the later pair.
    expect(cookieValue(`${NAME}; a=${NAME}=v3`, NAME)).toBeUndefined();
    expect(cookieValue(`${NAME}; ${NAME}=v4`, NAME)).toBe('v4');
  });
});
