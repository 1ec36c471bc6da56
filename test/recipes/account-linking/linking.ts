// #region recipe: account-linking
// linking.ts
import express from 'express';
import session from 'express-session';
import { Passport } from 'passport';
import { KvixiStrategy } from 'passport-kvixi';

declare global {
  namespace Express {
    interface User {
      id: string;
      name: string;
      kvixiId?: string | undefined;
    }
    interface Request {
      /** Set by passport.authorize: here the signed-in user, with the Kvixi account now linked. */
      account?: User | undefined;
    }
  }
}

/** Your accounts. A Kvixi account is found by its Kvixi id only, never by e-mail. */
export interface Accounts {
  findById(id: string): Express.User | undefined;
  findByKvixiId(kvixiId: string): Express.User | undefined;
  linkKvixi(userId: string, kvixiId: string): Express.User;
}

export function createApp(
  config: { kvixiAppId: string; kvixiAppSecret: string; kvixiBaseURL?: string; sessionSecret: string },
  accounts: Accounts,
): express.Express {
  const passport = new Passport();
  passport.use(new KvixiStrategy(
    {
      appId: config.kvixiAppId,
      appSecret: config.kvixiAppSecret,
      baseURL: config.kvixiBaseURL, // leave out for kvixi.com
      callbackURL: '/auth/kvixi/callback',
      passReqToCallback: true,
    },
    async (req, _tokens, profile) => {
      const owner = accounts.findByKvixiId(profile.id);
      if (req.user) {
        // Linking: refused when this Kvixi account already belongs to someone else.
        return owner && owner.id !== req.user.id ? false : accounts.linkKvixi(req.user.id, profile.id);
      }
      return owner ?? false; // logging in: only into an account linked before
    },
  ));
  passport.serializeUser((user, done) => done(null, user.id));
  passport.deserializeUser((id: string, done) => done(null, accounts.findById(id) ?? false));

  const app = express();
  app.use(session({ secret: config.sessionSecret, resave: false, saveUninitialized: false }));
  app.use(passport.session());
  // Your own sign-in (a password, another provider) goes here, before the routes below.

  // "Link your Kvixi account" (signed in) and "Log in with Kvixi" (signed out) start the same way.
  app.get('/auth/kvixi', passport.authenticate('kvixi', { failureRedirect: '/account' }));
  // Kvixi sends both back to the app's one redirect URL: a signed-in browser is linking.
  app.get(
    '/auth/kvixi/callback',
    (req, res, next) =>
      req.isAuthenticated()
        ? passport.authorize('kvixi', { failureRedirect: '/account?link=failed' })(req, res, next)
        : passport.authenticate('kvixi', { successRedirect: '/account', failureRedirect: '/' })(req, res, next),
    (req, res) => res.redirect(req.account ? '/account?link=done' : '/account'),
  );
  app.get('/account', (req, res) => res.json({ user: req.user ?? null }));
  app.get('/', (req, res) => res.json({ user: req.user ?? null }));
  return app;
}
// #endregion
