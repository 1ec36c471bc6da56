import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Passport, type AuthenticateOptions } from 'passport';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { startEmulator, type KvixiEmulator } from '../lib/emulator/index.js';
import { KvixiCookieStore, KvixiSessionStore, KvixiStrategy, type KvixiPendingLoginStore } from '../lib/index.js';
import { HttpBrowser } from './support/http-browser.js';

// Two Kvixi strategies in one app (two Sngine networks, or a "link account" strategy beside the
// login one): every store keeps their pending logins apart by `context.key`, so a login started
// with strategy A can never be finished by strategy B's callback, nor hand B A's state.
let emu: KvixiEmulator;
const servers: Server[] = [];
beforeAll(async () => { emu = await startEmulator({ users: [{ username: 'mallory', firstname: 'M', lastname: 'A' }] }); });
afterEach(async () => { for (const s of servers.splice(0)) { s.closeAllConnections(); await new Promise((r) => s.close(r)); } });
afterAll(() => emu.close());

it.each([['KvixiCookieStore'], ['KvixiSessionStore (for comparison)']])('%s: a login started with strategy A cannot be finished by strategy B', async (which) => {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const a = emu.registerApp({ name: 'A', redirectURL: `${url}/auth/a/callback` });
  const b = emu.registerApp({ name: 'B', redirectURL: `${url}/auth/b/callback` });
  const cookie = which === 'KvixiCookieStore';
  const makeStore = (): KvixiPendingLoginStore => (cookie ? new KvixiCookieStore({ secret: 'one secret for the app, forty characters' }) : new KvixiSessionStore());
  const passport = new Passport();
  for (const [name, app] of [['a', a], ['b', b]] as const) {
    passport.use(name, new KvixiStrategy({ name, appId: app.appId, appSecret: app.appSecret, baseURL: emu.url, callbackURL: `/auth/${name}/callback`, store: makeStore() }, async (_t, p) => ({ id: p.id })));
  }
  const app = express();
  if (!cookie) {
    const { default: session } = await import('express-session');
    app.use(session({ secret: 't', resave: false, saveUninitialized: false }));
  }
  app.get('/auth/a', passport.authenticate('a', { session: false, state: { intent: 'A only' } } as unknown as AuthenticateOptions));
  app.get('/auth/b/callback', (req, res, next) =>
    passport.authenticate('b', { session: false }, (err: unknown, user: unknown, info: { code?: string; state?: unknown }) =>
      err ? next(err) : res.status(user ? 200 : 403).json({ user, info }))(req, res, next));
  server.on('request', app);

  const browser = new HttpBrowser();
  await browser.go(`${url}/auth/a`);
  const keyFromB = emu.issueAuthKey({ appId: b.appId, userId: emu.users[0]!.userId });
  const res = await browser.go(`${url}/auth/b/callback?auth_key=${keyFromB}`);
  expect({ status: res.status, body: JSON.parse(res.text) }).toEqual({ status: 403, body: { user: false, info: expect.objectContaining({ code: 'ERR_KVIXI_NO_PENDING_LOGIN' }) } });
});
