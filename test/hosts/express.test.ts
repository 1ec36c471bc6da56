import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import cookieSession from 'cookie-session';
import express, { type NextFunction, type Request, type Response } from 'express';
import session, { MemoryStore } from 'express-session';
import { Passport, type AuthenticateOptions } from 'passport';
import type { KvixiStrategy } from '../../lib/index.js';
import { describeLoginCSRF, type HostUnderTest, type NewDeployment } from './contract.js';

// Express 5 + passport 0.7, the host the strategy was first written for, through the same checks
// as the other hosts.

type SessionLayer = 'express-session' | 'cookie-session';

function expressHost(sessions: SessionLayer): NewDeployment {
  return () => {
    const secret = randomBytes(32).toString('hex');
    const store = new MemoryStore();
    return (strategy) => startExpressHost(strategy, sessions, secret, store);
  };
}

async function startExpressHost(strategy: KvixiStrategy, sessions: SessionLayer, secret: string, store: MemoryStore): Promise<HostUnderTest> {
  const passport = new Passport();
  passport.use(strategy);
  passport.serializeUser((user, done) => done(null, user));
  passport.deserializeUser((user: Express.User, done) => done(null, user));

  const app = express();
  if (sessions === 'express-session') {
    app.use(session({ secret, store, resave: false, saveUninitialized: false }));
  } else {
    app.use(cookieSession({ name: 'sess', keys: [secret], sameSite: 'lax' }));
    // passport 0.7 calls regenerate and save, which cookie-session lacks: the usual shim.
    app.use((req, _res, next) => {
      const current = req.session as unknown as Record<string, unknown> | null;
      if (current) {
        current.regenerate ??= (done: () => void) => done();
        current.save ??= (done: () => void) => done();
      }
      next();
    });
  }
  app.use(passport.session());

  app.get('/auth/kvixi', (req, res, next) => {
    const returnTo = typeof req.query.returnTo === 'string' ? req.query.returnTo : undefined;
    // @types/passport types `state` as a string; the strategy keeps any JSON value.
    passport.authenticate('kvixi', (returnTo ? { state: { returnTo } } : {}) as AuthenticateOptions)(req, res, next);
  });
  app.get('/auth/kvixi/callback', (req, res, next) => {
    passport.authenticate('kvixi', (err: unknown, user: Express.User | false, info: unknown, status: unknown) => {
      if (err) return next(err);
      if (!user) return res.status(typeof status === 'number' ? status : 401).json({ failure: info ?? null });
      req.logIn(user, (loginErr) => (loginErr ? next(loginErr) : res.json({ user, info })));
    })(req, res, next);
  });
  app.get('/me', (req, res) => {
    res.json({ user: req.user ?? null });
  });
  app.post('/logout', (req, res, next) => {
    req.logout((err) => (err ? next(err) : res.json({ loggedOut: true })));
  });
  app.use((err: Error & { code?: string }, _req: Request, res: Response, _next: NextFunction) => {
    res.status(500).json({ error: { name: err.name, code: err.code, message: err.message } });
  });

  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

for (const sessions of ['express-session', 'cookie-session'] as const) {
  describeLoginCSRF(`Express 5 + passport 0.7 + ${sessions}`, expressHost(sessions));
}
