import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type KvixiEmulator } from '../lib/emulator/index.js';
import { KvixiStrategy } from '../lib/index.js';
import { buildApp } from './support/app.js';
import { Jar } from './support/cookie-jar.js';

// Cookie tossing: a sibling subdomain (evil.example.com) sets a cookie named like the app's session
// cookie for the parent domain with a more specific Path=/auth/kvixi/callback, so the browser sends
// it first on the callback. The planted session holds the attacker's own pending login; the
// attacker's auth_key must not sign the victim in with it. Express 5 + express-session + passport
// 0.7 behind a TLS proxy (X-Forwarded-Proto: https, trust proxy), against the emulator.

const HTTPS = { 'x-forwarded-proto': 'https' };

let emu: KvixiEmulator;
let jane: string;
let mallory: string;
let app: ReturnType<typeof buildApp>;
let appId: string;

beforeAll(async () => {
  emu = await startEmulator({
    users: [
      { username: 'jane', firstname: 'Jane', lastname: "O'Brien" },
      { username: 'mallory', firstname: 'Mallory', lastname: 'Evil' },
    ],
  });
  [jane, mallory] = emu.users.map((user) => user.userId) as [string, string];
});
afterAll(() => emu.close());

beforeEach(() => {
  const registered = emu.registerApp({ name: 'Tossing', redirectURL: 'https://app.example.com/auth/kvixi/callback' });
  appId = registered.appId;
  app = buildApp(
    new KvixiStrategy(
      { appId, appSecret: registered.appSecret, baseURL: emu.url, callbackURL: '/auth/kvixi/callback' },
      (_tokens, profile, done) => done(null, { id: profile.id, name: profile.displayName }),
    ),
  );
  app.set('trust proxy', 'loopback');
  emu.clearRequests();
});

const exchanges = () => emu.requests.filter((entry) => entry.path === '/api/authorize').length;

/** The attacker starts a login in their own browser: their session now holds their pending login. */
async function attackerSession(): Promise<Jar> {
  const jar = new Jar();
  jar.keep(await request(app).get('/auth/kvixi').set(HTTPS).expect(302));
  return jar;
}

/** The victim's signed-in browser: a login of Jane's own, through to the session. */
async function signedInVictim(): Promise<Jar> {
  const jar = new Jar();
  jar.keep(await request(app).get('/auth/kvixi').set(HTTPS).expect(302));
  const done = await request(app)
    .get(`/auth/kvixi/callback?auth_key=${emu.issueAuthKey({ appId, userId: jane })}`)
    .set(HTTPS)
    .set('cookie', jar.header());
  expect(done.status).toBe(200);
  return jar.keep(done);
}

/**
 * The forged callback as the victim's browser sends it: the tossed session cookie first (more
 * specific path), then the victim's own cookies. The attacker also tosses a plain binding cookie,
 * which over https does not count.
 */
async function forgedCallback(victim: Jar, attacker: Jar) {
  const binding = attacker.cookies.get('__Host-kvixi_browser');
  const tossed = `connect.sid=${attacker.get('connect.sid')}${binding === undefined ? '' : `; kvixi_browser=${binding}`}`;
  const own = victim.header();
  const res = await request(app)
    .get(`/auth/kvixi/callback?auth_key=${emu.issueAuthKey({ appId, userId: mallory })}`)
    .set(HTTPS)
    .set('cookie', own ? `${tossed}; ${own}` : tossed);
  victim.keep(res);
  return res;
}

async function whoIs(jar: Jar): Promise<unknown> {
  return (await request(app).get('/me').set(HTTPS).set('cookie', jar.header())).body.user;
}

describe('a session cookie tossed from a sibling subdomain onto the callback', () => {
  it('cannot sign a signed-out victim in as the attacker, since its pending login is bound to the attacker\'s browser', async () => {
    const attacker = await attackerSession();
    // The victim visited the site and left a login unfinished: a session and a binding cookie of her own.
    const victim = new Jar().keep(await request(app).get('/auth/kvixi').set(HTTPS).expect(302));

    const forged = await forgedCallback(victim, attacker);
    expect(forged.status).toBe(403);
    expect(forged.body.failure).toMatchObject({ code: 'ERR_KVIXI_NO_PENDING_LOGIN', reason: 'not-started-here' });
    expect(await whoIs(victim)).toBeNull();
    expect(exchanges()).toBe(0);
  });

  it('cannot sign a victim who never visited in as the attacker', async () => {
    const attacker = await attackerSession();
    const forged = await forgedCallback(new Jar(), attacker);
    expect(forged.status).toBe(403);
    expect(forged.body.failure.code).toBe('ERR_KVIXI_NO_PENDING_LOGIN');
    expect(exchanges()).toBe(0);
  });

  it('cannot switch a signed-in victim to the attacker\'s account', async () => {
    const victim = await signedInVictim();
    const attacker = await attackerSession();
    emu.clearRequests();

    const forged = await forgedCallback(victim, attacker);
    expect(forged.status).toBe(403);
    expect(forged.body.failure.code).toBe('ERR_KVIXI_NO_PENDING_LOGIN');
    expect(await whoIs(victim)).toEqual({ id: jane, name: "Jane O'Brien" });
    expect(exchanges()).toBe(0);
  });

  it('still lets the attacker finish their own login in their own browser', async () => {
    const attacker = await attackerSession();
    const own = await request(app)
      .get(`/auth/kvixi/callback?auth_key=${emu.issueAuthKey({ appId, userId: mallory })}`)
      .set(HTTPS)
      .set('cookie', attacker.header());
    expect(own.status).toBe(200);
    expect(own.body.user).toEqual({ id: mallory, name: 'Mallory Evil' });
  });
});

describe('the browser binding cookie', () => {
  it('is __Host- prefixed, Secure, HttpOnly, SameSite=Lax, on Path=/ without Domain over https, and lives about the login\'s lifetime', async () => {
    const start = await request(app).get('/auth/kvixi').set(HTTPS).expect(302);
    const line = (start.headers['set-cookie'] as unknown as string[]).find((cookie) => cookie.startsWith('__Host-kvixi_browser='));
    expect(line).toMatch(/^__Host-kvixi_browser=[\w-]{43}; Max-Age=900; Path=\/; HttpOnly; SameSite=Lax; Secure$/);
  });

  it('has no prefix and no Secure over plain http, so localhost development works', async () => {
    const start = await request(app).get('/auth/kvixi').expect(302);
    const line = (start.headers['set-cookie'] as unknown as string[]).find((cookie) => cookie.startsWith('kvixi_browser='));
    expect(line).toMatch(/^kvixi_browser=[\w-]{43}; Max-Age=900; Path=\/; HttpOnly; SameSite=Lax$/);
  });

  it('keeps one value per browser, so logins started in two tabs both stay usable', async () => {
    const jar = new Jar().keep(await request(app).get('/auth/kvixi').set(HTTPS).expect(302));
    const first = jar.get('__Host-kvixi_browser');
    jar.keep(await request(app).get('/auth/kvixi').set(HTTPS).set('cookie', jar.header()).expect(302));
    expect(jar.get('__Host-kvixi_browser')).toBe(first);
    const done = await request(app)
      .get(`/auth/kvixi/callback?auth_key=${emu.issueAuthKey({ appId, userId: jane })}`)
      .set(HTTPS)
      .set('cookie', jar.header());
    expect(done.status).toBe(200);
  });

  it('is needed at the callback: a session whose binding cookie did not arrive signs nobody in', async () => {
    const jar = new Jar().keep(await request(app).get('/auth/kvixi').set(HTTPS).expect(302));
    const res = await request(app)
      .get(`/auth/kvixi/callback?auth_key=${emu.issueAuthKey({ appId, userId: jane })}`)
      .set(HTTPS)
      .set('cookie', `connect.sid=${jar.get('connect.sid')}`);
    expect(res.status).toBe(403);
    expect(res.body.failure.code).toBe('ERR_KVIXI_NO_PENDING_LOGIN');
    expect(exchanges()).toBe(0);
  });

  it('is needed for a pending login kept before bindings existed: such a login signs nobody in', async () => {
    // What an earlier version of the strategy kept in the session: no binding.
    app.get('/start-as-before', (req, res) => {
      (req.session as unknown as Record<string, unknown>)['passport-kvixi:kvixi'] = [{ nonce: 'an-old-nonce', createdAt: Date.now() }];
      res.end();
    });
    const old = new Jar().keep(await request(app).get('/start-as-before').set(HTTPS).expect(200));
    // With a binding cookie of this site at hand, as the browser has after any newer start.
    const newer = new Jar().keep(await request(app).get('/auth/kvixi').set(HTTPS).expect(302));
    old.cookies.set('__Host-kvixi_browser', newer.get('__Host-kvixi_browser'));
    emu.clearRequests();
    const res = await request(app)
      .get(`/auth/kvixi/callback?auth_key=${emu.issueAuthKey({ appId, userId: mallory })}`)
      .set(HTTPS)
      .set('cookie', old.header());
    expect(res.status).toBe(403);
    expect(res.body.failure.code).toBe('ERR_KVIXI_NO_PENDING_LOGIN');
    expect(exchanges()).toBe(0);
  });
});
