import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorOptions, type KvixiEmulator } from '../lib/emulator/index.js';
import {
  KvixiClient,
  KvixiStrategy,
  type KvixiProfile,
  type KvixiStrategyOptions,
  type KvixiVerifyCallback,
} from '../lib/index.js';
import { buildApp } from './support/app.js';
import { HttpBrowser } from './support/http-browser.js';

// The strategy's integration tests again, against the emulator instead of nock: real HTTP, real
// single-use keys, real token checks, and the pages a browser goes through.

interface Site {
  emu: KvixiEmulator;
  appURL: string;
  appId: string;
  appSecret: string;
  janeId: string;
}

let emu: KvixiEmulator | undefined;
let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  await emu?.close();
  emu = server = undefined;
});

const keepProfile = (_tokens: unknown, profile: KvixiProfile, done: KvixiVerifyCallback) =>
  done(null, { id: profile.id, profile });

/** Starts an emulator with Jane and the app under test, whose redirect URL is the app's callback. */
async function startSite(
  emulatorOptions: EmulatorOptions = {},
  strategyOptions: Partial<KvixiStrategyOptions> = {},
): Promise<Site> {
  emu = await startEmulator({
    users: [
      {
        username: 'jane',
        firstname: 'Jane',
        lastname: "O'Brien",
        email: 'jane@example.com',
        gender: 'female',
        picture: 'photos/2024/05/jane.jpg',
        biography: 'Café owner',
      },
    ],
    ...emulatorOptions,
  });
  // The app's port is known only once it listens, and the emulator needs it as the redirect URL.
  server = createServer();
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const appURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const registered = emu.registerApp({ name: 'Acme Notes', redirectURL: `${appURL}/auth/kvixi/callback` });
  const strategy = new KvixiStrategy(
    {
      appId: registered.appId,
      appSecret: registered.appSecret,
      baseURL: emu.url,
      callbackURL: '/auth/kvixi/callback',
      ...strategyOptions,
    },
    keepProfile,
  );
  server.on('request', buildApp(strategy));
  return { emu, appURL, appId: registered.appId, appSecret: registered.appSecret, janeId: emu.users[0]!.userId };
}

/**
 * Start → sign in on the emulator → consent → callback, as a person would click through. A user
 * who approved the app before skips consent: the emulator redirects at once.
 */
async function loginThroughPages(site: Site, browser = new HttpBrowser()) {
  const start = await browser.go(`${site.appURL}/auth/kvixi`);
  expect(start.location).toMatch(new RegExp(`^${site.emu.url}/api/oauth\\?app_id=${site.appId}(&|$)`));
  const oauth = new URL(start.location!);
  let page = await browser.go(oauth.href);
  if (page.status === 200 && page.text.includes('Sign in as Jane O&#39;Brien')) {
    page = await browser.follow(`${site.emu.url}/signin`, { form: { user_id: site.janeId, return: oauth.pathname + oauth.search } });
  }
  if (page.status === 200) {
    expect(page.text).toContain('Continue as Jane');
    page = await browser.go(page.url, { form: { approve: '1' } });
  }
  expect(page.location).toMatch(new RegExp(`^${site.appURL}/auth/kvixi/callback\\?auth_key=`));
  const callback = await browser.go(page.location!);
  return { browser, callback, callbackURL: page.location! };
}

describe('a login through the emulator pages', () => {
  it('signs Jane in with a decoded profile and an absolute picture', async () => {
    const site = await startSite({ accessTokenTTL: 60, authorizeMethods: ['POST'] });
    const { callback } = await loginThroughPages(site);
    expect(callback.status).toBe(200);
    const { user } = JSON.parse(callback.text) as { user: { id: string; profile: KvixiProfile } };
    expect(user.id).toBe(site.janeId);
    expect(user.profile).toMatchObject({
      provider: 'kvixi',
      username: 'jane',
      displayName: "Jane O'Brien",
      name: { givenName: 'Jane', familyName: "O'Brien" },
      emails: [{ value: 'jane@example.com' }],
      photos: [{ value: `${site.emu.url}/content/uploads/photos/2024/05/jane.jpg` }],
      gender: 'female',
      profileUrl: `${site.emu.url}/jane`,
    });
    expect(user.profile._json.user_lastname).toBe('O&#039;Brien');
  });

  it('signs in again without consent, the emulator redirecting at once', async () => {
    const site = await startSite();
    const { browser } = await loginThroughPages(site);
    const start = await browser.go(`${site.appURL}/auth/kvixi`);
    const redirect = await browser.go(start.location!);
    expect(redirect.status).toBe(302);
    expect(redirect.location).toMatch(/\/auth\/kvixi\/callback\?auth_key=/);
    expect((await browser.go(redirect.location!)).status).toBe(200);
  });

  it('answers a reloaded callback URL as the signed-in user, and refuses it once signed out, without calling the provider', async () => {
    const site = await startSite();
    const { browser, callbackURL } = await loginThroughPages(site);
    const before = site.emu.requests.length;
    const reload = await browser.go(callbackURL);
    expect(reload.status).toBe(200);
    expect(JSON.parse(reload.text).info).toEqual({ alreadySignedIn: true });
    await browser.go(`${site.appURL}/logout`, { form: {} });
    const afterLogout = await browser.go(callbackURL);
    expect(afterLogout.status).toBe(403);
    expect(JSON.parse(afterLogout.text).failure.code).toBe('ERR_KVIXI_NO_PENDING_LOGIN');
    expect(site.emu.requests.length).toBe(before);
  });

  it('fails cleanly when an already-used auth_key comes back after a new start', async () => {
    const site = await startSite();
    const { browser, callbackURL } = await loginThroughPages(site);
    await browser.go(`${site.appURL}/auth/kvixi`);
    const replay = await browser.go(callbackURL);
    expect(replay.status).toBe(401);
    expect(JSON.parse(replay.text).failure.code).toBe('ERR_KVIXI_AUTH_KEY_REJECTED');
  });

  it('refuses a callback carrying a key issued to another browser', async () => {
    const site = await startSite();
    const forged = site.emu.issueAuthKey({ appId: site.appId, userId: site.janeId });
    const victim = new HttpBrowser();
    const res = await victim.go(`${site.appURL}/auth/kvixi/callback?auth_key=${forged}`);
    expect(res.status).toBe(403);
  });
});

describe('every Sngine generation of the token exchange', () => {
  it.each([
    ['4.0.4 and later (POST body only)', ['POST'] as const],
    ['up to 4.0.3 (query string only)', ['GET'] as const],
    ['either', ['GET', 'POST'] as const],
  ])('logs in against a server that reads %s', async (_label, methods) => {
    const site = await startSite({ authorizeMethods: [...methods] });
    for (let i = 0; i < 2; i++) {
      const { callback } = await loginThroughPages(site);
      expect(callback.status).toBe(200);
    }
  });
});

describe('provider refusals from the emulator', () => {
  async function callbackWithKey(site: Site) {
    const browser = new HttpBrowser();
    await browser.go(`${site.appURL}/auth/kvixi`);
    const authKey = site.emu.issueAuthKey({ appId: site.appId, userId: site.janeId });
    const res = await browser.go(`${site.appURL}/auth/kvixi/callback?auth_key=${authKey}`);
    return { authKey, status: res.status, body: JSON.parse(res.text) as { error?: { code: string; message: string; name: string } } };
  }

  it('reports a wrong app secret and keeps the key usable', async () => {
    const site = await startSite({}, { appSecret: '00000000000000000000000000000000' });
    const { authKey, status, body } = await callbackWithKey(site);
    expect(status).toBe(500);
    expect(body.error).toMatchObject({ name: 'KvixiAPIError', code: 'ERR_KVIXI_API' });
    expect(body.error?.message).toContain('Bad Request, invalid app_secret');
    expect(JSON.stringify(body)).not.toContain(site.appSecret);
    const rightSecret = new KvixiClient({ appId: site.appId, appSecret: site.appSecret, baseURL: site.emu.url });
    await expect(rightSecret.exchangeAuthKey(authKey)).resolves.toHaveProperty('accessToken');
  });

  it('reports an app the site does not know', async () => {
    const site = await startSite({}, { appId: '999' });
    const { body } = await callbackWithKey(site);
    expect(body.error?.message).toContain("doesn't exist or has been disabled");
  });

  it('fails the login of a deleted user ([] from get_user_info) with ERR_KVIXI_USER_NOT_FOUND', async () => {
    const site = await startSite();
    const browser = new HttpBrowser();
    await browser.go(`${site.appURL}/auth/kvixi`);
    const authKey = site.emu.issueAuthKey({ appId: site.appId, userId: site.janeId });
    site.emu.deleteUser(site.janeId);
    const res = await browser.go(`${site.appURL}/auth/kvixi/callback?auth_key=${authKey}`);
    expect(res.status).toBe(403);
    expect(JSON.parse(res.text).failure.code).toBe('ERR_KVIXI_USER_NOT_FOUND');
  });

  it('reports an expired token', async () => {
    const site = await startSite();
    site.emu.failNext('get_user_info', { type: 'error', message: 'Bad Request, expired access_token' });
    const { body } = await callbackWithKey(site);
    expect(body.error?.message).toContain('expired access_token');
  });

  it('reports a provider that hangs as a timeout', async () => {
    const site = await startSite({}, { timeout: 200 });
    site.emu.failNext('authorize', { type: 'hang' });
    const { body } = await callbackWithKey(site);
    expect(body.error?.code).toBe('ERR_KVIXI_TIMEOUT');
  });

  it('reports a 502 from a proxy as an unexpected response', async () => {
    const site = await startSite();
    site.emu.failNext('authorize', { type: 'http', status: 502, body: '<h1>Bad Gateway</h1>', contentType: 'text/html' });
    const { body } = await callbackWithKey(site);
    expect(body.error?.code).toBe('ERR_KVIXI_UNEXPECTED_RESPONSE');
    expect(body.error?.message).toContain('HTTP 502');
  });

  it('asks for English genders with lang on an Arabic site', async () => {
    const site = await startSite({ language: 'ar_sa' }, { lang: 'en_us' });
    const { callback } = await loginThroughPages(site);
    expect(JSON.parse(callback.text).user.profile.gender).toBe('female');
  });

  it("keeps the site's own word for gender without lang", async () => {
    const site = await startSite({ language: 'ar_sa' });
    const { callback } = await loginThroughPages(site);
    expect(JSON.parse(callback.text).user.profile.gender).toBe('أنثى');
  });
});
