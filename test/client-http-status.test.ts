import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import session from 'express-session';
import { Passport } from 'passport';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KvixiStrategy } from '../lib/index.js';
import { startSilentServer } from './support/silent-server.js';

// An app that passes the strategy's errors to Express's default handler answers what the error's
// `status` says: 502 when the provider failed or answered nonsense, 504 when it did not answer in
// time, never the provider's own status (a 404 from a wrong baseURL is no "page not found").

const APP_ID = '1732698123456';
const APP_SECRET = '0f3c9a1b2c3d4e5f60718293a4b5c6d7';
const AUTH_KEY = '5d41402abc4b2a76b9719d911017c592';

function appAgainst(baseURL: string, timeout = 10_000) {
  const passport = new Passport();
  passport.use(
    new KvixiStrategy(
      { appId: APP_ID, appSecret: APP_SECRET, baseURL, callbackURL: '/auth/kvixi/callback', timeout },
      (_tokens, profile, done) => done(null, { id: profile.id }),
    ),
  );
  passport.serializeUser((user, done) => done(null, user));
  passport.deserializeUser((user: Express.User, done) => done(null, user));
  const app = express();
  app.use(session({ secret: 's', resave: false, saveUninitialized: false }));
  app.use(passport.session());
  app.get('/auth/kvixi', passport.authenticate('kvixi'));
  app.get('/auth/kvixi/callback', passport.authenticate('kvixi'), (_req, res) => res.send('signed in'));
  return app; // no error handler of its own: Express's default one answers
}

async function callbackThrough(baseURL: string, timeout?: number) {
  const agent = request.agent(appAgainst(baseURL, timeout));
  await agent.get('/auth/kvixi').expect(302);
  return agent.get(`/auth/kvixi/callback?auth_key=${AUTH_KEY}`);
}

let notSngine: Server;
let notSngineURL: string;
let silent: Awaited<ReturnType<typeof startSilentServer>>;
beforeAll(async () => {
  // An ordinary web site: every path it does not have is a 404 page.
  notSngine = createServer((_req, res) => res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not Found</h1>'));
  await new Promise<void>((resolve) => notSngine.listen(0, '127.0.0.1', resolve));
  notSngineURL = `http://127.0.0.1:${(notSngine.address() as AddressInfo).port}`;
  silent = await startSilentServer();
});
afterAll(async () => {
  notSngine.closeAllConnections();
  await new Promise((resolve) => notSngine.close(resolve));
  await silent.close();
});

describe("the status Express's default handler answers for a provider fault", () => {
  it('is 502, not 404, when baseURL is not a Sngine site, and the page names the endpoint and baseURL', async () => {
    const res = await callbackThrough(notSngineURL);
    expect(res.status).toBe(502);
    expect(res.text).toContain(`${notSngineURL}/api/authorize does not exist`);
    expect(res.text).toContain('check that baseURL is the address of a Sngine site');
    expect(res.text).not.toContain(APP_SECRET);
    expect(res.text).not.toContain(AUTH_KEY);
  });

  it('is 504 when the provider does not answer within timeout', async () => {
    const res = await callbackThrough(silent.url, 200);
    expect(res.status).toBe(504);
    expect(res.text).toContain('did not answer within 200 ms');
  });

  it('is 502 when the provider cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const res = await callbackThrough(`http://127.0.0.1:${port}`);
    expect(res.status).toBe(502);
    expect(res.text).toContain('could not be reached');
  });
});
