import express, { type NextFunction, type Request, type Response } from 'express';
import session from 'express-session';
import { Passport } from 'passport';
import request from 'supertest';
import { KvixiStrategy, type KvixiStrategyOptionsBase, type KvixiVerify } from '../../lib/index.js';
import { APP_ID, APP_SECRET, BASE_URL } from './provider.js';

/**
 * An Express 5 + express-session + passport 0.7 app in the plain middleware form, for tests of
 * what the app's own code (verify, a store, a session store) does to a login. `errors` holds
 * every error its error handler saw; `fetches` every provider request the strategy made.
 */
export function appCodeHost(
  verify: KvixiVerify,
  options: Omit<KvixiStrategyOptionsBase, 'appId' | 'appSecret'> = {},
  sessionStore?: session.Store,
) {
  const fetches: string[] = [];
  const recordingFetch = ((input: string, init?: RequestInit) => {
    fetches.push(String(input));
    return fetch(input, init);
  }) as typeof fetch;
  const passport = new Passport();
  passport.use(
    new KvixiStrategy(
      { appId: APP_ID, appSecret: APP_SECRET, baseURL: BASE_URL, callbackURL: '/auth/kvixi/callback', fetch: recordingFetch, ...options },
      verify,
    ),
  );
  passport.serializeUser((user, done) => done(null, user));
  passport.deserializeUser((user: Express.User, done) => done(null, user));
  const errors: Array<Error & { code?: string }> = [];
  const app = express();
  app.use(session({ secret: 't', resave: false, saveUninitialized: false, ...(sessionStore ? { store: sessionStore } : {}) }));
  app.use(passport.session());
  app.get('/auth/kvixi', passport.authenticate('kvixi'));
  app.get('/auth/kvixi/callback', passport.authenticate('kvixi', { failWithError: true }), (req, res) => {
    res.json({ user: req.user });
  });
  app.get('/me', (req, res) => {
    res.json({ user: req.user ?? null });
  });
  app.use((err: Error & { code?: string }, _req: Request, res: Response, _next: NextFunction) => {
    if (err.name === 'AuthenticationError') return res.status(401).json({ failed: true });
    errors.push(err);
    res.status(500).json({ error: { name: err.name, code: err.code, message: err.message } });
  });
  return { agent: request.agent(app), errors, fetches };
}
