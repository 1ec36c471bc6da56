import express, { type NextFunction, type Request, type Response } from 'express';
import session from 'express-session';
import nock from 'nock';
import { Passport } from 'passport';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KvixiStrategy, type KvixiVerify } from '../lib/index.js';
import { APP_ID, APP_SECRET, AUTH_KEY, BASE_URL, mockSuccessfulLogin } from './support/provider.js';

// passport.authorize('kvixi') puts what verify returned, the Kvixi account, on req.account, and
// the route links it to the signed-in req.user. A callback with no pending login (a link another
// site sent the signed-in user, a reload) links nothing: it must fail, never hand the route the
// signed-in user as the "account", which a route like Passport's own example would then save
// as a linked account (`account.userId = user.id; account.save()`).
beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

interface KvixiAccount {
  kvixiId: string;
}

function linkingApp() {
  const passport = new Passport();
  const verify: KvixiVerify = async (_tokens, profile) => ({ kvixiId: profile.id }) as unknown as Express.User;
  passport.use(new KvixiStrategy({ appId: APP_ID, appSecret: APP_SECRET, baseURL: BASE_URL, callbackURL: '/auth/kvixi/callback' }, verify));
  passport.serializeUser((user, done) => done(null, user));
  passport.deserializeUser((user: Express.User, done) => done(null, user));
  const linked: Array<{ userId: unknown; account: unknown }> = [];
  const app = express();
  app.use(session({ secret: 't', resave: false, saveUninitialized: false }));
  app.use(passport.session());
  app.post('/test/sign-in', (req, res, next) => {
    req.login({ id: 'ann' } as Express.User, (err) => (err ? next(err) : res.sendStatus(204)));
  });
  app.get('/auth/kvixi', passport.authenticate('kvixi'));
  app.get('/auth/kvixi/callback', passport.authorize('kvixi', { failureRedirect: '/account?link=failed' }), (req, res) => {
    const account = (req as Request & { account?: KvixiAccount }).account;
    linked.push({ userId: (req.user as { id?: unknown } | undefined)?.id, account });
    res.redirect('/account?link=done');
  });
  app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
    res.status(500).json({ error: err.message });
  });
  return { agent: request.agent(app), linked };
}

const crossSiteNavigation = { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' };

describe('passport.authorize and a signed-in browser with no pending login', () => {
  it('fails a forged callback (ERR_KVIXI_NO_PENDING_LOGIN) and links nothing: req.account is never the signed-in user', async () => {
    const { agent, linked } = linkingApp();
    await agent.post('/test/sign-in').expect(204);
    const forged = await agent.get(`/auth/kvixi/callback?auth_key=${AUTH_KEY}`).set(crossSiteNavigation);
    expect(forged.status).toBe(302);
    expect(forged.headers.location).toBe('/account?link=failed');
    expect(linked).toEqual([]);
  });

  it('fails a reload of the used callback after a link, and links nothing again', async () => {
    const { agent, linked } = linkingApp();
    await agent.post('/test/sign-in').expect(204);
    await agent.get('/auth/kvixi').expect(302);
    mockSuccessfulLogin();
    expect((await agent.get(`/auth/kvixi/callback?auth_key=${AUTH_KEY}`)).headers.location).toBe('/account?link=done');
    expect(linked).toEqual([{ userId: 'ann', account: { kvixiId: '5' } }]);
    const reload = await agent.get(`/auth/kvixi/callback?auth_key=${AUTH_KEY}`);
    expect(reload.headers.location).toBe('/account?link=failed');
    expect(linked).toHaveLength(1);
  });
});
