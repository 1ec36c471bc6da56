import { randomBytes, timingSafeEqual } from 'node:crypto';
import express from 'express';
import session from 'express-session';
import helmet from 'helmet';
import { KvixiAPIError, KvixiError, KvixiFetchError } from 'passport-kvixi';
import { createPassport } from './auth.js';
import { accountPage, errorPage, homePage, notFoundPage, profilePage } from './views.js';

const publicDir = new URL('./public/', import.meta.url).pathname;

/** What a person is told when a login fails cleanly, by the strategy's failure code. */
const FAILURES = {
  ERR_KVIXI_NO_PENDING_LOGIN: {
    title: 'This login link was already used',
    hint: 'A link back from Kvixi works once, in the browser that started the login. Start again for a fresh one.',
  },
  ERR_KVIXI_PENDING_LOGIN_EXPIRED: {
    title: 'Your login took too long',
    hint: 'Start again and finish on Kvixi within ten minutes.',
  },
  ERR_KVIXI_AUTH_KEY_REJECTED: {
    title: 'Kvixi did not accept this login',
    hint: 'The link from Kvixi was already used or has gone stale. Start again for a fresh one.',
  },
  ERR_KVIXI_MISSING_AUTH_KEY: { title: 'This login link is incomplete' },
  ERR_KVIXI_MALFORMED_AUTH_KEY: { title: 'This login link is incomplete' },
  ERR_KVIXI_CROSS_SITE_START: {
    title: 'Log in from this site',
    hint: 'Another site tried to start a login here. Use the button on our home page instead.',
  },
};

/**
 * Only a same-site path is a safe place to return to: `/account`, not `//evil.test`,
 * `/\evil.test` or `https://evil.test`.
 */
export function safeReturnTo(value) {
  if (typeof value !== 'string' || value.length > 512 || !value.startsWith('/')) return undefined;
  if (value.startsWith('//') || value.includes('\\') || /[\u0000-\u001f\u007f]/.test(value)) return undefined;
  const url = new URL(value, 'http://same.site');
  return url.origin === 'http://same.site' ? `${url.pathname}${url.search}` : undefined;
}

function csrfToken(req) {
  req.session.csrfToken ??= randomBytes(32).toString('base64url');
  return req.session.csrfToken;
}

function validCsrf(req) {
  const expected = req.session?.csrfToken;
  const given = req.body?._csrf;
  if (typeof expected !== 'string' || typeof given !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

function viewerOf(req) {
  return req.user && req.session ? { user: req.user, csrfToken: csrfToken(req) } : {};
}

/** Tells a Kvixi fault, a session-store outage and a bug apart, in words a person can act on. */
function describeError(err) {
  if (err?.sessionStore) {
    return { status: 503, title: 'Sign-in is unavailable right now', message: 'Our session store is not answering. Please try again in a minute.' };
  }
  if (err instanceof KvixiFetchError) {
    return { status: 504, title: 'Kvixi is not answering', message: 'We could not reach Kvixi to finish your login. Please try again in a minute.' };
  }
  if (err instanceof KvixiAPIError) {
    return { status: 502, title: 'Kvixi refused the login', message: `Kvixi said: “${err.providerMessage}”.` };
  }
  if (err instanceof KvixiError) {
    return { status: 502, title: 'Kvixi sent something unexpected', message: 'Kvixi answered in a way we did not understand. Please try again.' };
  }
  return { status: 500, title: 'Something went wrong', message: 'An error on our side stopped this page. Please try again.' };
}

/**
 * The example site. `config`: `db` (from openDatabase), `kvixi` ({ appId, appSecret, baseURL,
 * timeout? }), `sessionSecret`, `sessionStore` (default: memory), `secureCookies`, `trustProxy`,
 * `emulatorURL` (shown on the home page when the embedded emulator runs).
 */
export function createApp(config) {
  const { db, kvixi, sessionSecret, sessionStore, secureCookies = false, trustProxy = false, emulatorURL } = config;
  const passport = createPassport({ db, kvixi });
  const app = express();
  app.set('trust proxy', trustProxy);
  app.disable('x-powered-by');

  const pictureOrigins = [new URL(kvixi.baseURL).origin];
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          'img-src': ["'self'", 'data:', 'https:', ...pictureOrigins],
          'form-action': ["'self'"],
          // On plain http (local runs) upgrading would break the emulator's pictures.
          'upgrade-insecure-requests': secureCookies ? [] : null,
        },
      },
      strictTransportSecurity: secureCookies,
    }),
  );
  app.use(express.static(publicDir, { index: false, maxAge: '1h' }));

  const sessions = session({
    name: 'kvixi-example.sid',
    secret: sessionSecret,
    store: sessionStore,
    resave: false,
    saveUninitialized: false,
    cookie: { httpOnly: true, sameSite: 'lax', secure: secureCookies, maxAge: 7 * 24 * 3600 * 1000 },
  });
  app.use((req, res, next) =>
    sessions(req, res, (err) => next(err ? Object.assign(err instanceof Error ? err : new Error(String(err)), { sessionStore: true }) : undefined)),
  );
  app.use(passport.session());
  app.use(express.urlencoded({ extended: false, limit: '10kb' }));

  const requireLogin = (req, res, next) => {
    if (req.user) return next();
    res.redirect(`/auth/kvixi?returnTo=${encodeURIComponent(req.originalUrl)}`);
  };

  const renderFailure = (req, res, info, status) => {
    const known = FAILURES[info?.code] ?? { title: 'Login failed' };
    res.status(status ?? 401).send(
      errorPage({ viewer: viewerOf(req), title: known.title, message: info?.message ?? 'The login did not go through.', hint: known.hint }),
    );
  };

  app.get('/', (req, res) => {
    res.send(homePage({ viewer: viewerOf(req), providerName: emulatorURL ? 'the local Kvixi emulator' : 'Kvixi', emulatorURL }));
  });

  app.get('/auth/kvixi', (req, res, next) => {
    const returnTo = safeReturnTo(req.query.returnTo);
    passport.authenticate('kvixi', returnTo ? { state: { returnTo } } : {}, (err, _user, info, status) => {
      if (err) return next(err);
      renderFailure(req, res, info, status);
    })(req, res, next);
  });

  app.get('/auth/kvixi/callback', (req, res, next) => {
    passport.authenticate('kvixi', (err, user, info, status) => {
      if (err) return next(err);
      // Back or reload right after logging in: the user is already where they wanted to be.
      if (!user && info?.code === 'ERR_KVIXI_ALREADY_SIGNED_IN') return res.redirect('/profile');
      if (!user) return renderFailure(req, res, info, status);
      req.logIn(user, (loginErr) => {
        if (loginErr) return next(loginErr);
        req.session.tokenExpiresAt = user.tokenExpiresAt;
        res.redirect(safeReturnTo(info?.state?.returnTo) ?? '/profile');
      });
    })(req, res, next);
  });

  app.get('/profile', requireLogin, (req, res) => {
    res.send(profilePage({ viewer: viewerOf(req), accessTokenExpiresAt: req.session.tokenExpiresAt }));
  });

  app.get('/account', requireLogin, (req, res) => {
    res.send(accountPage({ viewer: viewerOf(req) }));
  });

  app.post('/logout', (req, res, next) => {
    if (!validCsrf(req)) {
      return res.status(403).send(
        errorPage({
          viewer: viewerOf(req),
          title: 'This form has expired',
          message: 'The log-out request did not come from this site, or the page was too old.',
          action: { href: '/', label: 'Go to the home page' },
        }),
      );
    }
    req.logout((err) => (err ? next(err) : res.redirect(303, '/')));
  });

  app.use((req, res) => {
    res.status(404).send(notFoundPage({ viewer: viewerOf(req) }));
  });

  // Express tells an error handler by its four parameters.
  app.use((err, req, res, _next) => {
    const { status, title, message } = describeError(err);
    if (status === 500) console.error(err);
    if (res.headersSent) return res.end();
    let viewer = {};
    try {
      viewer = viewerOf(req);
    } catch {
      // No session to read: show the page to a visitor.
    }
    res.status(status).send(errorPage({ viewer, title, message }));
  });

  return app;
}
