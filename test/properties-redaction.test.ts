import { inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KvixiClient, KvixiError } from '../lib/index.js';
import { excerpt, redact } from '../lib/redact.js';

// Redaction is by value: a secret the request carried, or a token the reply itself carried, does
// not survive in any letter case, in any JSON shape, however the text writes its characters.

/** Characters of real secrets (hex) and the ones that make case and escaping hard. */
const secretChar = fc.constantFrom(
  ...'0123456789abcdefABCDEFxyzXYZ',
  'é', 'É', 'ß', 'Σ', 'σ', 'ς', 'ı', 'İ', 'ſ', 'µ', '\u212a', 'ǅ', '𐐀', '𐐨', '\ud800', '\udc00',
  '/', '&', '=', '%', '+', ' ', '"', '\\', '?', '#', '\n', '\u0000',
);
/** Secrets as long as the real ones and longer. `[redacted]` itself is left out: it is what replaces one. */
const secret = fc
  .array(secretChar, { minLength: 8, maxLength: 40 })
  .map((chars) => chars.join(''))
  .filter((value) => value.toLowerCase() !== 'redacted');

/** The same secret with each character's case changed or not: what a server that re-cases text sends. */
function caseChanged(value: string): fc.Arbitrary<string> {
  const chars = [...value];
  return fc.array(fc.constantFrom('keep', 'upper', 'lower'), { minLength: chars.length, maxLength: chars.length }).map((how) =>
    chars
      .map((char, i) => {
        const changed = how[i] === 'upper' ? char.toUpperCase() : how[i] === 'lower' ? char.toLowerCase() : char;
        return changed.length === char.length ? changed : char;
      })
      .join(''),
  );
}

/** A JSON value with `value` somewhere inside: a string, in arrays, under any key, nested. */
function hidingIn(value: string): fc.Arbitrary<unknown> {
  const { shape } = fc.letrec<{ shape: unknown }>((tie) => ({
    shape: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constant(value),
      fc.constant(`Bad Request, invalid auth_key ${value}`),
      fc.tuple(tie('shape'), fc.array(fc.string({ maxLength: 4 }), { maxLength: 2 })).map(([inner, rest]) => [...rest, inner]),
      fc.tuple(fc.constantFrom('access_token', 'auth_key', 'message', 'debug', 'x', '__proto__'), tie('shape')).map(([key, inner]) =>
        JSON.parse(`{${JSON.stringify(key)}:${JSON.stringify(inner)}}`),
      ),
    ),
  }));
  return shape;
}

/** How a reply writes JSON: as JSON.stringify does, or as PHP's json_encode (`\/`, `\uXXXX`). */
const written = fc.constantFrom(
  (json: unknown) => JSON.stringify(json),
  (json: unknown) =>
    JSON.stringify(json).replace(/[/\u0080-\uffff]/g, (c) => (c === '/' ? '\\/' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)),
  (json: unknown) => `<pre>${encodeURIComponent(JSON.stringify(json)).replaceAll('%20', '+')}</pre>`,
);

/** A text that is free of the secret and its variants, unless it is an encoding the secret cannot have. */
function survives(out: string, variant: string): boolean {
  return out.includes(variant) || out.toLowerCase().includes(variant.toLowerCase());
}

describe('redaction by value', () => {
  it('leaves no case-changed secret in a hostile JSON reply, raw, JSON-, PHP- or URL-written', () => {
    fc.assert(
      fc.property(
        secret.chain((value) => fc.tuple(fc.constant(value), caseChanged(value))).chain(([value, variant]) =>
          fc.tuple(fc.constant(value), fc.constant(variant), hidingIn(variant), written),
        ),
        ([value, variant, shape, write]) => {
          let text: string;
          try {
            text = write(shape);
          } catch {
            return true; // a lone surrogate has no URL form: such a reply cannot be written
          }
          for (const out of [redact(text, [value]), excerpt(text, [value])]) {
            expect(survives(out, variant)).toBe(false);
            expect(survives(out, value)).toBe(false);
          }
          return true;
        },
      ),
    );
  });
});

describe('errors from a hostile provider', () => {
  const APP_ID = '1732698123456';
  /** Every view of an error a user could log, send or print. */
  function everyView(err: unknown): string {
    const parts = [inspect(err, { depth: Infinity, showHidden: true }), JSON.stringify(err), String(err)];
    for (let current = err; current instanceof Error; current = current.cause) {
      parts.push(current.message, current.stack ?? '', JSON.stringify(current));
      const { excerpt: cut, providerMessage } = current as { excerpt?: string; providerMessage?: string };
      parts.push(cut ?? '', providerMessage ?? '');
    }
    return parts.join('\n');
  }

  const reply = (shape: unknown, variantOfToken: string) =>
    fc.constantFrom(
      { status: 200, body: { access_token: shape } }, // exchange: a token that is no string
      { status: 200, body: { error: true, message: `Bad Request, invalid auth_key ${JSON.stringify(shape)}` } },
      { status: 200, body: { error: true, detail: shape } }, // an error without a message
      { status: 200, body: { error: 'true', message: 'no', access_token: shape } },
      { status: 500, body: { trace: shape, access_token: [variantOfToken] } },
      { status: 200, body: { user_info: 5, access_token: { a: [shape] } } },
    );

  it('shows none of the request\'s secrets nor the reply\'s own tokens, in any case, in any view of the error', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.tuple(secret, secret, secret, fc.constantFrom('exchange' as const, 'user info' as const)).chain(([appSecret, authKey, token, call]) =>
          // The exchange sends app_secret and auth_key; user info sends the access token.
          fc
            .tuple(fc.constantFrom(appSecret, call === 'exchange' ? authKey : token).chain(caseChanged), caseChanged(token))
            .chain(([variant, tokenVariant]) =>
              fc.tuple(
                fc.constant({ appSecret, authKey, token, variant, tokenVariant }),
                hidingIn(variant).chain((shape) => reply(shape, tokenVariant)),
                fc.constant(call),
              ),
            ),
        ),
        async ([{ appSecret, authKey, token, variant, tokenVariant }, { status, body }, call]) => {
          fc.pre(appSecret.trim().length >= 8 && authKey.trim() !== '');
          const hostile = (async () => new Response(JSON.stringify(body), { status })) as typeof fetch;
          const client = new KvixiClient({ appId: APP_ID, appSecret, baseURL: 'https://kvixi.test', fetch: hostile });
          const work = call === 'exchange' ? client.exchangeAuthKey(authKey) : client.getUserInfo(token);
          const err = await work.then(
            () => undefined,
            (rejected: unknown) => rejected,
          );
          if (err === undefined) return true; // a reply that happens to be a valid one
          expect(err).toBeInstanceOf(KvixiError);
          const views = everyView(err);
          const sent = call === 'exchange' ? [appSecret.trim(), authKey] : [appSecret.trim(), token];
          for (const value of [...sent, variant, tokenVariant]) expect(survives(views, value)).toBe(false);
          return true;
        },
      ),
      { numRuns: 200 },
    );
  });
});
