import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import session from 'express-session';
import { Passport } from 'passport';
import { afterEach, expect, it } from 'vitest';
import { KvixiStrategy } from '../lib/index.js';
import { APP_ID, APP_SECRET, BASE_URL } from './support/provider.js';

// callbackURL is matched as Express routes: an absolute-form request target
// (`GET http://host/auth/kvixi/callback HTTP/1.1`, what a client behind a forward proxy sends,
// RFC 9112 §3.2.2) reaches the callback route, so it must fail as the callback without auth_key,
// not start a new login.
let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

it('treats an absolute-form request to the callback route as the callback, not as a start', async () => {
  const passport = new Passport();
  passport.use(new KvixiStrategy({ appId: APP_ID, appSecret: APP_SECRET, baseURL: BASE_URL, callbackURL: '/auth/kvixi/callback' }, (_t, p, d) => d(null, { id: p.id })));
  const app = express();
  app.use(session({ secret: 't', resave: false, saveUninitialized: false }));
  let routed = '';
  app.get('/auth/kvixi/callback', (req, res, next) => {
    routed = req.originalUrl;
    passport.authenticate('kvixi', (err: unknown, _user: unknown, info: { code?: string }, status?: number) =>
      err ? next(err) : res.status(status ?? 401).json({ code: info?.code }))(req, res, next);
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server!.once('listening', r));
  const port = (server.address() as AddressInfo).port;
  const res = await new Promise<{ status: number; location?: string; body: string }>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: 'GET', path: `http://127.0.0.1:${port}/auth/kvixi/callback` }, (r) => {
      let body = '';
      r.on('data', (c) => (body += c));
      r.on('end', () => resolve({ status: r.statusCode!, location: r.headers.location, body }));
    });
    req.on('error', reject);
    req.end();
  });
  expect(routed).toBe(`http://127.0.0.1:${port}/auth/kvixi/callback`); // Express did route it to the callback
  expect(res).toEqual({ status: 400, body: JSON.stringify({ code: 'ERR_KVIXI_MISSING_AUTH_KEY' }) });
});
