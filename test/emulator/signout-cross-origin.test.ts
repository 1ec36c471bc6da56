import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorUser, type KvixiEmulator } from '../../lib/emulator/index.js';

// The sign-in, sign-up, sign-out and consent forms post to the emulator from its own pages. A page
// of another origin posting there (a hidden auto-submitting form) would sign the browser in as
// anyone, out, or approve an app: the emulator refuses it as the dashboard does.

let emu: KvixiEmulator;
let jane: EmulatorUser;
beforeEach(async () => {
  emu = await startEmulator({ users: [{ username: 'jane', firstname: 'Jane' }] });
  jane = emu.users[0]!;
});
afterEach(() => emu.close());

async function post(path: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${emu.url}${path}`, { method: 'POST', redirect: 'manual', headers, body: new URLSearchParams(form) });
}

async function signedIn(): Promise<string> {
  const res = await post('/signin', { user_id: jane.userId, return: '/' });
  return res.headers.get('set-cookie')!.split(';')[0]!;
}

/** Whether the emulator still knows the browser with this cookie as Jane. */
async function stillJane(cookie: string): Promise<boolean> {
  const home = await (await fetch(`${emu.url}/`, { headers: { cookie } })).text();
  return home.includes('Jane');
}

describe('POST /signout', () => {
  const foreign: Array<[string, Record<string, string>]> = [
    ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }],
    ['Sec-Fetch-Site: same-site (a sibling subdomain)', { 'sec-fetch-site': 'same-site' }],
    ['an Origin of another site (a browser without Sec-Fetch-Site)', { origin: 'http://evil.test' }],
  ];
  for (const [what, headers] of foreign) {
    it(`from a page of another origin (${what}) is refused with 403, sets no cookie, and the user stays signed in`, async () => {
      const cookie = await signedIn();
      expect(await stillJane(cookie)).toBe(true);
      const res = await post('/signout', { return: '/' }, { cookie, ...headers });
      expect(res.status).toBe(403);
      expect(res.headers.get('set-cookie')).toBeNull();
      expect(await res.text()).toContain('This request came from a page of another site.');
      expect(await stillJane(cookie)).toBe(true);
    });
  }

  it('from the emulator\'s own page (Sec-Fetch-Site: same-origin, its own Origin) signs out', async () => {
    const cookie = await signedIn();
    const origin = new URL(emu.url).origin;
    const res = await post('/signout', { return: '/' }, { cookie, 'sec-fetch-site': 'same-origin', origin });
    expect(res.status).toBe(302);
    expect(res.headers.get('set-cookie')).toContain('Max-Age=0');
    expect(await stillJane(cookie)).toBe(false);
  });
});

describe('POST /signin, /signup and the consent page\'s approval', () => {
  const crossSite = { 'sec-fetch-site': 'cross-site' };

  it('from a page of another origin signs nobody in', async () => {
    const res = await post('/signin', { user_id: jane.userId, return: '/' }, crossSite);
    expect(res.status).toBe(403);
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('from a page of another origin creates no user', async () => {
    const res = await post('/signup', { firstname: 'Mallory', username: 'mallory', return: '/' }, { origin: 'http://evil.test' });
    expect(res.status).toBe(403);
    expect(emu.users.map((user) => user.username)).toEqual(['jane']);
  });

  it('from a page of another origin approves no app and issues no auth_key', async () => {
    const { appId } = emu.registerApp({ name: 'App', redirectURL: 'http://localhost:3000/cb' });
    const cookie = await signedIn();
    const res = await post(`/api/oauth?app_id=${appId}`, { approve: '1' }, { cookie, ...crossSite });
    expect(res.status).toBe(403);
    expect(res.headers.get('location')).toBeNull();
    const own = await post(`/api/oauth?app_id=${appId}`, { approve: '1' }, { cookie, 'sec-fetch-site': 'same-origin' });
    expect(own.headers.get('location')).toMatch(/^http:\/\/localhost:3000\/cb\?auth_key=\w+$/);
  });
});
