// #region recipe: testing-app-module
// app.ts
import express from 'express';
import session from 'express-session';
import { Passport } from 'passport';
import { KvixiStrategy } from 'passport-kvixi';

export interface AppConfig {
  kvixiAppId: string | undefined;
  kvixiAppSecret: string | undefined;
  kvixiBaseURL?: string | undefined; // leave out for kvixi.com
  sessionSecret: string;
}

/** The whole app from its configuration: it reads no environment and listens nowhere. */
export function createApp(config: AppConfig): express.Express {
  // An Authenticator of its own, not the `passport` singleton: each app a test builds keeps its strategy.
  const passport = new Passport();
  passport.use(new KvixiStrategy(
    { appId: config.kvixiAppId, appSecret: config.kvixiAppSecret, baseURL: config.kvixiBaseURL, callbackURL: '/auth/kvixi/callback' },
    (_tokens, profile, done) => done(null, { id: profile.id, name: profile.displayName }),
  ));
  passport.serializeUser((user, done) => done(null, user));
  passport.deserializeUser((user: Express.User, done) => done(null, user));

  const app = express();
  app.use(session({ secret: config.sessionSecret, resave: false, saveUninitialized: false }));
  app.use(passport.session());
  app.get('/auth/kvixi', passport.authenticate('kvixi', { failureRedirect: '/' }));
  app.get('/auth/kvixi/callback', passport.authenticate('kvixi', { successRedirect: '/', failureRedirect: '/' }));
  app.get('/', (req, res) => res.json({ user: req.user ?? null }));
  return app;
}
// #endregion
