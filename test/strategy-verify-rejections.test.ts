import express, { type NextFunction, type Request, type Response } from 'express';
import session from 'express-session';
import nock from 'nock';
import { Passport } from 'passport';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { KvixiStrategy, type KvixiVerify } from '../lib/index.js';
import { APP_ID, APP_SECRET, AUTH_KEY, BASE_URL, mockSuccessfulLogin } from './support/provider.js';

// A verify that throws or rejects is an error for the app's error handler, whatever the value,
// falsy ones (0, '', false) included: never a clean login failure.
beforeAll(() => { nock.disableNetConnect(); nock.enableNetConnect('127.0.0.1'); });
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

function host(verify: KvixiVerify) {
  const passport = new Passport();
  passport.use(new KvixiStrategy({ appId: APP_ID, appSecret: APP_SECRET, baseURL: BASE_URL, callbackURL: '/auth/kvixi/callback' }, verify));
  passport.serializeUser((u, d) => d(null, u));
  passport.deserializeUser((u: Express.User, d) => d(null, u));
  const errors: unknown[] = [];
  const app = express();
  app.use(session({ secret: 't', resave: false, saveUninitialized: false }));
  app.use(passport.session());
  app.get('/auth/kvixi', passport.authenticate('kvixi'));
  app.get('/auth/kvixi/callback', passport.authenticate('kvixi', { failWithError: true }), (req, res) => res.json({ user: req.user }));
  app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
    if (err.name === 'AuthenticationError') return res.status(401).json({ failed: true });
    errors.push(err);
    res.status(500).json({ error: true });
  });
  return { agent: request.agent(app), errors };
}

it.each([
  ['rejects with 0', (async () => { throw 0; }) as unknown as KvixiVerify],
  ['rejects with an empty string', (() => Promise.reject('')) as unknown as KvixiVerify],
  ['throws false synchronously', (() => { throw false; }) as unknown as KvixiVerify],
])('a verify that %s reaches the error handler, not a login failure', async (_name, verify) => {
  const { agent, errors } = host(verify);
  await agent.get('/auth/kvixi').expect(302);
  mockSuccessfulLogin();
  const res = await agent.get(`/auth/kvixi/callback?auth_key=${AUTH_KEY}`);
  expect({ status: res.status, errors: errors.length }).toEqual({ status: 500, errors: 1 });
});
