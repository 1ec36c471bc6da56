import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import session from 'express-session';
import { Passport } from 'passport';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type KvixiEmulator } from '../lib/emulator/index.js';
import {
  KvixiCookieStore,
  KvixiMemoryClaimStore,
  KvixiSessionStore,
  KvixiStrategy,
  type KvixiPendingLoginStore,
  type KvixiStrategyOptionsBase,
} from '../lib/index.js';
import { HttpBrowser } from './support/http-browser.js';

// The cookie store for apps without sessions, against the emulator: no session middleware, the
// login-CSRF guarantees of the session store, and the cookie's own attributes.

const SECRET = 'a secret of at least thirty-two characters';
const OLD_SECRET = 'the previous secret, also long enough to use';

let emu: KvixiEmulator;
let janeId: string;
const servers: Server[] = [];

beforeAll(async () => {
  emu = await startEmulator({ users: [{ username: 'jane', firstname: 'Jane', lastname: "O'Brien" }] });
  janeId = emu.users[0]!.userId;
});
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});
afterAll(() => emu.close());

interface Site {
  url: string;
  appId: string;
  /** Every error the app's error handler saw. */
  errors: string[];
}

/** An app on loopback with the given store; `withSessions` adds express-session for the session store. */
async function site(
  store: KvixiPendingLoginStore,
  options: Partial<KvixiStrategyOptionsBase> = {},
  withSessions = false,
): Promise<Site> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { appId, appSecret } = emu.registerApp({ name: 'Cookie app', redirectURL: `${url}/auth/kvixi/callback` });
  const passport = new Passport();
  passport.use(
    new KvixiStrategy(
      { appId, appSecret, baseURL: emu.url, callbackURL: '/auth/kvixi/callback', store, ...options },
      async (_tokens, profile) => ({ id: profile.id }),
    ),
  );
  passport.serializeUser((user, done) => done(null, user));
  passport.deserializeUser((user: Express.User, done) => done(null, user));
  const errors: string[] = [];
  const app = express();
  if (withSessions) {
    app.use(session({ secret: 'test', resave: false, saveUninitialized: false }));
    app.use(passport.session());
  }
  app.use((_req, res, next) => {
    res.cookie('theme', 'dark'); // the app's own cookie must survive the store's
    next();
  });
  app.get('/auth/kvixi', passport.authenticate('kvixi', { session: withSessions }));
  app.get('/auth/kvixi/callback', (req, res, next) => {
    passport.authenticate('kvixi', { session: withSessions }, (err: unknown, user: unknown, info: { code?: string }) => {
      if (err) return next(err);
      if (!user) return res.status(403).json({ code: info?.code ?? null });
      if (!withSessions) return res.json({ user });
      req.logIn(user as Express.User, (loginErr) => (loginErr ? next(loginErr) : res.json({ user })));
    })(req, res, next);
  });
  app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
    errors.push(err.message);
    res.status(500).json({ error: err.message });
  });
  server.on('request', app);
  return { url, appId, errors };
}

function setCookies(visit: { headers: Headers }): string[] {
  return visit.headers.getSetCookie();
}

describe('KvixiCookieStore', () => {
  it('logs a user in with no session middleware at all', async () => {
    const app = await site(new KvixiCookieStore({ secret: SECRET }));
    const browser = new HttpBrowser();
    const start = await browser.go(`${app.url}/auth/kvixi`);
    expect(start.location).toBe(`${emu.url}/api/oauth?app_id=${app.appId}`);
    const callback = await browser.go(`${app.url}/auth/kvixi/callback?auth_key=${emu.issueAuthKey({ appId: app.appId, userId: janeId })}`);
    expect(callback.status).toBe(200);
    expect(JSON.parse(callback.text)).toEqual({ user: { id: janeId } });
    expect(app.errors).toEqual([]);
  });

  it('sets an HttpOnly, SameSite=Lax cookie on /, no longer than the pending-login lifetime, beside the app\'s own', async () => {
    const app = await site(new KvixiCookieStore({ secret: SECRET }), { pendingLoginTTL: 120 });
    const start = await new HttpBrowser().go(`${app.url}/auth/kvixi`);
    const cookies = setCookies(start);
    expect(cookies.some((cookie) => cookie.startsWith('theme=dark'))).toBe(true);
    const ours = cookies.find((cookie) => cookie.startsWith('kvixi_pending='));
    expect(ours).toMatch(/^kvixi_pending=[\w-]+\.[\w-]+\.[\w-]+\.[\w-]+; Max-Age=120; Path=\/; HttpOnly; SameSite=Lax$/);
  });

  it('is Secure with the __Host- prefix when asked to, or over https behind a trusted proxy', async () => {
    const forced = await site(new KvixiCookieStore({ secret: SECRET, secure: true }));
    const cookie = setCookies(await new HttpBrowser().go(`${forced.url}/auth/kvixi`)).find((c) => c.includes('kvixi_pending'));
    expect(cookie).toMatch(/^__Host-kvixi_pending=.+; Path=\/; HttpOnly; SameSite=Lax; Secure$/);
    expect(cookie).not.toMatch(/Domain=/);

    // Express's req.secure: X-Forwarded-Proto counts once the app trusts its proxy.
    const store = new KvixiCookieStore({ secret: SECRET });
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { appId, appSecret } = emu.registerApp({ name: 'Proxied', redirectURL: `${url}/auth/kvixi/callback` });
    const passport = new Passport();
    passport.use(new KvixiStrategy({ appId, appSecret, baseURL: emu.url, store }, async (_t, p) => ({ id: p.id })));
    const app = express();
    app.set('trust proxy', 'loopback');
    app.get('/auth/kvixi', passport.authenticate('kvixi', { session: false }));
    server.on('request', app);
    const proxied = await new HttpBrowser().go(`${url}/auth/kvixi`, { headers: { 'x-forwarded-proto': 'https' } });
    expect(setCookies(proxied).find((c) => c.includes('kvixi_pending'))).toMatch(/^__Host-kvixi_pending=.+; Secure$/);
  });

  it('keeps the state unreadable in the cookie and gives it back at the callback', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { appId, appSecret } = emu.registerApp({ name: 'Stateful', redirectURL: `${url}/auth/kvixi/callback` });
    const passport = new Passport();
    const store = new KvixiCookieStore({ secret: SECRET });
    passport.use(new KvixiStrategy({ appId, appSecret, baseURL: emu.url, store }, async (_t, p) => ({ id: p.id })));
    const app = express();
    app.get('/auth/kvixi', passport.authenticate('kvixi', { session: false, state: { returnTo: '/secret-page' } } as object));
    app.get('/auth/kvixi/callback', passport.authenticate('kvixi', { session: false }), (req, res) => {
      res.json({ state: req.authInfo?.state ?? null });
    });
    server.on('request', app);
    const browser = new HttpBrowser();
    const start = await browser.go(`${url}/auth/kvixi`);
    const sealed = setCookies(start).join('\n');
    expect(sealed).not.toContain('secret-page');
    expect(Buffer.from(sealed.split('.').join(''), 'base64url').toString('latin1')).not.toContain('secret-page');
    const callback = await browser.go(`${url}/auth/kvixi/callback?auth_key=${emu.issueAuthKey({ appId, userId: janeId })}`);
    expect(JSON.parse(callback.text)).toEqual({ state: { returnTo: '/secret-page' } });
  });

  it('fails cleanly, never with a 500, for a tampered or malformed cookie', async () => {
    const app = await site(new KvixiCookieStore({ secret: SECRET }));
    const browser = new HttpBrowser();
    await browser.go(`${app.url}/auth/kvixi`);
    const value = browser.cookies(app.url).get('kvixi_pending')!;
    const [id, iv, sealed, tag] = value.split('.') as [string, string, string, string];
    const flipped = Buffer.from(sealed, 'base64url');
    flipped[0] = flipped[0]! ^ 1;
    const tampered = [id, iv, flipped.toString('base64url'), tag].join('.');
    for (const cookie of [tampered, 'garbage', `${id}.x.y.z`, '....', '']) {
      const res = await new HttpBrowser().go(`${app.url}/auth/kvixi/callback?auth_key=abcdefgh`, {
        headers: { cookie: `kvixi_pending=${cookie}` },
      });
      expect(res.status).toBe(403);
      expect(JSON.parse(res.text).code).toBe('ERR_KVIXI_NO_PENDING_LOGIN');
    }
    expect(app.errors).toEqual([]);
  });

  it('refuses a cookie sealed by another secret, and opens one sealed by a rotated-out secret', async () => {
    const before = await site(new KvixiCookieStore({ secret: OLD_SECRET }));
    const browser = new HttpBrowser();
    await browser.go(`${before.url}/auth/kvixi`);
    const sealedWithOld = browser.cookies(before.url).get('kvixi_pending')!;

    const rotated = await site(new KvixiCookieStore({ secret: [SECRET, OLD_SECRET] }));
    const stranger = await site(new KvixiCookieStore({ secret: SECRET }));
    const refused = await new HttpBrowser().go(
      `${stranger.url}/auth/kvixi/callback?auth_key=${emu.issueAuthKey({ appId: stranger.appId, userId: janeId })}`,
      { headers: { cookie: `kvixi_pending=${sealedWithOld}` } },
    );
    expect(JSON.parse(refused.text).code).toBe('ERR_KVIXI_NO_PENDING_LOGIN');
    const opened = await new HttpBrowser().go(
      `${rotated.url}/auth/kvixi/callback?auth_key=${emu.issueAuthKey({ appId: rotated.appId, userId: janeId })}`,
      { headers: { cookie: `kvixi_pending=${sealedWithOld}` } },
    );
    expect(JSON.parse(opened.text)).toEqual({ user: { id: janeId } });
    // What the rotated store seals now, it seals with the new secret: the old-only store cannot open it.
    const fresh = new HttpBrowser();
    await fresh.go(`${rotated.url}/auth/kvixi`);
    const resealed = fresh.cookies(rotated.url).get('kvixi_pending')!;
    const oldOnly = await new HttpBrowser().go(`${before.url}/auth/kvixi/callback?auth_key=abcdefgh`, {
      headers: { cookie: `kvixi_pending=${resealed}` },
    });
    expect(JSON.parse(oldOnly.text).code).toBe('ERR_KVIXI_NO_PENDING_LOGIN');
  });

  it('refuses a cookie older than pendingLoginTTL by the strategy\'s clock', async () => {
    let now = Date.now();
    const app = await site(new KvixiCookieStore({ secret: SECRET }), { pendingLoginTTL: 60, now: () => now });
    const browser = new HttpBrowser();
    await browser.go(`${app.url}/auth/kvixi`);
    now += 61_000;
    const res = await browser.go(`${app.url}/auth/kvixi/callback?auth_key=${emu.issueAuthKey({ appId: app.appId, userId: janeId })}`);
    expect(JSON.parse(res.text).code).toBe('ERR_KVIXI_PENDING_LOGIN_EXPIRED');
  });

  it('throws a TypeError naming the option for a short or missing secret and a strict sameSite', () => {
    expect(() => new KvixiCookieStore({ secret: 'short' })).toThrow(/at least 32 characters/);
    expect(() => new KvixiCookieStore({ secret: undefined })).toThrow(/requires a secret option/);
    expect(() => new KvixiCookieStore({ secret: [SECRET, 'short'] })).toThrow(/at least 32 characters/);
    expect(() => new KvixiCookieStore({ secret: SECRET, sameSite: 'strict' as 'lax' })).toThrow(/sameSite/);
    expect(() => new KvixiCookieStore({ secret: SECRET, cookieName: '__Host-x' })).toThrow(/cookieName/);
  });
});

// The same login-CSRF guarantees, whichever store keeps the pending logins.
describe.each([
  ['the session store', () => new KvixiSessionStore(), true],
  ['the cookie store', () => new KvixiCookieStore({ secret: SECRET }), false],
] as const)('login CSRF with %s', (_name, makeStore, withSessions) => {
  it('refuses a forged callback this browser never started', async () => {
    const app = await site(makeStore(), {}, withSessions);
    const forged = await new HttpBrowser().go(
      `${app.url}/auth/kvixi/callback?auth_key=${emu.issueAuthKey({ appId: app.appId, userId: janeId })}`,
    );
    expect(JSON.parse(forged.text).code).toBe('ERR_KVIXI_NO_PENDING_LOGIN');
  });

  it('leaves no earlier pending login usable after a success, even replaying the cookies from before it', async () => {
    const app = await site(makeStore(), {}, withSessions);
    const browser = new HttpBrowser();
    await browser.go(`${app.url}/auth/kvixi`);
    await browser.go(`${app.url}/auth/kvixi`);
    const before = [...browser.cookies(app.url)].map(([k, v]) => `${k}=${v}`).join('; ');
    const login = await browser.go(`${app.url}/auth/kvixi/callback?auth_key=${emu.issueAuthKey({ appId: app.appId, userId: janeId })}`);
    expect(login.status).toBe(200);

    const attackerKey = emu.issueAuthKey({ appId: app.appId, userId: janeId });
    const exchanges = emu.requests.filter((request) => request.path === '/api/authorize').length;
    const forged = await browser.go(`${app.url}/auth/kvixi/callback?auth_key=${attackerKey}`);
    // Signed in (sessions), the browser goes on as Jane; without sessions it is refused. The forged key is never exchanged.
    expect(forged.status).toBe(withSessions ? 200 : 403);
    expect(emu.requests.filter((request) => request.path === '/api/authorize').length).toBe(exchanges);
    const replayed = await new HttpBrowser().go(`${app.url}/auth/kvixi/callback?auth_key=${attackerKey}`, {
      headers: { cookie: before },
    });
    expect(replayed.status).toBe(403);
    expect(JSON.parse(replayed.text).code).toBe('ERR_KVIXI_NO_PENDING_LOGIN');
  });

  it('uses up the pending login when Kvixi rejects the auth_key', async () => {
    const app = await site(makeStore(), {}, withSessions);
    const browser = new HttpBrowser();
    await browser.go(`${app.url}/auth/kvixi`);
    const rejected = await browser.go(`${app.url}/auth/kvixi/callback?auth_key=invented-key-123`);
    expect(JSON.parse(rejected.text).code).toBe('ERR_KVIXI_AUTH_KEY_REJECTED');
    const next = await browser.go(`${app.url}/auth/kvixi/callback?auth_key=${emu.issueAuthKey({ appId: app.appId, userId: janeId })}`);
    expect(JSON.parse(next.text).code).toBe('ERR_KVIXI_NO_PENDING_LOGIN');
  });

  it('lets only one of two racing callbacks through', async () => {
    const app = await site(makeStore(), {}, withSessions);
    const browser = new HttpBrowser();
    await browser.go(`${app.url}/auth/kvixi`);
    const cookie = [...browser.cookies(app.url)].map(([k, v]) => `${k}=${v}`).join('; ');
    emu.failNext('authorize', { type: 'delay', ms: 100 });
    const keys = [emu.issueAuthKey({ appId: app.appId, userId: janeId }), emu.issueAuthKey({ appId: app.appId, userId: janeId })];
    const results = await Promise.all(
      keys.map((key) => new HttpBrowser().go(`${app.url}/auth/kvixi/callback?auth_key=${key}`, { headers: { cookie } })),
    );
    expect(results.map((res) => res.status).sort()).toEqual([200, 403]);
  });
});

describe('the record of used logins under a flood of other logins', () => {
  it('still refuses an old copy of a used cookie after 200,000 other logins were recorded', async () => {
    const claimStore = new KvixiMemoryClaimStore();
    const app = await site(new KvixiCookieStore({ secret: SECRET }), { claimStore });
    const browser = new HttpBrowser();
    await browser.go(`${app.url}/auth/kvixi`);
    const copy = [...browser.cookies(app.url)].map(([k, v]) => `${k}=${v}`).join('; ');
    const login = await browser.go(`${app.url}/auth/kvixi/callback?auth_key=${emu.issueAuthKey({ appId: app.appId, userId: janeId })}`);
    expect(login.status).toBe(200);

    // What an attacker's junk logins (start, then a rejected auth_key) leave in the record, claimed
    // directly: through HTTP, 200,000 of them would take minutes.
    let recorded = 0;
    for (let i = 0; i < 200_000; i++) if (await claimStore.claim(`passport-kvixi:kvixi:${randomUUID()}`, 660_000)) recorded++;
    expect(recorded).toBe(200_000);

    const replayed = await new HttpBrowser().go(
      `${app.url}/auth/kvixi/callback?auth_key=${emu.issueAuthKey({ appId: app.appId, userId: janeId })}`,
      { headers: { cookie: copy } },
    );
    expect(replayed.status).toBe(403);
    expect(JSON.parse(replayed.text).code).toBe('ERR_KVIXI_NO_PENDING_LOGIN');
  });
});
