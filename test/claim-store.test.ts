import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import session from 'express-session';
import { Passport } from 'passport';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type KvixiEmulator } from '../lib/emulator/index.js';
import { KvixiError, KvixiMemoryClaimStore, KvixiStrategy, type KvixiClaimStore } from '../lib/index.js';
import { HttpBrowser } from './support/http-browser.js';

// The record of used pending logins: the in-process store on its own, then the strategy's use of
// a claim store through a real Express 5 + express-session + passport 0.7 app.

const T0 = 1_700_000_000_000;

/** A memory claim store on a clock the test moves. */
function clocked(options: { maxClaims?: number } = {}) {
  const clock = { now: T0 };
  return { clock, store: new KvixiMemoryClaimStore({ ...options, now: () => clock.now }) };
}

describe('KvixiMemoryClaimStore', () => {
  it('answers true to the first claim of an id and false to every later one while it lives', async () => {
    const { store } = clocked();
    expect(await store.claim('login-1', 60_000)).toBe(true);
    expect(await store.claim('login-1', 60_000)).toBe(false);
    expect(await store.claim('login-2', 60_000)).toBe(true);
  });

  it('answers true to exactly one of many concurrent claims of an id', async () => {
    const { store } = clocked();
    const answers = await Promise.all(Array.from({ length: 50 }, () => store.claim('login-1', 60_000)));
    expect(answers.filter(Boolean)).toHaveLength(1);
  });

  it('keeps a claim for its ttlMs and lets the id be claimed again once it expired', async () => {
    const { clock, store } = clocked();
    expect(await store.claim('login-1', 10_000)).toBe(true);
    clock.now = T0 + 9_999;
    expect(await store.claim('login-1', 10_000)).toBe(false);
    clock.now = T0 + 11_000;
    expect(await store.claim('login-1', 10_000)).toBe(true);
  });

  it('never lets a claimed id be claimed again while it lives, after a flood of 200,000 other claims', async () => {
    const { clock, store } = clocked();
    expect(await store.claim('used-login', 600_000)).toBe(true);
    for (let i = 0; i < 200_000; i++) {
      if (i % 1000 === 0) clock.now += 1000; // 200 s of junk logins
      await store.claim(`junk-${i}`, 600_000);
    }
    expect(await store.claim('used-login', 600_000)).toBe(false);
  });

  it('drops claims by the second once their second has passed, and only then', async () => {
    const { clock, store } = clocked();
    for (let i = 0; i < 1000; i++) await store.claim(`early-${i}`, 5_000);
    for (let i = 0; i < 1000; i++) await store.claim(`late-${i}`, 60_000);
    expect(store.size).toBe(2000);
    clock.now = T0 + 4_000;
    await store.claim('probe-1', 1);
    expect(store.size).toBe(2001);
    clock.now = T0 + 6_000;
    await store.claim('probe-2', 1);
    // The early claims and the first probe are gone; the late ones live on.
    expect(store.size).toBe(1001);
    expect(await store.claim('late-0', 60_000)).toBe(false);
    clock.now = T0 + 61_000;
    await store.claim('probe-3', 1);
    expect(store.size).toBe(1);
  });

  it('fails closed when full: a new claim rejects with ERR_KVIXI_CLAIM_STORE_FULL, a used id stays used', async () => {
    const { clock, store } = clocked({ maxClaims: 3 });
    for (const id of ['a', 'b', 'c']) expect(await store.claim(id, 10_000)).toBe(true);
    const full = await store.claim('d', 10_000).catch((err: unknown) => err);
    expect(full).toBeInstanceOf(KvixiError);
    expect((full as KvixiError).code).toBe('ERR_KVIXI_CLAIM_STORE_FULL');
    expect(await store.claim('a', 10_000)).toBe(false);
    clock.now = T0 + 11_000;
    expect(await store.claim('d', 10_000)).toBe(true);
  });

  it('still drops expired claims after the clock went back (NTP, a VM restored), so the store does not fill up', async () => {
    const { clock, store } = clocked({ maxClaims: 2 });
    expect(await store.claim('before-the-jump', 1_000)).toBe(true);
    clock.now = T0 - 3_600_000; // an hour back
    expect(await store.claim('short', 1_000)).toBe(true);
    clock.now += 2_000; // 'short' has expired on the clock it was claimed by
    // Held until its second by the later clock, as every claim is: never claimable early.
    expect(await store.claim('before-the-jump', 1_000)).toBe(false);
    expect(await store.claim('next', 1_000)).toBe(true);
    expect(store.size).toBe(2);
  });

  it('rejects a claim without an id or a positive ttlMs, and bad options, with a TypeError', async () => {
    const { store } = clocked();
    await expect(store.claim(5 as unknown as string, 1000)).rejects.toThrow(TypeError);
    await expect(store.claim('x', 0)).rejects.toThrow(/ttlMs must be a positive number/);
    await expect(store.claim('x', Number.NaN)).rejects.toThrow(TypeError);
    expect(() => new KvixiMemoryClaimStore({ maxClaims: 0 })).toThrow(/maxClaims must be a positive integer/);
  });
});

let emu: KvixiEmulator;
let janeId: string;
const servers: Server[] = [];

beforeAll(async () => {
  emu = await startEmulator({ users: [{ username: 'jane', firstname: 'Jane' }] });
  janeId = emu.users[0]!.userId;
});
afterEach(async () => {
  emu.clearRequests();
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});
afterAll(() => emu.close());

/** An app with express-session whose strategy records used logins in `claimStore`. */
async function site(claimStore: KvixiClaimStore) {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { appId, appSecret } = emu.registerApp({ name: 'Claims', redirectURL: `${url}/auth/kvixi/callback` });
  const passport = new Passport();
  passport.use(
    new KvixiStrategy({ appId, appSecret, baseURL: emu.url, callbackURL: '/auth/kvixi/callback', claimStore }, async (_t, profile) => ({
      id: profile.id,
    })),
  );
  passport.serializeUser((user, done) => done(null, user));
  passport.deserializeUser((user: Express.User, done) => done(null, user));
  const errors: string[] = [];
  const app = express();
  app.use(session({ secret: 'test', resave: false, saveUninitialized: false }));
  app.use(passport.session());
  app.get('/auth/kvixi', passport.authenticate('kvixi'));
  app.get('/auth/kvixi/callback', (req, res, next) => {
    passport.authenticate('kvixi', (err: unknown, user: Express.User | false, info: { code?: string }) => {
      if (err) return next(err);
      if (!user) return res.status(403).json({ code: info?.code ?? null });
      req.logIn(user, (loginErr) => (loginErr ? next(loginErr) : res.json({ user })));
    })(req, res, next);
  });
  app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
    errors.push(err.message);
    res.status(500).json({ error: err.message });
  });
  server.on('request', app);
  return { url, appId, errors };
}

/** A claim store that answers as told and remembers what it was asked. */
function scripted(answer: (id: string) => Promise<unknown>) {
  const asked: Array<{ id: string; ttlMs: number }> = [];
  const store = {
    claim: (id: string, ttlMs: number) => {
      asked.push({ id, ttlMs });
      return answer(id) as Promise<boolean>;
    },
  };
  return { store, asked };
}

const exchanges = () => emu.requests.filter((request) => request.path === '/api/authorize').length;

describe('the strategy and its claimStore', () => {
  it('claims the pending login under the strategy key for the rest of its life, plus the clock skew', async () => {
    const { store, asked } = scripted(async () => true);
    const app = await site(store);
    const browser = new HttpBrowser();
    await browser.go(`${app.url}/auth/kvixi`);
    const login = await browser.go(`${app.url}/auth/kvixi/callback?auth_key=${emu.issueAuthKey({ appId: app.appId, userId: janeId })}`);
    expect(login.status).toBe(200);
    expect(asked).toHaveLength(1);
    expect(asked[0]!.id).toMatch(/^passport-kvixi:kvixi:[0-9a-f-]{36}$/);
    // pendingLoginTTL (600 s) from the start, and the 60 s other instances' clocks may lag.
    expect(asked[0]!.ttlMs).toBeGreaterThan(655_000);
    expect(asked[0]!.ttlMs).toBeLessThanOrEqual(660_000);
  });

  it('refuses a login whose claim answers false as used (ERR_KVIXI_NO_PENDING_LOGIN), without asking Kvixi', async () => {
    const { store } = scripted(async () => false);
    const app = await site(store);
    const browser = new HttpBrowser();
    await browser.go(`${app.url}/auth/kvixi`);
    const callback = await browser.go(`${app.url}/auth/kvixi/callback?auth_key=${emu.issueAuthKey({ appId: app.appId, userId: janeId })}`);
    expect(callback.status).toBe(403);
    expect(JSON.parse(callback.text)).toEqual({ code: 'ERR_KVIXI_NO_PENDING_LOGIN' });
    expect(exchanges()).toBe(0);
  });

  it('reports a claim store that rejects (Redis down) as an error, without asking Kvixi', async () => {
    const { store } = scripted(async () => {
      throw new Error('claim store unavailable');
    });
    const app = await site(store);
    const browser = new HttpBrowser();
    await browser.go(`${app.url}/auth/kvixi`);
    const callback = await browser.go(`${app.url}/auth/kvixi/callback?auth_key=${emu.issueAuthKey({ appId: app.appId, userId: janeId })}`);
    expect(callback.status).toBe(500);
    expect(app.errors).toEqual(['claim store unavailable']);
    expect(exchanges()).toBe(0);
  });

  it('reports a claim store that answers neither true nor false as an error naming claim()', async () => {
    const { store } = scripted(async () => 'OK');
    const app = await site(store);
    const browser = new HttpBrowser();
    await browser.go(`${app.url}/auth/kvixi`);
    const callback = await browser.go(`${app.url}/auth/kvixi/callback?auth_key=${emu.issueAuthKey({ appId: app.appId, userId: janeId })}`);
    expect(callback.status).toBe(500);
    expect(app.errors).toEqual(['KvixiStrategy claimStore.claim() must resolve true or false']);
    expect(exchanges()).toBe(0);
  });

  it('claims the browser\'s other pending logins after a success, so no copy holding them is of use', async () => {
    const { store, asked } = scripted(async () => true);
    const app = await site(store);
    const browser = new HttpBrowser();
    await browser.go(`${app.url}/auth/kvixi`);
    await browser.go(`${app.url}/auth/kvixi`);
    await browser.go(`${app.url}/auth/kvixi/callback?auth_key=${emu.issueAuthKey({ appId: app.appId, userId: janeId })}`);
    expect(asked).toHaveLength(2);
    expect(new Set(asked.map((claim) => claim.id)).size).toBe(2);
  });

  it('throws a TypeError naming claimStore for one without a claim method', () => {
    expect(
      () => new KvixiStrategy({ appId: '1', appSecret: 's', claimStore: {} as KvixiClaimStore }, async () => false),
    ).toThrow('KvixiStrategy claimStore must have a claim method (a KvixiClaimStore)');
  });
});
