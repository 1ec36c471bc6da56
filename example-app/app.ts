import { randomBytes, timingSafeEqual } from 'node:crypto';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import session, { type Store } from 'express-session';
import helmet from 'helmet';
import { KvixiAPIError, KvixiFetchError, KvixiUnexpectedResponseError, type KvixiClaimStore, type KvixiSuccessInfo } from 'passport-kvixi';
import { createPassport, PENDING_LOGIN_TTL, type KvixiSettings } from './auth.js';
import { isDatabaseBusy, type AppDatabase } from './db.js';
import {
  accountPage,
  continuePage,
  errorPage,
  homePage,
  html,
  loggedOutPage,
  loginRequiredPage,
  notFoundPage,
  profilePage,
  type Action,
  type Failure,
  type SafeHtml,
  type Viewer,
} from './views.js';

declare module 'express-session' {
  interface SessionData {
    csrfToken: string;
    tokenExpiresAt: string;
    /** Logins this browser started since its last login or logout, in any tab. */
    loginsStarted: number;
    /** Logins started in other tabs that were still open when this browser logged in. */
    otherLoginsOpen: number;
    /** Set by a logout: the Kvixi name this browser is still signed in to Kvixi as. */
    loggedOutAs: string;
  }
}

const publicDir = new URL('./public/', import.meta.url).pathname;

/** A signed-in session lasts a week; one that never logs in ends with its pending login. */
const SIGNED_IN_MAX_AGE = 7 * 24 * 3600 * 1000;
const ANONYMOUS_MAX_AGE = PENDING_LOGIN_TTL * 1000;

/** What a person is told when a login fails cleanly: a short title, one sentence, one button. */
interface FailureText {
  title: string;
  message: string;
  /** The primary button; every page also has a secondary "Home". */
  action?: Action;
  status: number;
}

const START_AGAIN: Action = { href: '/auth/kvixi', label: 'Start a new login' };
const START_HERE: Action = { href: '/auth/kvixi', label: 'Start a new login here' };

/** Keyed by code, or by `code:reason` where the strategy says why. */
const FAILURES: Record<string, FailureText> = {
  // Nothing of the login's start came back with the callback: another address of this site
  // (host, port or scheme), or cookies blocked.
  'ERR_KVIXI_NO_PENDING_LOGIN:no-cookie': {
    title: "This login can't be finished here",
    message: 'Your browser came back from Kvixi without this site’s cookie: the login was started at another address of this site, or cookies are blocked. Start a new login here.',
    action: START_HERE,
    status: 403,
  },
  // The cookie came, with no login in it: already finished, or started in another browser.
  ERR_KVIXI_NO_PENDING_LOGIN: {
    title: "This login can't be finished in this browser",
    message: 'It was started in another browser, or it is already finished. Start a new login here.',
    action: START_HERE,
    status: 403,
  },
  ERR_KVIXI_PENDING_LOGIN_EXPIRED: {
    title: 'Your login took too long',
    message: 'Start again and finish on Kvixi within ten minutes.',
    action: START_AGAIN,
    status: 401,
  },
  ERR_KVIXI_AUTH_KEY_REJECTED: {
    title: 'Kvixi did not accept this login',
    message: 'Start a new login to get a fresh link from Kvixi.',
    action: START_AGAIN,
    status: 401,
  },
  ERR_KVIXI_MISSING_AUTH_KEY: { title: 'This login link is incomplete', message: 'Start a new login from this site.', action: START_AGAIN, status: 400 },
  ERR_KVIXI_MALFORMED_AUTH_KEY: { title: 'This login link is incomplete', message: 'Start a new login from this site.', action: START_AGAIN, status: 400 },
  ERR_KVIXI_NOT_A_NAVIGATION: { title: 'Log in from this site', message: 'A login starts when you open this site’s login page.', action: START_AGAIN, status: 403 },
  ERR_KVIXI_USER_NOT_FOUND: {
    title: 'This Kvixi account no longer exists',
    message: 'It was deleted on Kvixi. Log in with another Kvixi account, or create one there first.',
    // Kvixi ends a deleted account's sessions, so a new login opens Kvixi's sign-in page.
    action: { href: '/auth/kvixi', label: 'Log in with another Kvixi account' },
    status: 403,
  },
  ERR_KVIXI_FETCH: { title: 'Kvixi is not answering', message: 'Please try again in a minute.', action: { href: '/auth/kvixi', label: 'Try again' }, status: 504 },
  ERR_KVIXI_TIMEOUT: { title: 'Kvixi is not answering', message: 'Please try again in a minute.', action: { href: '/auth/kvixi', label: 'Try again' }, status: 504 },
  ERR_KVIXI_UNEXPECTED_RESPONSE: {
    title: 'Kvixi sent something unexpected',
    message: 'Please try again in a minute.',
    action: { href: '/auth/kvixi', label: 'Try again' },
    status: 502,
  },
  ERR_KVIXI_API: {
    title: 'Kvixi refused the login',
    message: 'Start a new login; if this keeps happening, contact the site owner.',
    action: { href: '/auth/kvixi', label: 'Try again' },
    status: 502,
  },
};

/** The reasons a failure URL may carry: closed lists, so the URL cannot put words on the page. */
const REASONS = new Set(['no-cookie', 'not-started-here', 'app-disabled']);
const ENDPOINTS = new Set(['authorize', 'get_user_info']);
const KNOWN_CODES = new Set([...Object.keys(FAILURES).map((key) => key.split(':')[0]!), 'ERR_KVIXI_ALREADY_SIGNED_IN']);

/** The provider's words for "this app cannot log anyone in": a retry will not help. */
const APP_DISABLED_MESSAGES = new Set([
  'The developers module has been disabled by the admin',
  "We're sorry, but the application you're trying to use doesn't exist or has been disabled",
]);

/** What a failure URL says: codes, reasons, an endpoint and a status, never a secret or the provider's text. */
interface FailureQuery {
  code: string;
  reason?: string | undefined;
  endpoint?: string | undefined;
  status?: number | undefined;
}

/**
 * The stable address of a failed login. The callback redirects there, so a reload shows the same
 * page and the auth_key leaves the address bar.
 */
function failureURL({ code, reason, endpoint, status }: FailureQuery): string {
  const query = new URLSearchParams({ code });
  if (reason) query.set('reason', reason);
  if (endpoint) query.set('endpoint', endpoint);
  if (status !== undefined) query.set('status', String(status));
  return `/login/failed?${query}`;
}

function failureQueryOf(query: Request['query']): FailureQuery | undefined {
  const code = typeof query.code === 'string' && KNOWN_CODES.has(query.code) ? query.code : undefined;
  if (!code) return undefined;
  const reason = typeof query.reason === 'string' && REASONS.has(query.reason) ? query.reason : undefined;
  const endpoint = typeof query.endpoint === 'string' && ENDPOINTS.has(query.endpoint) ? query.endpoint : undefined;
  const status = typeof query.status === 'string' && /^[1-5]\d\d$/.test(query.status) ? Number(query.status) : undefined;
  return { code, reason, endpoint, status };
}

/** Kvixi refused, did not answer, or answered nonsense: the provider's fault, not a bug of the app's. */
type KvixiFault = KvixiAPIError | KvixiFetchError | KvixiUnexpectedResponseError;

function isKvixiFault(err: unknown): err is KvixiFault {
  return err instanceof KvixiAPIError || err instanceof KvixiFetchError || err instanceof KvixiUnexpectedResponseError;
}

/** A Kvixi fault during the callback, as a failure URL can carry it. */
function failureQueryOfError(err: KvixiFault): FailureQuery {
  if (err instanceof KvixiAPIError) {
    return { code: err.code, endpoint: err.endpoint, reason: APP_DISABLED_MESSAGES.has(err.providerMessage) ? 'app-disabled' : undefined };
  }
  if (err instanceof KvixiUnexpectedResponseError) return { code: err.code, endpoint: err.endpoint, status: err.status };
  return { code: err.code, endpoint: err.endpoint };
}

/** The contact line of the app-disabled page: an e-mail address becomes a link. */
function contactNote(contact: string): SafeHtml {
  const email = /^[^\s@<>]+@[^\s@<>]+$/.test(contact);
  return html`Contact: ${email ? html`<a href="mailto:${contact}">${contact}</a>` : contact}`;
}

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

/** Why the strategy failed, where it says (`reason`); a strategy without reasons means 'not-started-here'. */
function failureReasonOf(info: unknown): string | undefined {
  const reason = typeof info === 'object' && info !== null && 'reason' in info ? info.reason : undefined;
  return typeof reason === 'string' && REASONS.has(reason) ? reason : undefined;
}

function continueURLOf(info: unknown): string | undefined {
  const url = typeof info === 'object' && info !== null && 'continueURL' in info ? info.continueURL : undefined;
  return safeReturnTo(url);
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

/** Tells an outage and a bug apart, in words a person can act on. */
function describeError(err: unknown, retryHref: string): Described {
  const retry = { href: retryHref, label: 'Try again' };
  if (err instanceof SessionStoreError || (err as { sessionStore?: unknown } | null)?.sessionStore) {
    return {
      status: 503,
      failure: { title: 'Logging in is unavailable right now', message: 'Our session store is not answering. Please try again in a minute.', action: retry },
    };
  }
  if (isDatabaseBusy(err)) {
    return {
      status: 503,
      failure: { title: 'The site is busy', message: 'Our database is busy. Please try again in a few seconds.', action: retry },
    };
  }
  if (isKvixiFault(err)) {
    const failure = FAILURES[err.code]!;
    return { status: failure.status, failure: { ...failure, details: failureQueryOfError(err) } };
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
  /** Secure cookies, named `__Host-…`: set when the site is served over https. */
  secureCookies?: boolean;
  trustProxy?: boolean | number | string;
  /** Shown on the home page when the embedded emulator runs. */
  emulatorURL?: string | undefined;
  /** Where a browser signs out of Kvixi; default `{baseURL}/signout`, Sngine's sign-out link. */
  kvixiSignOutURL?: string | undefined;
  /** Who to contact when Kvixi has disabled the app: an e-mail address or a sentence. */
  siteContact?: string | undefined;
}

/** The session cookie. Over https `__Host-`: only this exact host can set it, so a sibling subdomain cannot plant one. */
export function sessionCookieName(secure: boolean): string {
  return secure ? '__Host-kvixi-example.sid' : 'kvixi-example.sid';
}

/** The example site. */
export function createApp(config: AppConfig): express.Express {
  const { db, kvixi, sessionSecret, sessionStore, claimStore, sessionStoreTimeout = 1000, secureCookies = false, trustProxy = false, emulatorURL, siteContact } = config;
  const kvixiSignOutURL = config.kvixiSignOutURL ?? `${kvixi.baseURL.replace(/\/+$/, '')}/signout`;
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
  // Every page past here is someone's: Back after a logout must ask the server again, not show a copy.
  app.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });

  const sessions = session({
    name: sessionCookieName(secureCookies),
    secret: sessionSecret,
    ...(sessionStore ? { store: guardedStore(sessionStore, sessionStoreTimeout) } : {}),
    resave: false,
    saveUninitialized: false,
    // Path=/ and no Domain, as the __Host- prefix requires.
    cookie: { httpOnly: true, sameSite: 'lax', secure: secureCookies, path: '/', maxAge: ANONYMOUS_MAX_AGE },
  });
  app.use((req, res, next) => sessions(req, res, (err?: unknown) => next(err ? asSessionStoreError(err) : undefined)));
  app.use(passport.session());
  app.use(express.urlencoded({ extended: false, limit: '10kb' }));

  /** A visitor starts a login and comes back; after a logout the page asks for that click instead. */
  const requireLogin =
    (what: string): RequestHandler =>
    (req, res, next) => {
      if (req.user) return next();
      if (req.session?.loggedOutAs !== undefined) {
        return res.status(401).send(loginRequiredPage({ viewer: viewerOf(req), what, returnTo: safeReturnTo(req.originalUrl) ?? '/profile' }));
      }
      res.redirect(`/auth/kvixi?returnTo=${encodeURIComponent(req.originalUrl)}`);
    };

  const sendFailure = (req: Request, res: Response, { code, reason, endpoint, status }: FailureQuery): void => {
    const viewer = viewerOf(req);
    if (code === 'ERR_KVIXI_ALREADY_SIGNED_IN') {
      if (!req.user) return res.redirect(303, '/');
      const name = req.user.displayName;
      return void res.status(409).send(
        errorPage({
          viewer,
          failure: {
            title: `You're already signed in as ${name}`,
            message: `This browser is logged in as ${name}. To use another Kvixi account, log out here first, then sign out of Kvixi.`,
            action: { logout: true, label: 'Log out to switch account' },
          },
        }),
      );
    }
    const details = { code, reason, endpoint, status };
    if (code === 'ERR_KVIXI_API' && reason === 'app-disabled') {
      return void res.status(502).send(
        errorPage({
          viewer,
          failure: {
            title: 'Log in with Kvixi is switched off',
            message: siteContact
              ? 'Kvixi has disabled this site’s app, so nobody can log in for now. The site owner can fix it.'
              : 'Kvixi has disabled this site’s app, so nobody can log in for now: please tell the site owner.',
            ...(siteContact ? { note: contactNote(siteContact) } : {}),
            final: true,
            details,
          },
        }),
      );
    }
    const known = FAILURES[`${code}:${reason}`] ?? FAILURES[code] ?? { title: 'Login failed', message: 'Start a new login from this site.', action: START_AGAIN, status: 401 };
    const note = code === 'ERR_KVIXI_API' && siteContact ? { note: contactNote(siteContact) } : {};
    res.status(known.status).send(errorPage({ viewer, failure: { title: known.title, message: known.message, ...(known.action ? { action: known.action } : {}), ...note, details } }));
  };

  app.get('/', (req, res) => {
    res.send(homePage({ viewer: viewerOf(req, '/'), providerName: emulatorURL ? 'the local Kvixi emulator' : 'Kvixi', emulatorURL }));
  });

  app.get('/auth/kvixi', (req, res, next) => {
    const returnTo = safeReturnTo(req.query.returnTo);
    // @types/passport types `state` as a string; the strategy keeps any serialisable value.
    const options = (returnTo ? { state: { returnTo } } : {}) as object;
    // Counted so that a login coming back in another tab can be told from Back after this one.
    req.session.loginsStarted = (req.session.loginsStarted ?? 0) + 1;
    passport.authenticate('kvixi', options, (err: unknown, _user: unknown, info: unknown, status: unknown) => {
      // Not started after all; a visitor's session that holds nothing else is then not saved.
      const started = (req.session.loginsStarted ?? 1) - 1;
      if (started > 0) req.session.loginsStarted = started;
      else delete req.session.loginsStarted;
      if (err) return next(err);
      const code = failureCodeOf(info);
      if (code === 'ERR_KVIXI_CROSS_SITE_START') {
        // A link from another site: nothing failed, one click on a page of ours goes on, returnTo kept.
        return res.status(typeof status === 'number' ? status : 403).send(continuePage({ viewer: viewerOf(req), continueURL: continueURLOf(info) ?? '/auth/kvixi' }));
      }
      sendFailure(req, res, { code: code && KNOWN_CODES.has(code) ? code : 'ERR_KVIXI_NOT_A_NAVIGATION' });
    })(req, res, next);
  });

  app.get('/auth/kvixi/callback', (req, res, next) => {
    passport.authenticate('kvixi', (err: unknown, user: Express.User | false, info: unknown) => {
      if (isKvixiFault(err)) {
        // Kvixi's own words go to the log, not into the URL or onto the page.
        console.warn(`example-app: a login failed: ${err.message}`);
        return res.redirect(303, failureURL(failureQueryOfError(err)));
      }
      if (err) return next(err);
      if (user && (info as KvixiSuccessInfo | undefined)?.alreadySignedIn) {
        // Back or reload after logging in, with no other tab's login open: the user is here already.
        if (!req.session.otherLoginsOpen) return res.redirect('/profile');
        // Another tab's login came back (perhaps as someone else): say who is signed in.
        req.session.otherLoginsOpen -= 1;
        return res.redirect(303, failureURL({ code: 'ERR_KVIXI_ALREADY_SIGNED_IN' }));
      }
      if (!user) {
        const code = failureCodeOf(info) ?? 'ERR_KVIXI_NO_PENDING_LOGIN';
        const reason = failureReasonOf(info) ?? (code === 'ERR_KVIXI_NO_PENDING_LOGIN' ? 'not-started-here' : undefined);
        return res.redirect(303, failureURL({ code: KNOWN_CODES.has(code) ? code : 'ERR_KVIXI_NO_PENDING_LOGIN', reason }));
      }
      // Read before req.logIn renews the session; the strategy has just closed those other logins.
      const otherLoginsOpen = Math.max(0, (req.session.loginsStarted ?? 1) - 1);
      req.logIn(user, (loginErr) => {
        if (loginErr) return next(loginErr);
        req.session.cookie.maxAge = SIGNED_IN_MAX_AGE;
        if (user.tokenExpiresAt) req.session.tokenExpiresAt = user.tokenExpiresAt;
        if (otherLoginsOpen > 0) req.session.otherLoginsOpen = otherLoginsOpen;
        req.session.save((saveErr) => {
          if (saveErr) return next(saveErr);
          res.redirect(returnToOf(info) ?? '/profile');
        });
      });
    })(req, res, next);
  });

  app.get('/login/failed', (req, res) => {
    const query = failureQueryOf(req.query);
    if (query) return sendFailure(req, res, query);
    res.status(400).send(errorPage({ viewer: viewerOf(req), failure: { title: 'Login failed', message: 'Start a new login from this site.', action: START_AGAIN } }));
  });

  app.get('/profile', requireLogin('your profile'), (req, res) => {
    res.send(profilePage({ viewer: viewerOf(req, '/profile'), accessTokenExpiresAt: req.session.tokenExpiresAt }));
  });

  app.get('/account', requireLogin('your account'), (req, res) => {
    res.send(accountPage({ viewer: viewerOf(req, '/account') }));
  });

  app.post('/logout', (req, res, next) => {
    if (!req.user) {
      return res.send(
        errorPage({
          viewer: viewerOf(req),
          failure: { title: "You're already logged out", message: 'This browser is not logged in to this site.', action: { href: '/auth/kvixi', label: 'Log in' } },
        }),
      );
    }
    if (!validCsrf(req)) {
      return res.status(403).send(
        errorPage({
          viewer: viewerOf(req),
          failure: { title: 'This form has expired', message: 'Reload the page and log out again.', action: { href: '/profile', label: 'Back to your profile' } },
        }),
      );
    }
    const kvixiName = req.user.displayName;
    req.logout((err) => {
      if (err) return next(err);
      // Remembered after the session is renewed: Kvixi still knows this browser, and Back must not log in again.
      req.session.loggedOutAs = kvixiName;
      req.session.cookie.maxAge = SIGNED_IN_MAX_AGE;
      req.session.save((saveErr) => (saveErr ? next(saveErr) : res.redirect(303, '/logged-out')));
    });
  });

  app.get('/logged-out', (req, res) => {
    if (req.user) return res.redirect('/profile');
    res.send(loggedOutPage({ viewer: viewerOf(req), kvixiName: req.session?.loggedOutAs, kvixiSignOutURL }));
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
