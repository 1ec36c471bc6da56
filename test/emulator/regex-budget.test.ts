import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isLiteralHost, isLoopbackHost } from '../../lib/emulator/access.js';
import { htmlEntities, intval, isBlank, jsonEncode } from '../../lib/emulator/php.js';

// Every function whose regex sees request data answers in linear time: a long adversarial string
// (runs of each class the regex looks for, alternated) never blocks the event loop.

/** Per call, for strings of up to a few hundred thousand characters; a quadratic regex takes seconds. */
const budgetMs = 500;

/** Characters from the classes these regexes match on, and ones they stop at. */
const classes = [' ', '\t', '\n', '\r', '\0', '\x0B', '\u00a0', 'a', '1', '+', '-', ':', '.', '/', '[', ']', '&', '€', '\ud800', '\u2028'];
/** Up to five long runs of those characters, one after another. */
const adversarial = fc
  .array(fc.tuple(fc.constantFrom(...classes), fc.integer({ min: 1, max: 40_000 })), { minLength: 1, maxLength: 5 })
  .map((runs) => runs.map(([c, n]) => c.repeat(n)).join(''));

const functions: [string, (input: string) => unknown][] = [
  ['isBlank', isBlank],
  ['intval', intval],
  ['jsonEncode', jsonEncode],
  ['htmlEntities', htmlEntities],
  ['isLiteralHost', isLiteralHost],
  ['isLoopbackHost', isLoopbackHost],
];

function elapsed(fn: () => unknown): number {
  const started = performance.now();
  fn();
  return performance.now() - started;
}

describe('request data never makes a regex take more than linear time', () => {
  for (const [name, fn] of functions) {
    it(`${name} answers 100,000 spaces between two letters within ${budgetMs} ms`, () => {
      const input = `a${' '.repeat(100_000)}a`;
      expect(elapsed(() => fn(input))).toBeLessThan(budgetMs);
    });

    it(`${name} answers long runs of the characters it looks for within ${budgetMs} ms`, () => {
      fc.assert(fc.property(adversarial, (input) => elapsed(() => fn(input)) < budgetMs), { numRuns: 30 });
    });
  }

  it('isBlank still reads PHP trim() white space and the no-break space as blank, and nothing else', () => {
    expect(isBlank(undefined)).toBe(true);
    expect(isBlank(' \t\n\r\0\x0B\u00a0')).toBe(true);
    expect(isBlank(` ${' '.repeat(100_000)}x `)).toBe(false);
    expect(isBlank('\u2028')).toBe(false);
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 50 }), (input) => {
      const reference = input.replace(/\u00a0/g, ' ').replace(/^[ \t\n\r\0\x0B]+|[ \t\n\r\0\x0B]+$/g, '') === '';
      return isBlank(input) === reference;
    }));
  });
});
