// The README's "Testing your app" recipes, run exactly as written against the built package
// (`npm test` builds first), imported by its published names as a user's test suite would.
// #region recipe: testing-setup
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import session from 'express-session';
import passport from 'passport';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest'; // or Jest's globals
import { KvixiStrategy } from 'passport-kvixi';
import { startEmulator, type KvixiEmulator } from 'passport-kvixi/emulator';

let emu: KvixiEmulator;
let server: Server;
let appURL: string;

beforeAll(async () => {
  // Listen first: the app's address is the redirect URL the emulator sends browsers to.
  server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  appURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  emu = await startEmulator({
    users: [{ username: 'jane', firstname: 'Jane', lastname: "O'Brien" }],
    apps: [{ name: 'Test', redirectURL: `${appURL}/auth/kvixi/callback` }],
  });
  const [{ appId, appSecret }] = emu.apps;

  passport.use(new KvixiStrategy(
    { appId, appSecret, baseURL: emu.url, callbackURL: '/auth/kvixi/callback' },
    (_tokens, profile, done) => done(null, { id: profile.id, name: profile.displayName }),
  ));
  passport.serializeUser((user, done) => done(null, user));
  passport.deserializeUser((user: Express.User, done) => done(null, user));

  const app = express();
  app.use(session({ secret: 'test', resave: false, saveUninitialized: false }));
  app.use(passport.session());
  app.get('/auth/kvixi', passport.authenticate('kvixi'));
  app.get('/auth/kvixi/callback', passport.authenticate('kvixi', { failureRedirect: '/login' }), (req, res) => res.json(req.user));
  server.on('request', app);
});
beforeEach(() => emu.reset()); // no approval, fault or queued login is left by the test before
afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await emu.close();
});
// #endregion

// #region recipe: testing-supertest
// In the test file of "Testing your app" above: emu, server.
it('logs Jane in', async () => {
  const jane = emu.users[0];
  emu.enqueueLogin({ userId: jane.userId }); // the next visit to Kvixi's login page: Jane approves
  const res = await request.agent(server).get('/auth/kvixi').redirects(20); // as a browser: all of them
  expect(res.redirects.at(-1)).toMatch(`${appURL}/auth/kvixi/callback?auth_key=`);
  expect(res.body).toEqual({ id: jane.userId, name: "Jane O'Brien" });
});

it('stays signed out when Jane cancels', async () => {
  emu.enqueueLogin({ userId: emu.users[0].userId, decision: 'cancel' });
  const res = await request.agent(server).get('/auth/kvixi').redirects(20);
  expect(res.redirects.at(-1)).toBe(`${emu.url}/`); // Cancel leads to Kvixi's home page
});
// #endregion

// #region recipe: testing-fetch
// In the test file of "Testing your app" above: emu, appURL.
it('logs Jane in with fetch', async () => {
  emu.enqueueLogin({ userId: emu.users[0].userId });
  const start = await fetch(`${appURL}/auth/kvixi`, { redirect: 'manual' });
  const back = await fetch(start.headers.get('location')!, { redirect: 'manual' }); // Kvixi answers at once
  const cookie = start.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const res = await fetch(back.headers.get('location')!, { headers: { cookie } });
  expect(await res.json()).toEqual({ id: emu.users[0].userId, name: "Jane O'Brien" });
});
// #endregion

// #region recipe: testing-faults
// In the test file of "Testing your app" above: emu, server.
it('fails the login when Kvixi answers 502', async () => {
  emu.enqueueLogin({ userId: emu.users[0].userId });
  emu.failNext('authorize', { type: 'http', status: 502, body: 'Bad Gateway' });
  const res = await request.agent(server).get('/auth/kvixi').redirects(20);
  expect(res.status).toBe(502); // Express's default handler answers with the error's status
});
// #endregion

// #region recipe: testing-clock
// In the test file of "Testing your app" above: emu.
it('moves the clock the strategy reads', () => {
  const now = emu.now; // bound: hand it on as a clock, e.g. new KvixiStrategy({ ..., now: emu.now }, verify)
  const before = now();
  emu.advance(601); // past the default pendingLoginTTL of 600 seconds
  expect(now() - before).toBeGreaterThanOrEqual(601_000);
});
// #endregion

it('reads the same clock before and after reset', () => {
  emu.advance(3600);
  emu.reset();
  expect(Math.abs(emu.now() - Date.now())).toBeLessThan(1000);
});
