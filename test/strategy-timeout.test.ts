import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import session from 'express-session';
import { Passport } from 'passport';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { startEmulator, type KvixiEmulator } from '../lib/emulator/index.js';
import { KvixiStrategy } from '../lib/index.js';
import { HttpBrowser } from './support/http-browser.js';

// `timeout` bounds every provider request even when a custom `fetch` (a proxy, instrumentation)
// does not pass `init.signal` on: a provider that hangs still ends in ERR_KVIXI_TIMEOUT.
let emu: KvixiEmulator;
const servers: Server[] = [];
beforeAll(async () => { emu = await startEmulator({ users: [{ username: 'jane', firstname: 'J', lastname: 'D' }] }); });
afterEach(async () => { for (const s of servers.splice(0)) { s.closeAllConnections(); await new Promise((r) => s.close(r)); } });
afterAll(() => emu.close());

it('answers ERR_KVIXI_TIMEOUT within timeout even when a custom fetch drops the signal', async () => {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { appId, appSecret } = emu.registerApp({ name: 'T', redirectURL: `${url}/auth/kvixi/callback` });
  // A logging wrapper that copies method, headers and body, as such wrappers often do.
  const loggingFetch = ((input: string, init: RequestInit) =>
    fetch(input, { method: init.method, headers: init.headers, body: init.body, redirect: init.redirect })) as typeof fetch;
  const passport = new Passport();
  passport.use(new KvixiStrategy({ appId, appSecret, baseURL: emu.url, callbackURL: '/auth/kvixi/callback', timeout: 300, fetch: loggingFetch }, async (_t, p) => ({ id: p.id })));
  passport.serializeUser((u, d) => d(null, u));
  passport.deserializeUser((u: Express.User, d) => d(null, u));
  const app = express();
  app.use(session({ secret: 't', resave: false, saveUninitialized: false }));
  app.use(passport.session());
  app.get('/auth/kvixi', passport.authenticate('kvixi'));
  app.get('/auth/kvixi/callback', passport.authenticate('kvixi'), (req, res) => res.json({ user: req.user }));
  app.use((err: Error & { code?: string }, _req: Request, res: Response, _next: NextFunction) => res.status(500).json({ code: err.code }));
  server.on('request', app);

  const browser = new HttpBrowser();
  await browser.go(`${url}/auth/kvixi`);
  emu.failNext('authorize', { type: 'hang' });
  const key = emu.issueAuthKey({ appId, userId: emu.users[0]!.userId });
  const answer = browser.go(`${url}/auth/kvixi/callback?auth_key=${key}`).then((v) => ({ status: v.status, text: v.text }));
  const outcome = await Promise.race([answer, new Promise((r) => setTimeout(() => r('no answer after 3000 ms'), 3000))]);
  expect(outcome).toEqual({ status: 500, text: JSON.stringify({ code: 'ERR_KVIXI_TIMEOUT' }) });
});
