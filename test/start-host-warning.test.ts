import express from 'express';
import session from 'express-session';
import { Passport } from 'passport';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KvixiStrategy } from '../lib/index.js';
import { APP_ID, APP_SECRET, BASE_URL } from './support/provider.js';

// The most common development mistake: the site opened on 127.0.0.1:3000 while the redirect URL
// says localhost:3000 (or another port or scheme). The browser then comes back without the
// start's cookies. With an absolute callbackURL the strategy says so at the start, before the
// user goes to Kvixi: a process warning once per strategy (and a debug line each time).

let warnings: Error[];
const collect = (warning: Error) => warnings.push(warning);
beforeEach(() => {
  warnings = [];
  process.on('warning', collect);
});
afterEach(() => {
  process.off('warning', collect);
});

function appWith(strategy: KvixiStrategy): express.Express {
  const passport = new Passport();
  passport.use(strategy);
  const app = express();
  app.use(session({ secret: 's', resave: false, saveUninitialized: false }));
  app.get('/auth/kvixi', passport.authenticate('kvixi'));
  return app;
}

const strategy = (callbackURL: string) =>
  new KvixiStrategy({ appId: APP_ID, appSecret: APP_SECRET, baseURL: BASE_URL, callbackURL }, async () => false);

/** Starts a login with this Host header; the start always goes on to Kvixi. */
async function start(app: express.Express, host: string, headers: Record<string, string> = {}) {
  const res = await request(app).get('/auth/kvixi').set('host', host).set(headers);
  expect(res.status).toBe(302);
  expect(res.headers.location).toBe(`${BASE_URL}/api/oauth?app_id=${APP_ID}`);
  await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
}

const mismatches = () => warnings.filter((warning) => (warning as Error & { code?: string }).code === 'KVIXI_START_HOST_MISMATCH');

describe('a start on another host than an absolute callbackURL', () => {
  it('warns once per strategy, naming both addresses, and still sends the user to Kvixi', async () => {
    const app = appWith(strategy('http://localhost:3000/auth/kvixi/callback'));
    await start(app, '127.0.0.1:3000');
    await start(app, '127.0.0.1:3000');
    expect(mismatches().map((warning) => warning.message)).toEqual([
      expect.stringMatching(
        /^passport-kvixi: the login starts on http:\/\/127\.0\.0\.1:3000 but callbackURL is on http:\/\/localhost:3000: .*Open the site at http:\/\/localhost:3000; behind a proxy, pass the Host header on and set the host's trust proxy$/,
      ),
    ]);
    await start(appWith(strategy('http://localhost:3000/auth/kvixi/callback')), '127.0.0.1:3000');
    expect(mismatches()).toHaveLength(2);
  });

  it('warns about another port too', async () => {
    await start(appWith(strategy('http://localhost:3000/auth/kvixi/callback')), 'localhost:4000');
    expect(mismatches()[0]?.message).toContain('starts on http://localhost:4000 but callbackURL is on http://localhost:3000');
  });

  it('warns about an https callbackURL started over plain http, as behind a TLS proxy without trust proxy', async () => {
    await start(appWith(strategy('https://app.example.com/auth/kvixi/callback')), 'app.example.com', { 'x-forwarded-proto': 'https' });
    expect(mismatches()[0]?.message).toMatch(/starts on http:\/\/app\.example\.com but callbackURL is on https:\/\/app\.example\.com: .*trust proxy/);
  });

  it('stays quiet when the start is on callbackURL\'s host, port and scheme, default ports and letter case aside', async () => {
    await start(appWith(strategy('http://LocalHost:80/auth/kvixi/callback')), 'localhost');
    const behindProxy = appWith(strategy('https://app.example.com/auth/kvixi/callback'));
    behindProxy.set('trust proxy', 'loopback');
    await start(behindProxy, 'app.example.com', { 'x-forwarded-proto': 'https' });
    expect(mismatches()).toEqual([]);
  });

  it('stays quiet with a relative callbackURL, which is on every host', async () => {
    await start(appWith(strategy('/auth/kvixi/callback')), '127.0.0.1:3000');
    expect(mismatches()).toEqual([]);
  });
});
