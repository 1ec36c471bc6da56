import express, { type NextFunction, type Request, type Response } from 'express';
import session from 'express-session';
import { Passport } from 'passport';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type KvixiEmulator } from '../lib/emulator/index.js';
import { KvixiCookieStore, KvixiStrategy, type KvixiLoginFailure, type KvixiPendingLoginStore } from '../lib/index.js';
import { Jar } from './support/cookie-jar.js';

// ERR_KVIXI_NO_PENDING_LOGIN says which of two things went wrong, in `reason` and the message:
// nothing of the login's start came back with the callback ('no-cookie': another host, port or
// scheme, cookies blocked, a SameSite=Strict session cookie), or this browser's cookies came
// back but hold no pending login ('not-started-here': already used, or another browser's).
// Express 5 + express-session + passport 0.7 against the emulator; the requests carry the
// cookies a browser would send.

const NO_COOKIE_MESSAGE =
  'This login came back without the cookies it started with: it may have started on another address ' +
  '(host, port or http/https) than the one it came back to, or this browser blocks cookies. Please start again.';
const NOT_STARTED_HERE_MESSAGE = 'This login link was already used or was not started in this browser.';

let emu: KvixiEmulator;
let jane: string;

beforeAll(async () => {
  emu = await startEmulator({ users: [{ username: 'jane', firstname: 'Jane', lastname: "O'Brien" }] });
  jane = emu.users[0]!.userId;
});
afterAll(() => emu.close());

interface SiteOptions {
  store?: KvixiPendingLoginStore;
  sameSite?: 'lax' | 'strict';
}

/** An app whose callback answers `{ user }` or `{ failure }`; `clock.now` is the strategy's clock. */
function site(options: SiteOptions = {}) {
  const { appId, appSecret } = emu.registerApp({ name: 'Reasons', redirectURL: 'http://localhost:3000/auth/kvixi/callback' });
  const clock = { now: Date.now() };
  const passport = new Passport();
  passport.use(
    new KvixiStrategy(
      { appId, appSecret, baseURL: emu.url, callbackURL: '/auth/kvixi/callback', store: options.store, now: () => clock.now },
      async (_tokens, profile) => ({ id: profile.id }),
    ),
  );
  passport.serializeUser((user, done) => done(null, user));
  passport.deserializeUser((user: Express.User, done) => done(null, user));
  const app = express();
  app.use(session({ secret: 's', resave: false, saveUninitialized: false, cookie: { sameSite: options.sameSite ?? 'lax' } }));
  app.use(passport.session());
  const sessions = options.store === undefined;
  app.get('/auth/kvixi', passport.authenticate('kvixi', { session: sessions }));
  app.get('/auth/kvixi/callback', (req, res, next) => {
    passport.authenticate('kvixi', { session: sessions }, (err: unknown, user: unknown, info: KvixiLoginFailure) => {
      if (err) return next(err);
      if (!user) return res.status(403).json({ failure: info });
      res.json({ user });
    })(req, res, next);
  });
  app.post('/logout', (req, res, next) => req.logout((err) => (err ? next(err) : res.end())));
  app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => res.status(500).json({ error: err.message }));

  const start = async (jar: Jar) => jar.keep(await request(app).get('/auth/kvixi').set('cookie', jar.header()).expect(302));
  const callback = async (cookie: string) => {
    const res = await request(app).get(`/auth/kvixi/callback?auth_key=${emu.issueAuthKey({ appId, userId: jane })}`).set('cookie', cookie);
    return res;
  };
  return { app, clock, start, callback };
}

describe('a callback without any pending login, on the session store', () => {
  it("is 'no-cookie' when none of the start's cookies came back (the site opened on 127.0.0.1, the redirect URL on localhost)", async () => {
    const { start, callback } = site();
    await start(new Jar()); // on 127.0.0.1: its cookies stay there
    const res = await callback(''); // on localhost: a browser sends none of them
    expect(res.status).toBe(403);
    expect(res.body.failure).toEqual({ code: 'ERR_KVIXI_NO_PENDING_LOGIN', reason: 'no-cookie', message: NO_COOKIE_MESSAGE });
  });

  it("is 'no-cookie' when the session cookie is SameSite=Strict, which the browser keeps back on Kvixi's redirect", async () => {
    const { start, callback } = site({ sameSite: 'strict' });
    const jar = await start(new Jar());
    // A cross-site navigation carries the Lax binding cookie, not the Strict session cookie.
    const res = await callback(jar.header('kvixi_browser'));
    expect(res.body.failure).toMatchObject({ code: 'ERR_KVIXI_NO_PENDING_LOGIN', reason: 'no-cookie' });
  });

  it("is 'not-started-here' when the browser's cookies came back but its login was already used", async () => {
    const { start, callback, app } = site();
    const jar = await start(new Jar());
    const first = await callback(jar.header());
    expect(first.status).toBe(200);
    jar.keep(first);
    jar.keep(await request(app).post('/logout').set('cookie', jar.header()));
    const replay = await callback(jar.header());
    expect(replay.status).toBe(403);
    expect(replay.body.failure).toEqual({
      code: 'ERR_KVIXI_NO_PENDING_LOGIN',
      reason: 'not-started-here',
      message: NOT_STARTED_HERE_MESSAGE,
    });
  });

  it("is 'not-started-here' when the login was started in another browser of this site", async () => {
    const { start, callback } = site();
    const other = await start(new Jar());
    const mine = await start(new Jar());
    // This browser's binding cookie with the other browser's session: none of its logins is this browser's.
    const res = await callback(`connect.sid=${other.get('connect.sid')}; kvixi_browser=${mine.get('kvixi_browser')}`);
    expect(res.body.failure).toMatchObject({ code: 'ERR_KVIXI_NO_PENDING_LOGIN', reason: 'not-started-here' });
  });

  it('stays ERR_KVIXI_PENDING_LOGIN_EXPIRED when the login took too long, even after its binding cookie is gone', async () => {
    const { start, callback, clock } = site();
    const jar = await start(new Jar());
    clock.now += 601_000;
    expect((await callback(jar.header())).body.failure.code).toBe('ERR_KVIXI_PENDING_LOGIN_EXPIRED');
    const late = await start(new Jar());
    clock.now += 3_600_000;
    const res = await callback(late.header('connect.sid'));
    expect(res.status).toBe(403);
    expect(res.body.failure.code).toBe('ERR_KVIXI_PENDING_LOGIN_EXPIRED');
  });
});

describe('a callback without any pending login, on the cookie store', () => {
  const store = () => new KvixiCookieStore({ secret: 'a secret of at least thirty-two characters' });

  it("is 'no-cookie' when the store's cookie did not come back", async () => {
    const { start, callback } = site({ store: store() });
    await start(new Jar());
    const res = await callback('');
    expect(res.body.failure).toEqual({ code: 'ERR_KVIXI_NO_PENDING_LOGIN', reason: 'no-cookie', message: NO_COOKIE_MESSAGE });
  });

  it("is 'not-started-here' when the browser replays a callback whose login it already used", async () => {
    const { start, callback } = site({ store: store() });
    const jar = await start(new Jar());
    const first = await callback(jar.header());
    expect(first.status).toBe(200);
    const replay = await callback(jar.keep(first).header());
    expect(replay.body.failure).toEqual({
      code: 'ERR_KVIXI_NO_PENDING_LOGIN',
      reason: 'not-started-here',
      message: NOT_STARTED_HERE_MESSAGE,
    });
  });

  it("is 'not-started-here' when the cookie came back but opens to nothing (another site's, or tampered)", async () => {
    const { callback } = site({ store: store() });
    const res = await callback('kvixi_pending=abc.def.ghi.jkl');
    expect(res.body.failure).toMatchObject({ code: 'ERR_KVIXI_NO_PENDING_LOGIN', reason: 'not-started-here' });
  });
});

describe('a callback without any pending login, on a custom store that gives no reason', () => {
  const silentStore: KvixiPendingLoginStore = {
    add: async () => undefined,
    consume: async () => ({ status: 'none' }),
    clear: async () => undefined,
  };

  it("is 'no-cookie' when the request carries no cookie at all, 'not-started-here' when it carries some", async () => {
    const { callback } = site({ store: silentStore });
    expect((await callback('')).body.failure).toMatchObject({ code: 'ERR_KVIXI_NO_PENDING_LOGIN', reason: 'no-cookie' });
    expect((await callback('theme=dark')).body.failure).toMatchObject({ code: 'ERR_KVIXI_NO_PENDING_LOGIN', reason: 'not-started-here' });
  });
});
