import express, { type NextFunction, type Request, type Response } from 'express';
import session from 'express-session';
import { Passport } from 'passport';
import request from 'supertest';
import { inspect } from 'node:util';
import { expect, it } from 'vitest';
import { KvixiStrategy } from '../lib/index.js';

// A custom fetch (proxy agent, instrumentation) may reject with an error whose `message` or
// `cause` getter throws an error that quotes the request body: nothing of it may escape unredacted.
const APP_ID = '1732698123456';
const APP_SECRET = '0f3c9a1b2c3d4e5f60718293a4b5c6d7';
const AUTH_KEY = '5d41402abc4b2a76b9719d911017c592';

function appWith(fetchImpl: typeof fetch) {
  const passport = new Passport();
  passport.use(
    new KvixiStrategy(
      { appId: APP_ID, appSecret: APP_SECRET, baseURL: 'https://kvixi.test', callbackURL: '/auth/kvixi/callback', fetch: fetchImpl },
      (_t, p, done) => done(null, { id: p.id }),
    ),
  );
  passport.serializeUser((u, d) => d(null, u));
  passport.deserializeUser((u: Express.User, d) => d(null, u));
  const seen: unknown[] = [];
  const app = express();
  app.use(session({ secret: 's', resave: false, saveUninitialized: false }));
  app.use(passport.session());
  app.get('/auth/kvixi', passport.authenticate('kvixi'));
  app.get('/auth/kvixi/callback', passport.authenticate('kvixi'), (_req, res) => res.json({ ok: true }));
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    seen.push(err);
    res.status(500).end();
  });
  return { app, seen };
}

for (const which of ['message', 'cause'] as const) {
  it(`keeps app_secret and auth_key out of the error when the fetch error's ${which} getter throws`, async () => {
    const { app, seen } = appWith((async (_url: unknown, init?: RequestInit) => {
      const err = new TypeError('fetch failed');
      Object.defineProperty(err, which, {
        get() {
          throw new Error(`cannot describe request with body ${String(init?.body)}`);
        },
      });
      throw err;
    }) as typeof fetch);
    const agent = request.agent(app);
    await agent.get('/auth/kvixi').expect(302);
    await agent.get(`/auth/kvixi/callback?auth_key=${AUTH_KEY}`).expect(500);
    expect(seen).toHaveLength(1);
    const shown = `${inspect(seen[0], { depth: 10 })} ${JSON.stringify(seen[0])} ${(seen[0] as Error).message}`;
    expect(shown).not.toContain(APP_SECRET);
    expect(shown).not.toContain(AUTH_KEY);
  });
}
