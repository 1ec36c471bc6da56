import { describe, expect, it } from 'vitest';
import { KvixiCookieStore } from '../lib/index.js';

// The cookie lives as long as the newest pending login it holds: a login started now next to an
// older, still-live one keeps the whole TTL.
function fakeRequest(cookie?: string) {
  const headers: Record<string, string | string[] | number | undefined> = {};
  return {
    headers: cookie ? { cookie } : {},
    res: {
      headersSent: false,
      getHeader: (n: string) => headers[n.toLowerCase()] as string[] | undefined,
      setHeader: (n: string, v: string | string[]) => { headers[n.toLowerCase()] = v; },
    },
    setCookies: () => headers['set-cookie'] as string[],
  };
}

describe('KvixiCookieStore Max-Age', () => {
  it('keeps a login started now for the whole TTL', async () => {
    const store = new KvixiCookieStore({ secret: 'x'.repeat(32) });
    const ttlMs = 600_000;
    const key = 'passport-kvixi:kvixi';
    // Tab A starts a login at t=0 and is abandoned.
    const a = fakeRequest();
    await store.add(a, { nonce: 'a', createdAt: 0 }, { key, ttlMs, now: 0 });
    const cookieA = a.setCookies()[0]!.split(';')[0]!;
    // Tab B starts a new login 590 s later, with the browser still holding A's cookie.
    const b = fakeRequest(cookieA);
    await store.add(b, { nonce: 'b', createdAt: 590_000 }, { key, ttlMs, now: 590_000 });
    const line = b.setCookies()[0]!;
    const maxAge = Number(/Max-Age=(\d+)/.exec(line)![1]);
    console.log('Set-Cookie for the login started at t=590s:', line.replace(/=[^;]{20,}/, '=<sealed>'));
    // The browser drops the cookie after maxAge seconds: B's callback must still find it, e.g. 60 s later.
    expect(maxAge).toBeGreaterThanOrEqual(60);
  });
});
