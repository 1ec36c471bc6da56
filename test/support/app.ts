import express, { type NextFunction, type Request, type Response } from 'express';
import session from 'express-session';
import { Passport, type AuthenticateOptions } from 'passport';
import type { KvixiStrategy } from '../../lib/index.js';

export interface TestAppOptions {
  /** Leave out express-session, to see what the strategy says without one. */
  withoutSession?: boolean;
}

/**
 * A small Express 5 + express-session + passport 0.7 app, wired as the README tells users to.
 * The callback answers JSON so a test can read what the app saw: the user, `info`, the failure.
 */
export function buildApp(strategy: KvixiStrategy, options: TestAppOptions = {}): express.Express {
  const passport = new Passport();
  passport.use(strategy);
  passport.serializeUser((user, done) => done(null, user));
  passport.deserializeUser((user: Express.User, done) => done(null, user));

  const app = express();
  if (!options.withoutSession) {
    app.use(session({ secret: 'test secret', resave: false, saveUninitialized: false }));
    app.use(passport.session());
  }
  app.use(passport.initialize());

  app.get('/auth/kvixi', (req, res, next) => {
    const returnTo = typeof req.query.returnTo === 'string' ? req.query.returnTo : undefined;
    // @types/passport types `state` as a string; the strategy keeps any serialisable value.
    const options: { state?: unknown } = returnTo ? { state: { returnTo } } : {};
    passport.authenticate(strategy.name, options as AuthenticateOptions)(req, res, next);
  });

  // The custom-callback form: the app sees err, user, info and status as Passport reports them.
  app.get('/auth/kvixi/callback', (req, res, next) => {
    passport.authenticate(strategy.name, (err: unknown, user: unknown, info: unknown, status: unknown) => {
      if (err) return next(err);
      if (!user) return res.status(typeof status === 'number' ? status : 401).json({ failure: info });
      req.logIn(user as Express.User, (loginErr) => {
        if (loginErr) return next(loginErr);
        res.json({ user: req.user, info });
      });
    })(req, res, next);
  });

  // The plain middleware form, as most apps write it.
  app.get(
    '/auth/kvixi/plain-callback',
    passport.authenticate(strategy.name, { failureRedirect: '/login', failureMessage: true }),
    (req, res) => {
      res.json({ user: req.user, authInfo: req.authInfo });
    },
  );

  // The shortest form: both outcomes are redirects.
  app.get('/auth/kvixi/redirect-callback', passport.authenticate(strategy.name, { successRedirect: '/home', failureRedirect: '/login' }));

  app.get('/login', (req, res) => {
    res.json({ messages: (req.session as unknown as { messages?: string[] } | undefined)?.messages ?? [] });
  });

  app.get('/me', (req, res) => {
    if (!req.user) return res.status(401).json({ user: null });
    res.json({ user: req.user });
  });

  app.post('/logout', (req, res, next) => {
    req.logout((err) => (err ? next(err) : res.json({ loggedOut: true })));
  });

  app.use((err: Error & { code?: string }, _req: Request, res: Response, _next: NextFunction) => {
    res.status(500).json({ error: { name: err.name, code: err.code, message: err.message } });
  });
  return app;
}
