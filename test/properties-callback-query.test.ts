import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KvixiStrategy, type KvixiLoginFailure } from '../lib/index.js';

// The callback reads its auth_key itself (a plain query by splitting it, any other with
// URLSearchParams): whatever the query, the key sent to Kvixi is the one URLSearchParams reads,
// and a query without exactly one usable key never reaches Kvixi.

/** Query text rich in what a parser looks at: separators, escapes, `+`, the name in other spellings. */
const query = fc
  .array(
    fc.oneof(
      fc.constantFrom('auth_key', 'auth_key=', 'auth%5Fkey=', 'Auth_Key=', 'from=kvixi', '&', '?', '=', '+', '%', '%2', '%41', '%zz', '%E2%82%AC', ' '),
      fc.string({ unit: 'grapheme-ascii', maxLength: 8 }),
      fc.string({ unit: 'binary', maxLength: 4 }),
    ),
    { maxLength: 10 },
  )
  .map((parts) => parts.join(''));

type Outcome = { action: 'success' } | { action: 'fail'; code: string } | { action: 'error'; err: unknown };

async function callback(rawQuery: string): Promise<{ outcome: Outcome; sentKeys: string[] }> {
  const sentKeys: string[] = [];
  const strategy = new KvixiStrategy(
    {
      appId: '1732698123456',
      appSecret: '0f3c9a1b2c3d4e5f60718293a4b5c6d7',
      callbackURL: '/auth/kvixi/callback',
      fetch: async (url, init) => {
        if (String(url).endsWith('/api/authorize')) {
          sentKeys.push(...new URLSearchParams(String(init?.body)).getAll('auth_key'));
          return new Response(JSON.stringify({ access_token: 'token' }), { status: 200 });
        }
        return new Response(JSON.stringify({ user_info: { user_id: '5', user_name: 'jane' } }), { status: 200 });
      },
    },
    (_tokens, profile, done) => done(null, { id: profile.id }),
  );
  const session = {};
  const drive = (url: string) =>
    new Promise<Outcome | { action: 'redirect' }>((resolve) => {
      const attempt = Object.create(strategy) as KvixiStrategy & Record<string, unknown>;
      attempt.redirect = () => resolve({ action: 'redirect' });
      attempt.success = () => resolve({ action: 'success' });
      attempt.fail = (failure: KvixiLoginFailure) => resolve({ action: 'fail', code: failure.code });
      attempt.error = (err: unknown) => resolve({ action: 'error', err });
      attempt.authenticate({ method: 'GET', url, originalUrl: url, headers: {}, session } as never, {});
    });
  expect(await drive('/auth/kvixi')).toEqual({ action: 'redirect' });
  const outcome = (await drive(`/auth/kvixi/callback?${rawQuery}`)) as Outcome;
  return { outcome, sentKeys };
}

describe('the callback query', () => {
  it('sends Kvixi exactly the auth_key URLSearchParams reads, or fails without calling Kvixi', async () => {
    await fc.assert(
      fc.asyncProperty(query, async (rawQuery) => {
        const keys = new URLSearchParams(rawQuery.replaceAll('?', '&')).getAll('auth_key');
        const { outcome, sentKeys } = await callback(rawQuery);
        const usable = keys.length === 1 && keys[0]!.trim() !== '' && keys[0]!.length <= 256;
        if (usable) {
          expect(outcome).toEqual({ action: 'success' });
          expect(sentKeys).toEqual(keys);
        } else {
          expect(outcome).toEqual({
            action: 'fail',
            code: keys.length === 0 ? 'ERR_KVIXI_MISSING_AUTH_KEY' : 'ERR_KVIXI_MALFORMED_AUTH_KEY',
          });
          expect(sentKeys).toEqual([]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('reads a plain key and the key in a Sngine-style second ? the same way', async () => {
    expect((await callback('auth_key=abc')).sentKeys).toEqual(['abc']);
    expect((await callback('from=kvixi?auth_key=abc')).sentKeys).toEqual(['abc']);
    expect((await callback('auth_key=a+b%21')).sentKeys).toEqual(['a b!']);
  });
});
