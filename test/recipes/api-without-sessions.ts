// The README's recipe for APIs and single-page apps, run by test/cookie-store.test.ts.
// #region recipe: api-without-sessions
import { randomBytes } from 'node:crypto';
import express from 'express';
import passport from 'passport';
import { KvixiCookieStore, KvixiStrategy } from 'passport-kvixi';

interface ApiUser {
  id: string;
  name: string;
}
const apiTokens = new Map<string, ApiUser>(); // your token store

passport.use(
  new KvixiStrategy(
    {
      appId: process.env.KVIXI_APP_ID,
      appSecret: process.env.KVIXI_APP_SECRET,
      baseURL: process.env.KVIXI_BASE_URL,
      callbackURL: '/auth/kvixi/callback',
      // Pending logins in a sealed cookie: no session middleware at all.
      store: new KvixiCookieStore({ secret: process.env.KVIXI_COOKIE_SECRET }),
    },
    async (_tokens, profile) => ({ id: profile.id, name: profile.displayName }),
  ),
);

const app = express();
app.get('/auth/kvixi', passport.authenticate('kvixi', { session: false }));
app.get(
  '/auth/kvixi/callback',
  passport.authenticate('kvixi', { session: false, failureRedirect: '/#login-failed' }),
  (req, res) => {
    // Your own token for the API; the URL fragment never reaches a server or its logs.
    const token = randomBytes(32).toString('base64url');
    apiTokens.set(token, req.user as ApiUser);
    res.redirect(`/#token=${token}`);
  },
);
app.get('/api/me', (req, res) => {
  const user = apiTokens.get(req.get('authorization')?.replace(/^Bearer /, '') ?? '');
  if (!user) return res.status(401).json({ error: 'sign in first' });
  res.json(user);
});

const server = app.listen(Number(process.env.PORT ?? 3000));
// #endregion

export { app, server };
