import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import session from 'express-session';
import { Passport } from 'passport';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type KvixiEmulator } from '../lib/emulator/index.js';
import { KvixiCookieStore, KvixiStrategy, type KvixiPendingLoginStore, type KvixiStrategyOptionsBase } from '../lib/index.js';
import { HttpBrowser } from './support/http-browser.js';

// Starts and callbacks must be top-level navigations, and a start from another site (a sibling
// subdomain included) needs the user's click. Otherwise a page on evil.example.com could run
//   fetch('https://app.example.com/auth/kvixi', { mode: 'no-cors', credentials: 'include', redirect: 'manual' })
// (the browser sends and stores the app's SameSite=Lax cookies, and does not follow the redirect),
// leaving a pending login in the victim's browser for the attacker's own auth_key, whichever store
// keeps it: `__Host-` stops a sibling from planting a cookie, not from making the app set one.
const SUBRESOURCE_FETCH_FROM_SIBLING = { 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'empty' };
const NAVIGATION_FROM_ATTACKER = { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' };

let emu: KvixiEmulator;
const servers: Server[] = [];
beforeAll(async () => {
  emu = await startEmulator({ users: [{ username: 'jane', firstname: 'Jane', lastname: 'V' }, { username: 'mallory', firstname: 'Mal', lastname: 'A' }] });
});
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});
afterAll(() => emu.close());

async function site(store: KvixiPendingLoginStore | undefined, options: Partial<KvixiStrategyOptionsBase> = {}) {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { appId, appSecret } = emu.registerApp({ name: 'App', redirectURL: `${url}/auth/kvixi/callback` });
  const passport = new Passport();
  passport.use(new KvixiStrategy({ appId, appSecret, baseURL: emu.url, callbackURL: '/auth/kvixi/callback', store, ...options }, async (_t, p) => ({ id: p.id })));
  passport.serializeUser((u, d) => d(null, u));
  passport.deserializeUser((u: Express.User, d) => d(null, u));
  const app = express();
  const withSessions = store === undefined;
  if (withSessions) {
    app.use(session({ secret: 't', resave: false, saveUninitialized: false }));
    app.use(passport.session());
  }
  app.get('/auth/kvixi', passport.authenticate('kvixi', { session: withSessions }));
  app.get('/auth/kvixi/callback', passport.authenticate('kvixi', { session: withSessions, failWithError: true }), (req, res) => res.json({ user: req.user }));
  app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => res.status((err as { status?: number }).status ?? 500).json({ error: err.message }));
  server.on('request', app);
  return { url, appId };
}

// Same origin, no script: a user-generated post on the app itself (markdown images allowed) holds
//   ![](/auth/kvixi)   then   ![](/auth/kvixi/callback?auth_key=<mallory's key>)
// Both are image subresource requests (Sec-Fetch-Dest: image, Mode: no-cors, Site: same-origin).
// A real login start is a navigation, and Kvixi's redirect back is always a top-level navigation.
const IMAGE_ON_OWN_PAGE = { 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'image' };

describe('two <img> tags in user content on the app\'s own pages', () => {
  for (const [name, makeStore] of [
    ['session store (express-session)', () => undefined],
    ['cookie store, secure: true (__Host-)', () => new KvixiCookieStore({ secret: 'x'.repeat(40), secure: true })],
  ] as const) {
    it(`${name}: do not sign the viewer in as the attacker`, async () => {
      const app = await site(makeStore());
      const mallory = emu.users.find((u) => u.username === 'mallory')!;
      const victim = new HttpBrowser();
      await victim.go(`${app.url}/auth/kvixi`, { headers: IMAGE_ON_OWN_PAGE });
      const key = emu.issueAuthKey({ appId: app.appId, userId: mallory.userId });
      const callback = await victim.go(`${app.url}/auth/kvixi/callback?auth_key=${key}`, { headers: IMAGE_ON_OWN_PAGE });
      expect({ callback: callback.status, body: callback.text }).toEqual(expect.objectContaining({ callback: 403 }));
    });
  }
});

describe('a sibling subdomain starts a login in the victim\'s browser', () => {
  for (const [name, makeStore] of [
    ['session store (express-session)', () => undefined],
    ['cookie store, secure: true (__Host-)', () => new KvixiCookieStore({ secret: 'x'.repeat(40), secure: true })],
  ] as const) {
    it(`${name}: a no-cors same-site fetch must not create a usable pending login`, async () => {
      const app = await site(makeStore());
      const mallory = emu.users.find((u) => u.username === 'mallory')!;
      const victim = new HttpBrowser();
      // 1. evil.example.com's script: no-cors, credentials included, redirect not followed.
      const planted = await victim.go(`${app.url}/auth/kvixi`, { headers: SUBRESOURCE_FETCH_FROM_SIBLING });
      // 2. Mallory's own auth_key (from her own Kvixi login), the victim navigated to the callback.
      const key = emu.issueAuthKey({ appId: app.appId, userId: mallory.userId });
      const callback = await victim.go(`${app.url}/auth/kvixi/callback?auth_key=${key}`, { headers: NAVIGATION_FROM_ATTACKER });
      expect({ start: planted.status, callback: callback.status, body: callback.text }).toEqual(
        expect.objectContaining({ callback: 403 }),
      );
    });
  }
});

/** A GET with exactly these headers (Node's fetch would add Sec-Fetch-Mode: cors to every request). */
function navigate(url: string, headers: Record<string, string>): Promise<{ status: number; location: string | undefined }> {
  return new Promise((resolve, reject) => {
    get(url, { headers }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, location: res.headers.location });
    }).on('error', reject);
  });
}

describe('navigations that may start a login', () => {
  it('starts a login for a navigation from the same origin, or one typed in the address bar', async () => {
    const app = await site(undefined);
    for (const from of ['same-origin', 'none']) {
      const res = await navigate(`${app.url}/auth/kvixi`, {
        'sec-fetch-site': from,
        'sec-fetch-mode': 'navigate',
        'sec-fetch-dest': 'document',
      });
      expect(res).toEqual({ status: 302, location: `${emu.url}/api/oauth?app_id=${app.appId}` });
    }
  });

  it('asks for a click when a sibling subdomain navigates to the start, as for another site', async () => {
    const app = await site(undefined);
    const res = await navigate(`${app.url}/auth/kvixi`, {
      'sec-fetch-site': 'same-site',
      'sec-fetch-mode': 'navigate',
      'sec-fetch-dest': 'document',
    });
    // The continue page, not a redirect to Kvixi.
    expect(res).toEqual({ status: 200, location: undefined });
  });

  it("starts a sibling subdomain's login without a click with allowCrossSiteStart: 'same-site', but not another site's", async () => {
    const app = await site(undefined, { allowCrossSiteStart: 'same-site' });
    const from = (where: string) =>
      navigate(`${app.url}/auth/kvixi`, { 'sec-fetch-site': where, 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' });
    expect((await from('same-site')).status).toBe(302);
    expect(await from('cross-site')).toEqual({ status: 200, location: undefined });
  });

  it('refuses a start inside a frame', async () => {
    const app = await site(undefined);
    const framed = { 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'iframe' };
    expect(await navigate(`${app.url}/auth/kvixi`, framed)).toEqual({ status: 403, location: undefined });
  });
});
