import { randomBytes, timingSafeEqual } from 'node:crypto';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import session, { type Store } from 'express-session';
import helmet from 'helmet';
import { KvixiAPIError, KvixiError, KvixiFetchError, type KvixiClaimStore, type KvixiFailureCode } from 'passport-kvixi';
import { createPassport, PENDING_LOGIN_TTL, type KvixiSettings } from './auth.js';
import { isDatabaseBusy, type AppDatabase } from './db.js';
import { accountPage, errorPage, homePage, notFoundPage, profilePage, type Failure, type Viewer } from './views.js';

declare module 'express-session' {
  interface SessionData {
    csrfToken: string;
    tokenExpiresAt: string;
  }
}

const publicDir = new URL('./public/', import.meta.url).pathname;

/** A signed-in session lasts a week; one that never logs in ends with its pending login. */
const SIGNED_IN_MAX_AGE = 7 * 24 * 3600 * 1000;
const ANONYMOUS_MAX_AGE = PENDING_LOGIN_TTL * 1000;

/** Failure codes from the strategy, including the two a newer strategy adds. */
type FailureCode = KvixiFailureCode | 'ERR_KVIXI_ALREADY_SIGNED_IN' | 'ERR_KVIXI_USER_NOT_FOUND';

/** What a person is told when a login fails cleanly: a short title and one thing to do. */
const FAILURES: Partial<Record<FailureCode, { title: string; message: string; retry?: false }>> = {
  ERR_KVIXI_NO_PENDING_LOGIN: {
    title: 'This login link was already used',
    message: 'A link back from Kvixi works once, in the browser that started the login: start a new login.',
  },
  ERR_KVIXI_PENDING_LOGIN_EXPIRED: {
    title: 'Your login took too long',
    message: 'Start again and finish on Kvixi within ten minutes.',
  },
  ERR_KVIXI_AUTH_KEY_REJECTED: {
    title: 'Kvixi did not accept this login',
    message: 'Start a new login to get a fresh link from Kvixi.',
  },
  ERR_KVIXI_MISSING_AUTH_KEY: { title: 'This login link is incomplete', message: 'Start a new login from this site.' },
  ERR_KVIXI_MALFORMED_AUTH_KEY: { title: 'This login link is incomplete', message: 'Start a new login from this site.' },
  ERR_KVIXI_CROSS_SITE_START: {
    title: 'Log in from this site',
    message: 'Another site tried to start a login here: use the button on this page instead.',
  },
  ERR_KVIXI_USER_NOT_FOUND: {
    title: 'This Kvixi account no longer exists',
    message: 'It was deleted on Kvixi. Log in with another Kvixi account, or create one there first.',
    retry: false,
  },
};

/** The provider's words for "this app cannot log anyone in": a retry will not help. */
const APP_DISABLED_MESSAGES = new Set([
  'The developers module has been disabled by the admin',
  "We're sorry, but the application you're trying to use doesn't exist or has been disabled",
]);

/**
 * Only a same-site path is a safe place to return to: `/account`, not `//evil.test`,
 * `/\evil.test` or `https://evil.test`. Checked after URL normalisation, which can turn
 * `/..//evil.test` into `//evil.test`.
 */
export function safeReturnTo(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 512 || !value.startsWith('/')) return undefined;
  // Browsers drop tabs and newlines from URLs and read `\` as `/`.
  if (value.includes('\\') || /[\u0000-\u001f\u007f]/.test(value)) return undefined;
  let url: URL;
  try {
    url = new URL(value, 'http://same.site');
  } catch {
    return undefined;
  }
  const path = `${url.pathname}${url.search}`;
  if (url.origin !== 'http://same.site' || !path.startsWith('/') || path.startsWith('//')) return undefined;
  return path;
}

/** The `returnTo` kept in the strategy's `state`, if the login carried one. */
function returnToOf(info: unknown): string | undefined {
  if (typeof info !== 'object' || info === null || !('state' in info)) return undefined;
  const { state } = info;
  if (typeof state !== 'object' || state === null || !('returnTo' in state)) return undefined;
  return safeReturnTo(state.returnTo);
}

function failureCodeOf(info: unknown): string | undefined {
  const code = typeof info === 'object' && info !== null && 'code' in info ? info.code : undefined;
  return typeof code === 'string' ? code : undefined;
}

function failureMessageOf(info: unknown): string | undefined {
  const message = typeof info === 'object' && info !== null && 'message' in info ? info.message : undefined;
  return typeof message === 'string' ? message : undefined;
}

function csrfToken(req: Request): string {
  req.session.csrfToken ??= randomBytes(32).toString('base64url');
  return req.session.csrfToken;
}

function validCsrf(req: Request): boolean {
  const expected = req.session?.csrfToken;
  const given: unknown = (req.body as Record<string, unknown> | undefined)?._csrf;
  if (typeof expected !== 'string' || typeof given !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

function viewerOf(req: Request, current?: string): Viewer {
  const viewer: Viewer = current ? { current } : {};
  return req.user && req.session ? { ...viewer, user: req.user, csrfToken: csrfToken(req) } : viewer;
}

/** An error the session store reported: the store is down or slow, not our code broken. */
class SessionStoreError extends Error {
  readonly sessionStore = true;
  constructor(cause: unknown) {
    super(`the session store failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'SessionStoreError';
  }
}

function asSessionStoreError(err: unknown): SessionStoreError {
  return err instanceof SessionStoreError ? err : new SessionStoreError(err);
}

const STORE_METHODS = new Set<PropertyKey>(['get', 'set', 'destroy', 'touch']);

/**
 * The store, with every error it reports marked as a session-store error (saving and regenerating
 * the session during a login or logout included), and a call that gets no answer within
 * `timeoutMs` failed as one. node-redis's own command timeout stops counting once a command is
 * written to the socket, so a Redis that stops answering (a network partition) would hang the
 * request forever without this.
 */
function guardedStore(store: Store, timeoutMs: number): Store {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || !STORE_METHODS.has(property)) return value;
      return (...args: unknown[]) => {
        const callback = args.at(-1);
        if (typeof callback !== 'function') return (value as (...a: unknown[]) => unknown).apply(receiver, args);
        let answered = false;
        const answer = (err: unknown, ...rest: unknown[]): void => {
          if (answered) return;
          answered = true;
          clearTimeout(timer);
          callback(err ? asSessionStoreError(err) : err, ...rest);
        };
        const timer = setTimeout(() => answer(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        args[args.length - 1] = answer;
        return (value as (...a: unknown[]) => unknown).apply(receiver, args);
      };
    },
  });
}

/**
 * The claim store, guarded as the session store is (they share one Redis): its errors, and a
 * claim that gets no answer within `timeoutMs`, are session-store errors.
 */
function guardedClaims(claims: KvixiClaimStore, timeoutMs: number): KvixiClaimStore {
  return {
    claim: (id, ttlMs) =>
      new Promise<boolean>((resolve, reject) => {
        const timer = setTimeout(() => reject(asSessionStoreError(new Error(`no answer within ${timeoutMs} ms`))), timeoutMs);
        claims.claim(id, ttlMs).then(
          (claimed) => {
            clearTimeout(timer);
            resolve(claimed);
          },
          (err: unknown) => {
            clearTimeout(timer);
            reject(asSessionStoreError(err));
          },
        );
      }),
  };
}

interface Described {
  status: number;
  failure: Failure;
}

/** Tells a Kvixi fault, an outage and a bug apart, in words a person can act on. */
function describeError(err: unknown, retryHref: string): Described {
  const retry = { href: retryHref, label: 'Try again' };
  if (err instanceof SessionStoreError || (err as { sessionStore?: unknown } | null)?.sessionStore) {
    return {
      status: 503,
      failure: { title: 'Sign-in is unavailable right now', message: 'Our session store is not answering. Please try again in a minute.', action: retry },
    };
  }
  if (isDatabaseBusy(err)) {
    return {
      status: 503,
      failure: { title: 'The site is busy', message: 'Our database is busy. Please try again in a few seconds.', action: retry },
    };
  }
  if (err instanceof KvixiFetchError) {
    return {
      status: 504,
      failure: { title: 'Kvixi is not answering', message: 'Please try again in a minute.', action: retry, details: { code: err.code } },
    };
  }
  if (err instanceof KvixiAPIError) {
    const details = { code: err.code, providerMessage: err.providerMessage };
    if (APP_DISABLED_MESSAGES.has(err.providerMessage)) {
      return {
        status: 502,
        failure: {
          title: 'Log in with Kvixi is switched off',
          message: 'Kvixi has disabled this site’s app: please contact the site owner.',
          details,
        },
      };
    }
    return {
      status: 502,
      failure: { title: 'Kvixi refused the login', message: 'Start a new login; if this keeps happening, contact the site owner.', action: retry, details },
    };
  }
  if (err instanceof KvixiError) {
    return {
      status: 502,
      failure: { title: 'Kvixi sent something unexpected', message: 'Please try again in a minute.', action: retry, details: { code: err.code } },
    };
  }
  return {
    status: 500,
    failure: { title: 'Something went wrong', message: 'An error on our side stopped this page. Please try again.', action: retry },
  };
}

export interface AppConfig {
  db: AppDatabase;
  kvixi: KvixiSettings;
  sessionSecret: string;
  /** Default: express-session's memory store. */
  sessionStore?: Store | undefined;
  /** Shared by every instance (Redis, with the sessions); default the strategy's in-process record. */
  claimStore?: KvixiClaimStore | undefined;
  /** Milliseconds a session-store or claim-store call may take before the page answers 503; default 1000. */
  sessionStoreTimeout?: number;
  secureCookies?: boolean;
  trustProxy?: boolean | number | string;
  /** Shown on the home page when the embedded emulator runs. */
  emulatorURL?: string | undefined;
}

/** The example site. */
export function createApp(config: AppConfig): express.Express {
  const { db, kvixi, sessionSecret, sessionStore, claimStore, sessionStoreTimeout = 1000, secureCookies = false, trustProxy = false, emulatorURL } = config;
  const passport = createPassport({ db, kvixi, claimStore: claimStore && guardedClaims(claimStore, sessionStoreTimeout) });
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
    ...(sessionStore ? { store: guardedStore(sessionStore, sessionStoreTimeout) } : {}),
    resave: false,
    saveUninitialized: false,
    cookie: { httpOnly: true, sameSite: 'lax', secure: secureCookies, maxAge: ANONYMOUS_MAX_AGE },
  });
  app.use((req, res, next) => sessions(req, res, (err?: unknown) => next(err ? asSessionStoreError(err) : undefined)));
  app.use(passport.session());
  app.use(express.urlencoded({ extended: false, limit: '10kb' }));

  const requireLogin: RequestHandler = (req, res, next) => {
    if (req.user) return next();
    res.redirect(`/auth/kvixi?returnTo=${encodeURIComponent(req.originalUrl)}`);
  };

  const renderFailure = (req: Request, res: Response, info: unknown, status: unknown): void => {
    const code = failureCodeOf(info);
    const known = (code && FAILURES[code as FailureCode]) || { title: 'Login failed', message: 'Start a new login from this site.' };
    const details = code ? { code, ...(failureMessageOf(info) ? { message: failureMessageOf(info) } : {}) } : undefined;
    res.status(typeof status === 'number' ? status : 401).send(
      errorPage({
        viewer: viewerOf(req),
        failure: {
          title: known.title,
          message: known.message,
          ...(known.retry === false ? {} : { action: { href: '/auth/kvixi', label: 'Try again' } }),
          ...(details ? { details } : {}),
        },
      }),
    );
  };

  app.get('/', (req, res) => {
    res.send(homePage({ viewer: viewerOf(req, '/'), providerName: emulatorURL ? 'the local Kvixi emulator' : 'Kvixi', emulatorURL }));
  });

  app.get('/auth/kvixi', (req, res, next) => {
    const returnTo = safeReturnTo(req.query.returnTo);
    // @types/passport types `state` as a string; the strategy keeps any serialisable value.
    const options = (returnTo ? { state: { returnTo } } : {}) as object;
    passport.authenticate('kvixi', options, (err: unknown, _user: unknown, info: unknown, status: unknown) => {
      if (err) return next(err);
      renderFailure(req, res, info, status);
    })(req, res, next);
  });

  app.get('/auth/kvixi/callback', (req, res, next) => {
    passport.authenticate('kvixi', (err: unknown, user: Express.User | false, info: unknown, status: unknown) => {
      if (err) return next(err);
      if (!user) {
        // Back or reload right after logging in: the user is here already, so show their page.
        if (failureCodeOf(info) === 'ERR_KVIXI_ALREADY_SIGNED_IN') return res.redirect('/profile');
        return renderFailure(req, res, info, status);
      }
      req.logIn(user, (loginErr) => {
        if (loginErr) return next(loginErr);
        req.session.cookie.maxAge = SIGNED_IN_MAX_AGE;
        if (user.tokenExpiresAt) req.session.tokenExpiresAt = user.tokenExpiresAt;
        req.session.save((saveErr) => {
          if (saveErr) return next(saveErr);
          res.redirect(returnToOf(info) ?? '/profile');
        });
      });
    })(req, res, next);
  });

  app.get('/profile', requireLogin, (req, res) => {
    res.send(profilePage({ viewer: viewerOf(req, '/profile'), accessTokenExpiresAt: req.session.tokenExpiresAt }));
  });

  app.get('/account', requireLogin, (req, res) => {
    res.send(accountPage({ viewer: viewerOf(req, '/account') }));
  });

  app.post('/logout', (req, res, next) => {
    if (!validCsrf(req)) {
      return res.status(403).send(
        errorPage({
          viewer: viewerOf(req),
          failure: {
            title: 'This form has expired',
            message: 'Reload the page and log out again.',
            action: { href: req.user ? '/profile' : '/', label: req.user ? 'Back to your profile' : 'Go to the home page' },
          },
        }),
      );
    }
    req.logout((err) => (err ? next(err) : res.redirect(303, '/')));
  });

  app.use((req, res) => {
    res.status(404).send(notFoundPage({ viewer: viewerOf(req) }));
  });

  // Express tells an error handler by its four parameters.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const callback = req.path.startsWith('/auth/kvixi');
    const retryHref = req.method === 'GET' && !callback ? req.originalUrl : '/auth/kvixi';
    const { status, failure } = describeError(err, retryHref);
    if (status === 500) console.error(err);
    if (res.headersSent) return void res.end();
    let viewer: Viewer = {};
    try {
      viewer = viewerOf(req);
    } catch {
      // No session to read: show the page to a visitor.
    }
    res.status(status).send(errorPage({ viewer, failure }));
  });

  return app;
}
