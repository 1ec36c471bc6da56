// The README's custom-callback recipe, run by test/custom-callback.test.ts against the emulator.
// #region recipe: custom-callback
import express, { type NextFunction, type Request, type Response } from 'express';
import session from 'express-session';
import passport from 'passport';
import { handleAsync, KvixiStrategy, withState, type KvixiInfo } from 'passport-kvixi';

declare module 'passport-kvixi' {
  interface KvixiState { returnTo: string } // what a login carries, typed
}

passport.use(new KvixiStrategy(
  {
    appId: process.env.KVIXI_APP_ID,
    appSecret: process.env.KVIXI_APP_SECRET,
    baseURL: process.env.KVIXI_BASE_URL,
    callbackURL: '/auth/kvixi/callback',
    continuePage: false, // this app shows its own page for a link from another site
  },
  async (_tokens, profile) => ({ id: profile.id, name: profile.displayName }),
));
passport.serializeUser((user, done) => done(null, user));
passport.deserializeUser((user: Express.User, done) => done(null, user));

const app = express();
app.use(session({ secret: process.env.SESSION_SECRET ?? 'dev only', resave: false, saveUninitialized: false }));
app.use(passport.session());

// One handler for both routes: the strategy starts a login, or finishes it on the callback.
function logInWithKvixi(req: Request, res: Response, next: NextFunction): void {
  const wanted = String(req.query.returnTo ?? '/');
  const returnTo = /^\/(?![/\\])/.test(wanted) ? wanted : '/'; // same-site paths only
  // handleAsync: if this callback awaits and rejects, the rejection reaches next, not a crash.
  const finish = handleAsync(next, async (err: unknown, user: Express.User | false, info: KvixiInfo) => {
    if (err) return next(err);
    if (user && 'alreadySignedIn' in info) return res.redirect('/'); // Back or reload after logging in
    if (user) {
      const back = 'state' in info && info.state ? info.state.returnTo : '/';
      return req.logIn(user, (loginErr) => (loginErr ? next(loginErr) : res.redirect(back)));
    }
    if (!('code' in info)) return res.status(401).send('Login refused.');
    if (info.code === 'ERR_KVIXI_CROSS_SITE_START') { // a link from another site: one click goes on
      return res.send(`<a href="${escapeHTML(info.continueURL ?? '/auth/kvixi')}">Continue with Kvixi</a>`);
    }
    res.status(403).send(`${escapeHTML(info.message)} <a href="/auth/kvixi">Try again</a>`);
  });
  passport.authenticate('kvixi', withState({ returnTo }), finish)(req, res, next);
}
app.get('/auth/kvixi', logInWithKvixi);
app.get('/auth/kvixi/callback', logInWithKvixi);
app.get('/account', (req, res) => {
  if (!req.user) return res.redirect(`/auth/kvixi?returnTo=${encodeURIComponent(req.originalUrl)}`);
  res.type('text').send(`Account of ${(req.user as { name: string }).name}`);
});

function escapeHTML(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const server = app.listen(Number(process.env.PORT ?? 3000));
// #endregion

export { app, server };
