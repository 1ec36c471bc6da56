import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type KvixiEmulator } from '../../lib/emulator/index.js';

// The sign-in forms send the browser back to `return`, a path on this site, whatever it holds.

let emu: KvixiEmulator;
beforeEach(async () => {
  emu = await startEmulator({ users: [{ username: 'jane', firstname: 'Jane' }] });
});
afterEach(() => emu.close());

const paths: [string, string, string][] = [
  ['a euro sign', '/€', '/%E2%82%AC'],
  ['a letter beyond Latin-1', '/Ā?x=Ā', '/%C4%80?x=%C4%80'],
  ['a line separator', '/a\u2028b', '/a%E2%80%A8b'],
  ['a lone surrogate (the form decodes it as U+FFFD)', '/x\ud800', '/x%EF%BF%BD'],
  ['a space', '/a b', '/a%20b'],
];

async function post(path: string, fields: Record<string, string>): Promise<Response> {
  // Written by hand: URLSearchParams would already replace a lone surrogate.
  const body = Object.entries(fields).map(([name, value]) => `${name}=${encodeURIComponent(value.replace(/\ud800/g, '\ufffd'))}`).join('&');
  return fetch(`${emu.url}${path}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
}

describe('a return path beyond Latin-1 on /signin and /signup', () => {
  for (const [what, returnTo, location] of paths) {
    it(`redirects to it percent-encoded: ${what}`, async () => {
      const signIn = await post('/signin', { user_id: emu.users[0]!.userId, return: returnTo });
      expect(signIn.status).toBe(302);
      expect(signIn.headers.get('location')).toBe(location);
      const signUp = await post('/signup', { firstname: 'New', return: returnTo });
      expect(signUp.status).toBe(302);
      expect(signUp.headers.get('location')).toBe(location);
    });
  }

  it('still sends a path to another site home', async () => {
    const res = await post('/signin', { user_id: emu.users[0]!.userId, return: '//evil.example/€' });
    expect(res.headers.get('location')).toBe('/');
  });
});
