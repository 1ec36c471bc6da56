import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorOptions, type KvixiEmulator } from '../../lib/emulator/index.js';
import { maxSessions, maxSignupUsers, sessionTTL, Store } from '../../lib/emulator/store.js';

// What a request without any credentials can make the emulator keep is bounded: sign-ins expire
// and are capped, and the sign-up page stops at a number of users.

let emu: KvixiEmulator | undefined;
async function start(options: EmulatorOptions = {}): Promise<KvixiEmulator> {
  emu = await startEmulator({ users: [{ username: 'jane', firstname: 'Jane', email: 'Jane@Example.com' }], apps: [{ name: 'Acme', redirectURL: 'http://localhost:3000/cb' }], ...options });
  return emu;
}
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function signIn(body: Record<string, string>): Promise<string> {
  const res = await fetch(`${emu!.url}/signin`, { method: 'POST', redirect: 'manual', body: new URLSearchParams(body) });
  expect(res.status).toBe(302);
  return res.headers.get('set-cookie')!.split(';')[0]!;
}

/** Whether the browser with this cookie is still signed in: the login page shows consent, not sign-in. */
async function signedIn(cookie: string): Promise<boolean> {
  const page = await (await fetch(`${emu!.url}/api/oauth?app_id=${emu!.apps[0]!.appId}`, { headers: { cookie } })).text();
  return page.includes('Continue as');
}

describe('emulator sign-ins', () => {
  it(`end after a day of the emulator's clock (${sessionTTL} s)`, async () => {
    await start();
    const cookie = await signIn({ user_id: '1' });
    emu!.advance(sessionTTL - 60);
    expect(await signedIn(cookie)).toBe(true);
    emu!.advance(60);
    expect(await signedIn(cookie)).toBe(false);
  });

  it(`are kept at most ${maxSessions}: one more signs the oldest out`, () => {
    // Through the store: ten thousand sign-ins over HTTP would take the test most of a minute.
    const store = new Store({ now: Date.now, accessTokenTTL: 3600 });
    const { userId } = store.addUser({ firstname: 'Jane' });
    const sessions = Array.from({ length: maxSessions }, () => store.startSession(userId));
    expect(store.sessionUser(sessions[0])?.userId).toBe(userId);
    const newest = store.startSession(userId);
    expect(store.sessionUser(sessions[0])).toBeUndefined();
    expect(store.sessionUser(sessions[1])?.userId).toBe(userId);
    expect(store.sessionUser(newest)?.userId).toBe(userId);
  });
});

describe('the sign-up page', () => {
  it(`creates at most ${maxSignupUsers} users, then says why it refuses`, async () => {
    const users = Array.from({ length: maxSignupUsers - 2 }, (_, i) => ({ username: `seed${i}`, firstname: 'Seed' }));
    await start({ users: [{ username: 'jane', firstname: 'Jane' }, ...users] });
    const signUp = () => fetch(`${emu!.url}/signup`, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ firstname: 'Seed' }) });
    expect((await signUp()).status).toBe(302);
    const refused = await signUp();
    expect(refused.status).toBe(200);
    expect(await refused.text()).toContain('This site already has 10,000 users, the most this page creates');
    expect(emu!.users).toHaveLength(maxSignupUsers);
  }, 60_000);
});

describe('finding a user by login', () => {
  it('matches username or e-mail in any case, and forgets deleted and reset users', async () => {
    await start();
    const omar = emu!.addUser({ username: 'omar', firstname: 'Omar', email: 'omar@example.com', password: 'pw' });
    const login = async (username: string) =>
      (await fetch(`${emu!.url}/signin`, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ username, password: 'password' }) })).status;
    expect(await login('JANE')).toBe(302);
    expect(await login(' jane@example.COM ')).toBe(302);
    emu!.deleteUser(omar.userId);
    const again = emu!.addUser({ username: 'omar', firstname: 'Omar 2' });
    expect((await fetch(`${emu!.url}/OMAR`)).status).toBe(200);
    expect(await (await fetch(`${emu!.url}/omar`)).text()).toContain('Omar 2');
    emu!.reset();
    expect((await fetch(`${emu!.url}/omar`)).status).toBe(404);
    expect(emu!.users.map((u) => u.userId)).not.toContain(again.userId);
  });
});
