import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorApp, type EmulatorOptions, type EmulatorUser, type KvixiEmulator } from '../../lib/emulator/index.js';

// The emulator as a test toolkit: a clean state between tests, one-call logins, approvals on demand.

let emu: KvixiEmulator;
let app: EmulatorApp;
let jane: EmulatorUser;

async function start(options: EmulatorOptions = {}): Promise<void> {
  await emu?.close();
  emu = await startEmulator({
    users: [{ username: 'jane', firstname: 'Jane', lastname: "O'Brien" }],
    apps: [{ name: 'Acme', redirectURL: 'http://localhost:3000/auth/kvixi/callback' }],
    ...options,
  });
  [app] = emu.apps as [EmulatorApp];
  [jane] = emu.users as [EmulatorUser];
}

beforeEach(() => start());
afterEach(() => emu.close());

/** One visit to the login page, as a browser without cookies makes it. */
async function visitLogin(cookie?: string): Promise<{ status: number; location: string | null; text: string }> {
  const res = await fetch(`${emu.url}/api/oauth?app_id=${app.appId}`, { redirect: 'manual', headers: cookie ? { cookie } : {} });
  return { status: res.status, location: res.headers.get('location'), text: await res.text() };
}

async function exchange(authKey: string): Promise<unknown> {
  const res = await fetch(`${emu.url}/api/authorize`, {
    method: 'POST', body: new URLSearchParams({ app_id: app.appId, app_secret: app.appSecret, auth_key: authKey }),
  });
  return res.json();
}

async function signIn(user: EmulatorUser): Promise<string> {
  const res = await fetch(`${emu.url}/signin`, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ user_id: user.userId }) });
  return res.headers.get('set-cookie')!.split(';')[0]!;
}

const authKeyIn = (location: string | null): string => new URL(location!).searchParams.get('auth_key')!;

describe('enqueueLogin', () => {
  it("answers the next login visit with one 302 to the app's redirect URL and a working auth_key", async () => {
    emu.enqueueLogin({ userId: jane.userId });
    const visit = await visitLogin();
    expect(visit.status).toBe(302);
    expect(visit.location).toMatch(/^http:\/\/localhost:3000\/auth\/kvixi\/callback\?auth_key=[0-9a-f]{32}$/);
    expect(await exchange(authKeyIn(visit.location))).toEqual({ access_token: expect.stringMatching(/^[0-9a-f]{32}$/) });
  });

  it('sends a cancelled login to the home page without an auth_key, as the Cancel link does', async () => {
    emu.enqueueLogin({ userId: jane.userId, decision: 'cancel' });
    const visit = await visitLogin();
    expect(visit.status).toBe(302);
    expect(visit.location).toBe('/');
    const home = await fetch(new URL(visit.location!, emu.url));
    expect(await home.text()).toContain('You are not signed in.');
  });

  it('uses queued logins first in, first out, then shows the pages again', async () => {
    const omar = emu.addUser({ firstname: 'Omar' });
    emu.enqueueLogin({ userId: omar.userId });
    emu.enqueueLogin({ userId: jane.userId, decision: 'cancel' });
    emu.enqueueLogin({ userId: jane.userId });

    const first = await visitLogin();
    const { access_token } = (await exchange(authKeyIn(first.location))) as { access_token: string };
    const info = (await (await fetch(`${emu.url}/api/get_user_info?access_token=${access_token}`)).json()) as { user_info: Record<string, string> };
    expect(info.user_info.user_firstname).toBe('Omar');
    expect((await visitLogin()).location).toBe('/');
    expect((await visitLogin()).location).toMatch(/\?auth_key=/);
    const after = await visitLogin();
    expect(after.status).toBe(200);
    expect(after.text).toContain('Sign in as Jane O&#39;Brien');
  });

  it('leaves the queue alone for a visit naming an unknown app', async () => {
    emu.enqueueLogin({ userId: jane.userId });
    const unknown = await fetch(`${emu.url}/api/oauth?app_id=999`);
    expect(await unknown.text()).toContain('doesn&#39;t exist or has been disabled');
    expect((await visitLogin()).status).toBe(302);
  });

  it('does not leave the browser signed in', async () => {
    emu.enqueueLogin({ userId: jane.userId });
    const visit = await fetch(`${emu.url}/api/oauth?app_id=${app.appId}`, { redirect: 'manual' });
    expect(visit.headers.get('set-cookie')).toBeNull();
  });

  it('skips a queued login whose user was deleted since', async () => {
    const omar = emu.addUser({ firstname: 'Omar' });
    emu.enqueueLogin({ userId: omar.userId });
    emu.deleteUser(omar.userId);
    expect((await visitLogin()).text).toContain('Sign in as Jane O&#39;Brien');
  });

  it('refuses an unknown user or decision with a TypeError naming the field', () => {
    expect(() => emu.enqueueLogin({ userId: '999' })).toThrow(new TypeError('enqueueLogin() requires userId to be the userId of an existing user'));
    expect(() => emu.enqueueLogin({ userId: jane.userId, decision: 'maybe' as 'approve' })).toThrow(/decision to be one of approve, cancel/);
  });
});

describe('approvals', () => {
  it('are remembered by default: a returning user is redirected without the consent page', async () => {
    emu.issueAuthKey({ appId: app.appId, userId: jane.userId });
    const visit = await visitLogin(await signIn(jane));
    expect(visit.status).toBe(302);
  });

  it('are never remembered with rememberApprovals: false', async () => {
    await start({ rememberApprovals: false });
    const cookie = await signIn(jane);
    emu.issueAuthKey({ appId: app.appId, userId: jane.userId });
    const consent = await visitLogin(cookie);
    expect(consent.status).toBe(200);
    expect(consent.text).toContain('Continue as Jane');
  });

  it('can be revoked for one app and user, showing the consent page again', async () => {
    const cookie = await signIn(jane);
    const omar = emu.addUser({ firstname: 'Omar' });
    emu.issueAuthKey({ appId: app.appId, userId: jane.userId });
    emu.issueAuthKey({ appId: app.appId, userId: omar.userId });
    expect(emu.revokeApproval({ appId: app.appId, userId: jane.userId })).toBe(true);
    expect(emu.revokeApproval({ appId: app.appId, userId: jane.userId })).toBe(false);
    expect((await visitLogin(cookie)).text).toContain('Continue as Jane');
    expect((await visitLogin(await signIn(omar))).status).toBe(302);
  });

  it('can all be revoked at once', async () => {
    emu.issueAuthKey({ appId: app.appId, userId: jane.userId });
    expect(emu.revokeApproval()).toBe(true);
    expect((await visitLogin(await signIn(jane))).text).toContain('Continue as Jane');
  });

  it('leaves issued auth keys working when revoked, as a key already handed out is the app\'s', async () => {
    const authKey = emu.issueAuthKey({ appId: app.appId, userId: jane.userId });
    emu.revokeApproval();
    expect(await exchange(authKey)).toEqual({ access_token: expect.any(String) });
  });
});

describe('clearFaults', () => {
  it('drops every queued fault, so the next calls answer normally', async () => {
    emu.failNext('authorize', { type: 'error', message: 'Bad Request, invalid app_id' });
    emu.failNext('oauth', { type: 'hang' });
    emu.clearFaults();
    expect(await exchange(emu.issueAuthKey({ appId: app.appId, userId: jane.userId }))).toEqual({ access_token: expect.any(String) });
    expect((await visitLogin()).text).toContain('Sign in as Jane O&#39;Brien');
  });
});

describe('reset', () => {
  it('returns to the state right after start: seeded users and apps only, nothing remembered', async () => {
    const cookie = await signIn(jane);
    const authKey = emu.issueAuthKey({ appId: app.appId, userId: jane.userId });
    const { access_token } = (await exchange(emu.issueAuthKey({ appId: app.appId, userId: jane.userId }))) as { access_token: string };
    emu.addUser({ firstname: 'Added' });
    emu.registerApp({ name: 'Added app', redirectURL: 'http://localhost/cb' });
    emu.failNext('authorize', { type: 'hang' });
    emu.enqueueLogin({ userId: jane.userId });
    emu.advance(3600);

    emu.reset();

    expect(emu.users).toEqual([jane]);
    expect(emu.apps).toEqual([app]);
    expect(emu.requests).toEqual([]);
    expect(Math.abs(emu.now() - Date.now())).toBeLessThan(1000);
    // No fault: the exchange answers at once, refusing the key issued before the reset.
    expect(await exchange(authKey)).toEqual({ error: true, message: 'Bad Request, invalid auth_key' });
    const info = await (await fetch(`${emu.url}/api/get_user_info?access_token=${access_token}`)).json();
    expect(info).toEqual({ error: true, message: 'Bad Request, invalid access_token' });
    // No queued login, no session, no approval: the sign-in page, then the consent page.
    expect((await visitLogin(cookie)).text).toContain('Sign in as Jane O&#39;Brien');
    expect((await visitLogin(await signIn(jane))).text).toContain('Continue as Jane');
  });

  it('brings back a seeded user deleted since', async () => {
    emu.deleteUser(jane.userId);
    emu.reset();
    expect(emu.users).toEqual([jane]);
  });
});

describe('the clock', () => {
  it('is handed on as a bound function', () => {
    const { now } = emu;
    const before = now();
    emu.advance(90);
    expect(now() - before).toBeGreaterThanOrEqual(90_000);
    expect(now() - before).toBeLessThan(91_000);
  });
});

describe('the favicon', () => {
  it('is served, so browsers and browser tests see no 404 for it', async () => {
    const res = await fetch(`${emu.url}/favicon.ico`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
  });
});
