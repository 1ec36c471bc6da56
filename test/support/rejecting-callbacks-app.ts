// Run by test/custom-callback-rejections.test.ts in a child process (tsx): an Express 5 +
// express-session + passport 0.7 app whose async code rejects, in each shape an app writes it.
// An unhandled rejection would end this process with code 1; the parent checks it stays up and
// each request gets one 500. It prints `listening <port>` once it listens.
import express, { type NextFunction, type Request, type Response } from 'express';
import session from 'express-session';
import { Passport } from 'passport';
import { handleAsync, KvixiStrategy } from '../../lib/index.js';

const appId = process.env.KVIXI_APP_ID;
const appSecret = process.env.KVIXI_APP_SECRET;
const baseURL = process.env.KVIXI_BASE_URL;

/** The app's own async work that fails: a token store, an audit log. */
async function saveFails(what: string): Promise<never> {
  await new Promise((resolve) => setTimeout(resolve, 5));
  throw new Error(`${what} failed`);
}

type CustomCallback = (err: unknown, user: Express.User | false, info: unknown) => unknown;

/** Passport with one Kvixi strategy whose callback route is `/{shape}/auth/kvixi/callback`. */
function passportFor(shape: string): InstanceType<typeof Passport> {
  const passport = new Passport();
  passport.use(
    new KvixiStrategy(
      { appId, appSecret, baseURL, callbackURL: `/${shape}/auth/kvixi/callback` },
      async (_tokens, profile) => ({ id: profile.id }),
    ),
  );
  passport.serializeUser((user, done) => done(null, user));
  passport.deserializeUser((user: Express.User, done) => done(null, user));
  return passport;
}

const app = express();
app.use(session({ secret: 'child app', resave: false, saveUninitialized: false }));

/** The start and the callback of one shape, both through `authenticate(req, res, next)`. */
function routes(shape: string, passport: InstanceType<typeof Passport>, authenticate: (req: Request, res: Response, next: NextFunction) => void): void {
  const router = express.Router();
  router.use(passport.session());
  router.get('/auth/kvixi', passport.authenticate('kvixi'));
  router.get('/auth/kvixi/callback', authenticate);
  app.use(`/${shape}`, router);
}

// Success path, no helper: Passport hands the promise back to the strategy, which routes it.
const plain = passportFor('success-rejects');
routes('success-rejects', plain, (req, res, next) => {
  const callback: CustomCallback = async (err, user) => {
    if (err) return next(err);
    if (!user) return res.status(401).send('refused');
    await saveFails('tokens.save');
    res.send('signed in');
  };
  plain.authenticate('kvixi', callback)(req, res, next);
});

// Success path through handleAsync, as the README's recipe writes it.
const wrapped = passportFor('success-rejects-wrapped');
routes('success-rejects-wrapped', wrapped, (req, res, next) => {
  wrapped.authenticate(
    'kvixi',
    handleAsync(next, async (err: unknown, user: Express.User | false) => {
      if (err) return next(err);
      if (!user) return res.status(401).send('refused');
      await saveFails('tokens.save');
      res.send('signed in');
    }),
  )(req, res, next);
});

// Failure path: Passport drops the promise, so only handleAsync can route it.
const failing = passportFor('failure-rejects');
routes('failure-rejects', failing, (req, res, next) => {
  failing.authenticate(
    'kvixi',
    handleAsync(next, async (err: unknown, user: Express.User | false) => {
      if (err) return next(err);
      if (!user) await saveFails('audit.loginFailed');
      res.send('signed in');
    }),
  )(req, res, next);
});

// An async custom callback that rejects while it handles the strategy's error (a provider fault).
const erring = passportFor('error-rejects');
routes('error-rejects', erring, (req, res, next) => {
  const callback: CustomCallback = async (err) => {
    if (err) await saveFails('alerts.send');
    res.send('no error');
  };
  erring.authenticate('kvixi', callback)(req, res, next);
});

// An async serializeUser through handleAsync, under the plain middleware form.
const serializing = new Passport();
serializing.use(
  new KvixiStrategy(
    { appId, appSecret, baseURL, callbackURL: '/serialize-rejects/auth/kvixi/callback' },
    async (_tokens, profile) => ({ id: profile.id }),
  ),
);
serializing.serializeUser(
  handleAsync(async (user: Express.User, done: (err: unknown, id?: unknown) => void) => {
    await saveFails('sessions.save');
    done(null, user);
  }),
);
routes('serialize-rejects', serializing, serializing.authenticate('kvixi', { successRedirect: '/' }));

/** How often the error handler ran for each request, by the request's id. */
const handled = new Map<string, number>();
app.get('/handled/:id', (req, res) => {
  res.json({ times: handled.get(req.params.id) ?? 0 });
});
app.get('/health', (_req, res) => {
  res.send('up');
});
app.use((err: Error, req: Request, res: Response, next: NextFunction) => {
  const id = String(req.get('x-request-id'));
  handled.set(id, (handled.get(id) ?? 0) + 1);
  if (res.headersSent) return next(err);
  res.status(500).json({ error: err.message });
});

const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') process.stdout.write(`listening ${address.port}\n`);
});
