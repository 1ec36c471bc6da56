// The README's JavaScript quick start (CommonJS), run by test/quick-start.test.ts in a child process.
// #region recipe: quick-start-js
const express = require('express');
const session = require('express-session');
const passport = require('passport');
const { KvixiStrategy } = require('passport-kvixi');

passport.use(new KvixiStrategy(
  {
    appId: process.env.KVIXI_APP_ID,
    appSecret: process.env.KVIXI_APP_SECRET,
    baseURL: process.env.KVIXI_BASE_URL, // unset: https://kvixi.com
    callbackURL: '/auth/kvixi/callback',
  },
  // Find or create your user by Kvixi's user id; return it, or false to refuse the login.
  async (_tokens, profile) => ({ id: profile.id, name: profile.displayName }),
));
passport.serializeUser((user, done) => done(null, user));
passport.deserializeUser((user, done) => done(null, user));

const app = express();
app.use(session({ secret: process.env.SESSION_SECRET ?? 'dev only', resave: false, saveUninitialized: false }));
app.use(passport.session());

app.get('/auth/kvixi', passport.authenticate('kvixi'));
app.get('/auth/kvixi/callback', passport.authenticate('kvixi', { successRedirect: '/', failureRedirect: '/' }));
app.get('/', (req, res) => req.user
  ? res.type('text').send(`Hello, ${req.user.name}`) // plain text: names are user input
  : res.send('<a href="/auth/kvixi">Log in with Kvixi</a>'));

app.listen(Number(process.env.PORT ?? 3000));
// #endregion
