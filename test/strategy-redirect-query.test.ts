import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type KvixiEmulator } from '../lib/emulator/index.js';
import { KvixiStrategy, type KvixiProfile, type KvixiVerifyCallback } from '../lib/index.js';
import { buildApp } from './support/app.js';
import { HttpBrowser } from './support/http-browser.js';

// An app whose redirect URL already has a query (`…/callback?from=kvixi`): Sngine appends
// `?auth_key=` anyway, so the callback arrives as `…/callback?from=kvixi?auth_key=K`.

let emu: KvixiEmulator | undefined;
let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  await emu?.close();
  emu = server = undefined;
});

const keepProfile = (_tokens: unknown, profile: KvixiProfile, done: KvixiVerifyCallback) => done(null, { id: profile.id });

/** The emulator with Jane, an Express app, and the app registered with a redirect URL that has a query. */
async function startSite(withCallbackURL: boolean) {
  emu = await startEmulator({ users: [{ username: 'jane', firstname: 'Jane', lastname: 'Doe' }] });
  server = createServer();
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const appURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const app = emu.registerApp({ name: 'Acme', redirectURL: `${appURL}/auth/kvixi/callback?from=kvixi` });
  const strategy = new KvixiStrategy(
    { appId: app.appId, appSecret: app.appSecret, baseURL: emu.url, ...(withCallbackURL ? { callbackURL: '/auth/kvixi/callback' } : {}) },
    keepProfile,
  );
  server.on('request', buildApp(strategy));
  return { emu, appURL, appId: app.appId, janeId: emu.users[0]!.userId };
}

/** Start, then Kvixi's redirect back (Jane approves at once), as the browser follows it. */
async function kvixiRedirectBack(site: Awaited<ReturnType<typeof startSite>>, browser: HttpBrowser) {
  site.emu.enqueueLogin({ userId: site.janeId });
  const start = await browser.go(`${site.appURL}/auth/kvixi`);
  expect(start.status).toBe(302);
  const back = await browser.go(start.location!);
  expect(back.status).toBe(302);
  return back.location!;
}

describe.each([
  ['with callbackURL', true],
  ['without callbackURL', false],
])('a redirect URL that already has a query, %s', (_label, withCallbackURL) => {
  it('gets the auth_key appended with a second ? by the emulator, as by Sngine, and signs Jane in', async () => {
    const site = await startSite(withCallbackURL);
    const browser = new HttpBrowser();
    const location = await kvixiRedirectBack(site, browser);
    expect(location).toMatch(new RegExp(`^${site.appURL}/auth/kvixi/callback\\?from=kvixi\\?auth_key=[0-9a-f]{32}$`));
    const callback = await browser.go(location);
    expect(callback.status).toBe(200);
    expect(JSON.parse(callback.text).user).toEqual({ id: site.janeId });
  });

  it('refuses a second auth_key after the appended one as malformed, without calling the provider', async () => {
    const site = await startSite(withCallbackURL);
    const browser = new HttpBrowser();
    const location = await kvixiRedirectBack(site, browser);
    const before = site.emu.requests.length;
    const callback = await browser.go(`${location}&auth_key=0123456789abcdef0123456789abcdef`);
    expect(callback.status).toBe(400);
    expect(JSON.parse(callback.text).failure.code).toBe('ERR_KVIXI_MALFORMED_AUTH_KEY');
    expect(site.emu.requests.length).toBe(before);
  });

  it('refuses an over-long auth_key in that form as malformed', async () => {
    const site = await startSite(withCallbackURL);
    const browser = new HttpBrowser();
    await kvixiRedirectBack(site, browser);
    const callback = await browser.go(`${site.appURL}/auth/kvixi/callback?from=kvixi?auth_key=${'a'.repeat(257)}`);
    expect(callback.status).toBe(400);
    expect(JSON.parse(callback.text).failure.code).toBe('ERR_KVIXI_MALFORMED_AUTH_KEY');
  });
});
