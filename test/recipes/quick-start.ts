// The README's quick start, run by test/quick-start.test.ts. Its types are checked with the
// README's blocks (test/readme-blocks.test.ts), since its declarations are global.
// #region recipe: quick-start
import express, { type NextFunction, type Request, type Response } from 'express';
import session from 'express-session';
import passport from 'passport';
import { handleAsync, KvixiStrategy, withState, type KvixiInfo } from 'passport-kvixi';

// Your user, as Passport keeps it in req.user; and the state a login carries.
declare global {
  namespace Express {
    interface User {
      id: string;
      name: string;
    }
  }
}
declare module 'passport-kvixi' {
  interface KvixiState {
    returnTo: string;
  }
}

const users = new Map<string, Express.User>(); // your database

passport.use(
  new KvixiStrategy(
    {
      appId: process.env.KVIXI_APP_ID,
      appSecret: process.env.KVIXI_APP_SECRET,
      baseURL: process.env.KVIXI_BASE_URL, // unset: https://kvixi.com
      callbackURL: '/auth/kvixi/callback',
    },
    // Find or create the user by Kvixi's user_id; return it, or false to refuse the login.
    async (_tokens, profile) => {
      const user = { id: profile.id, name: profile.displayName };
      users.set(user.id, user);
      return user;
    },
  ),
);
passport.serializeUser((user, done) => done(null, user.id));
passport.deserializeUser((id: string, done) => done(null, users.get(id) ?? false));

const app = express();
app.use(session({ secret: process.env.SESSION_SECRET ?? 'dev only', resave: false, saveUninitialized: false }));
app.use(passport.session());

// One handler for both routes: the strategy starts a login, or finishes it on the callback.
function logInWithKvixi(req: Request, res: Response, next: NextFunction): void {
  const wanted = String(req.query.returnTo ?? '/');
  const returnTo = /^\/(?![/\\])/.test(wanted) ? wanted : '/'; // same-site paths only
  // handleAsync: once this callback is async (await …), a rejection still reaches next, not a crash.
  const finish = handleAsync(next, (err: unknown, user: Express.User | false, info: KvixiInfo) => {
    if (err) return next(err);
    if (user) {
      const back = 'state' in info && info.state ? info.state.returnTo : '/';
      return req.logIn(user, (loginErr) => (loginErr ? next(loginErr) : res.redirect(back)));
    }
    if (!('code' in info)) return res.status(401).send('Login refused.');
    switch (info.code) {
      case 'ERR_KVIXI_ALREADY_SIGNED_IN': // Back or reload after logging in
        return res.redirect('/');
      case 'ERR_KVIXI_CROSS_SITE_START': // a link from another site: one click to go on
        res.set('X-Frame-Options', 'DENY');
        return res.status(403).send(`<a href="${escapeHTML(info.continueURL ?? '/auth/kvixi')}">Continue with Kvixi</a>`);
      default:
        return res.status(403).send(`${escapeHTML(info.message)} <a href="/auth/kvixi">Try again</a>`);
    }
  });
  passport.authenticate('kvixi', withState({ returnTo }), finish)(req, res, next);
}
app.get('/auth/kvixi', logInWithKvixi);
app.get('/auth/kvixi/callback', logInWithKvixi);

app.get('/', (req, res) => {
  res.send(req.user ? `Hello, ${escapeHTML(req.user.name)}` : '<a href="/auth/kvixi">Log in with Kvixi</a>');
});
app.get('/account', (req, res) => {
  if (!req.user) return res.redirect(`/auth/kvixi?returnTo=${encodeURIComponent(req.originalUrl)}`);
  res.send(`Account of ${escapeHTML(req.user.name)}`);
});

function escapeHTML(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const server = app.listen(Number(process.env.PORT ?? 3000));
// #endregion

export { app, server };
