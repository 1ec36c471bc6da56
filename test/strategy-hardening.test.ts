import cookieSession from 'cookie-session';
import express, { type NextFunction, type Request, type Response } from 'express';
import session, { MemoryStore } from 'express-session';
import nock from 'nock';
import { Passport, type AuthenticateOptions } from 'passport';
import { Strategy as PassportStrategy } from 'passport-strategy';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KvixiStrategy, type KvixiProfile, type KvixiStrategyOptionsBase, type KvixiVerify } from '../lib/index.js';
import {
  ACCESS_TOKEN,
  APP_ID,
  APP_SECRET,
  AUTH_KEY,
  BASE_URL,
  mockPostExchange,
  mockSuccessfulLogin,
  mockUserInfo,
  phpJSON,
  sampleUserInfo,
} from './support/provider.js';

// Each case here was a way to hang a request, crash the process, or sign a browser in as
// somebody else. Every request goes through a real Express 5 + passport 0.7 app.

type Sessions = 'express-session' | 'cookie-session';

interface HostOptions {
  sessions?: Sessions;
  /** Replaces express-session's memory store (to make it fail). */
  store?: session.Store;
  /** Passport's option that carries the old session's data into the regenerated one. */
  keepSessionInfo?: boolean;
  /** The custom callback of `passport.authenticate('kvixi', callback)`. */
  customCallback?: (req: Request, res: Response, next: NextFunction) => (err: unknown, user: unknown, info: unknown) => void;
  serializeUser?: (user: Express.User, done: (err: unknown, id?: unknown) => void) => void;
}

interface Host {
  app: express.Express;
  agent: request.Agent;
  /** Every error the app's error handler received. */
  errors: Array<{ name: string; message: string; code?: string }>;
}

const saveUser: KvixiVerify = (_tokens, profile, done) => done(null, { id: profile.id });

function kvixi(options: Partial<KvixiStrategyOptionsBase> = {}, verify: KvixiVerify = saveUser): KvixiStrategy {
  return new KvixiStrategy(
    { appId: APP_ID, appSecret: APP_SECRET, baseURL: BASE_URL, callbackURL: '/auth/kvixi/callback', ...options },
    verify,
  );
}

function host(strategy: KvixiStrategy, options: HostOptions = {}): Host {
  const passport = new Passport();
  passport.use(strategy);
  passport.serializeUser(options.serializeUser ?? ((user, done) => done(null, user)));
  passport.deserializeUser((user: Express.User, done) => done(null, user));
  const errors: Host['errors'] = [];

  const app = express();
  if (options.sessions === 'cookie-session') app.use(cookieSession({ name: 'sess', keys: ['test key'] }));
  else {
    const store = options.store ?? new MemoryStore();
    app.use(session({ secret: 'test secret', resave: false, saveUninitialized: false, store }));
  }
  app.use(passport.session());
  app.get('/auth/kvixi', (req, res, next) => {
    const state = (req as Request & { testState?: unknown }).testState;
    passport.authenticate('kvixi', (state === undefined ? {} : { state }) as AuthenticateOptions)(req, res, next);
  });
  const authOptions = { failWithError: true, keepSessionInfo: options.keepSessionInfo === true } as AuthenticateOptions;
  app.get(/^\/auth\/kvixi\/.+$/i, (req, res, next) => {
    if (options.customCallback) {
      passport.authenticate('kvixi', options.customCallback(req, res, next))(req, res, next);
      return;
    }
    passport.authenticate('kvixi', authOptions)(req, res, (err?: unknown) => {
      if (err) return next(err);
      res.json({ user: req.user, state: (req.authInfo as { state?: unknown } | undefined)?.state ?? null });
    });
  });
  app.get('/me', (req, res) => res.json({ user: req.user ?? null }));
  app.post('/logout', (req, res, next) => {
    req.logout({ keepSessionInfo: options.keepSessionInfo === true }, (err) => (err ? next(err) : res.json({ ok: true })));
  });
  app.use((err: Error & { code?: string; status?: number }, _req: Request, res: Response, _next: NextFunction) => {
    if (err.name === 'AuthenticationError') {
      res.status(err.status ?? 401).json({ failure: (err as unknown as { failure?: unknown }).failure ?? null });
      return;
    }
    errors.push({ name: err.name, message: err.message, code: err.code });
    if (!res.headersSent) res.status(500).json({ error: { name: err.name, code: err.code, message: err.message } });
  });
  return { app, agent: request.agent(app), errors };
}

/** The auth_key of somebody else's real login: valid at the provider, for another user. */
const ATTACKER_KEY = 'a77ac4e6b0f1d2c3b4a5968778695a4b';

function mockAttackerLogin(): nock.Scope[] {
  return [
    mockPostExchange({ authKey: ATTACKER_KEY }),
    mockUserInfo(phpJSON({ user_info: sampleUserInfo({ user_id: '666', user_name: 'mallory' }) })),
  ];
}

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

describe('no pending login outlives a successful login', () => {
  for (const keepSessionInfo of [false, true]) {
    it(`refuses a forged callback after a login in a browser that clicked "Log in" twice (keepSessionInfo: ${keepSessionInfo})`, async () => {
      const { agent } = host(kvixi(), { keepSessionInfo });
      await agent.get('/auth/kvixi').expect(302);
      await agent.get('/auth/kvixi').expect(302);
      mockSuccessfulLogin();
      expect((await agent.get(`/auth/kvixi/callback?auth_key=${AUTH_KEY}`)).body.user).toEqual({ id: '5' });

      const attacker = mockAttackerLogin();
      const forged = await agent.get(`/auth/kvixi/callback?auth_key=${ATTACKER_KEY}`);
      expect(forged.status).toBe(200);
      expect(forged.body.user).toEqual({ id: '5' });
      expect((await agent.get('/me')).body.user).toEqual({ id: '5' });
      expect(attacker[0]?.isDone()).toBe(false);

      // Signed out (with the session data kept, where the app asks for that): still nothing to use.
      await agent.post('/logout').expect(200);
      const later = await agent.get(`/auth/kvixi/callback?auth_key=${ATTACKER_KEY}`);
      expect(later.status).toBe(403);
      expect((await agent.get('/me')).body.user).toBeNull();
      expect(attacker[0]?.isDone()).toBe(false);
    });
  }

  it('refuses a forged callback after a login with cookie-session, whose old cookie still lists the other logins', async () => {
    const { app, agent } = host(kvixi(), {
      sessions: 'cookie-session',
      customCallback: (req, res, next) => (err, user) => {
        if (err) return next(err);
        if (!user) return res.status(403).json({ user: null });
        // cookie-session has no regenerate: log in by hand as such apps do.
        (req.session as unknown as { passport: unknown }).passport = { user };
        res.json({ user });
      },
    });
    await agent.get('/auth/kvixi').expect(302);
    await agent.get('/auth/kvixi').expect(302);
    const before = agent.jar.getCookies({ domain: '127.0.0.1', path: '/', secure: false, script: false });
    mockSuccessfulLogin();
    expect((await agent.get(`/auth/kvixi/callback?auth_key=${AUTH_KEY}`)).body.user).toEqual({ id: '5' });

    // The browser sends the cookie from before the login again (a copy, or a restored tab).
    const replayed = request.agent(app);
    replayed.jar.setCookies(before.map((cookie) => `${cookie.name}=${cookie.value}`));
    mockAttackerLogin();
    const forged = await replayed.get(`/auth/kvixi/callback?auth_key=${ATTACKER_KEY}`);
    expect(forged.status).toBe(403);
  });
});

describe('a signed-in user who comes back to the callback', () => {
  it('succeeds as the signed-in user with info.alreadySignedIn, so a custom callback can tell, without asking Kvixi', async () => {
    const { agent } = host(kvixi(), {
      customCallback: (req, res, next) => (err, user, info) => {
        if (err) return next(err);
        if (!user) return res.status(409).json({ user, info });
        req.logIn(user as Express.User, (loginErr) => (loginErr ? next(loginErr) : res.json({ user, info })));
      },
    });
    await agent.get('/auth/kvixi').expect(302);
    mockSuccessfulLogin();
    await agent.get(`/auth/kvixi/callback?auth_key=${AUTH_KEY}`).expect(200);
    const replay = mockSuccessfulLogin();
    const back = await agent.get(`/auth/kvixi/callback?auth_key=${AUTH_KEY}`);
    expect(back.body).toEqual({ user: { id: '5' }, info: { alreadySignedIn: true } });
    expect(replay[0]?.isDone()).toBe(false);
  });
});

describe('two callbacks racing on one pending login', () => {
  it('lets only one of them reach the provider and sign in', async () => {
    const { agent } = host(kvixi());
    await agent.get('/auth/kvixi').expect(302);
    // A slow provider: both callbacks are in flight before either answers.
    const exchanges = nock(BASE_URL)
      .post('/api/authorize')
      .times(2)
      .delay(100)
      .reply(200, phpJSON({ access_token: ACCESS_TOKEN }), { 'Content-Type': 'application/json' });
    nock(BASE_URL).get('/api/get_user_info').query(true).times(2).reply(200, phpJSON({ user_info: sampleUserInfo() }));

    const [first, second] = await Promise.all([
      agent.get(`/auth/kvixi/callback?auth_key=${AUTH_KEY}`),
      agent.get(`/auth/kvixi/callback?auth_key=${AUTH_KEY}`),
    ]);
    expect([first.status, second.status].sort()).toEqual([200, 403]);
    expect(exchanges.pendingMocks()).toHaveLength(1);
  });

  it('writes the session once more per login than a strategy that keeps nothing: at the start, never before the exchange', async () => {
    class CountingStore extends MemoryStore {
      writes = 0;
      override set(sid: string, data: session.SessionData, callback?: (err?: unknown) => void): void {
        this.writes++;
        super.set(sid, data, callback);
      }
    }
    // The naive recipe's shape: redirect at the start, sign in at the callback, nothing kept between.
    // (passport-strategy ships no types: the actions passport attaches are declared here.)
    const Base = PassportStrategy as new () => { success(user: object): void; redirect(url: string): void };
    class KeepsNothing extends Base {
      name = 'kvixi';
      authenticate(req: Request): void {
        if (typeof req.query.auth_key === 'string') this.success({ id: '5' });
        else this.redirect(`${BASE_URL}/api/oauth?app_id=${APP_ID}`);
      }
    }
    const writesOf = async (strategy: KvixiStrategy | KeepsNothing, beforeCallback: () => void) => {
      const store = new CountingStore();
      const { agent } = host(strategy as KvixiStrategy, { store });
      await agent.get('/auth/kvixi').expect(302);
      const atStart = store.writes;
      let atExchange: number | undefined;
      beforeCallback();
      nock(BASE_URL)
        .post('/api/authorize')
        .optionally()
        .reply(200, () => {
          atExchange = store.writes;
          return phpJSON({ access_token: ACCESS_TOKEN });
        });
      await agent.get(`/auth/kvixi/callback?auth_key=${AUTH_KEY}`).expect(200);
      expect((await agent.get('/me')).body.user).toMatchObject({ id: '5' });
      nock.cleanAll();
      return { atStart, atExchange, callback: store.writes - atStart };
    };
    const naive = await writesOf(new KeepsNothing(), () => undefined);
    const ours = await writesOf(kvixi(), () => mockUserInfo(phpJSON({ user_info: { ...sampleUserInfo(), user_id: '5' } })));
    expect(naive.atStart).toBe(0);
    expect(ours.atStart).toBe(1);
    // Nothing written between the start and the exchange: the claim makes the login used.
    expect(ours.atExchange).toBe(1);
    // The callback writes what passport's req.logIn writes for any strategy (with passport 0.7 and
    // express-session: the regenerated session, saved by req.logIn and again as the response ends).
    expect(naive.callback).toBeGreaterThan(0);
    expect(ours.callback).toBe(naive.callback);
  });

  it('reports a session store that cannot save at the callback as an error, and signs nobody in', async () => {
    class FailingStore extends MemoryStore {
      failSaves = false;
      override set(sid: string, data: session.SessionData, callback?: (err?: unknown) => void): void {
        if (this.failSaves) {
          callback?.(Object.assign(new Error('store unavailable'), { code: 'ESTORE' }));
          return;
        }
        super.set(sid, data, callback);
      }
    }
    const store = new FailingStore();
    const { agent, errors } = host(kvixi(), { store });
    await agent.get('/auth/kvixi').expect(302);
    store.failSaves = true;
    // The claim made the pending login used before the exchange; the session is saved as the login ends.
    mockSuccessfulLogin();
    const res = await agent.get(`/auth/kvixi/callback?auth_key=${AUTH_KEY}`);
    expect(res.status).toBe(500);
    expect(errors).toEqual([{ name: 'Error', message: 'store unavailable', code: 'ESTORE' }]);
    store.failSaves = false;
    expect((await agent.get('/me')).body.user).toBeNull();
    // The store still holds the session from before the callback: its pending login stays used.
    const exchange = mockPostExchange();
    const again = await agent.get(`/auth/kvixi/callback?auth_key=${AUTH_KEY}`);
    expect(again.status).toBe(403);
    expect(exchange.isDone()).toBe(false);
  });

  it('reports a session store that cannot save a new pending login as an error, instead of redirecting to Kvixi', async () => {
    class DownStore extends MemoryStore {
      override set(_sid: string, _data: session.SessionData, callback?: (err?: unknown) => void): void {
        callback?.(new Error('store unavailable'));
      }
    }
    const { agent, errors } = host(kvixi(), { store: new DownStore() });
    const res = await agent.get('/auth/kvixi');
    expect(res.status).toBe(500);
    expect(res.headers.location).toBeUndefined();
    expect(errors).toEqual([{ name: 'Error', message: 'store unavailable', code: undefined }]);
  });
});

describe('state that cannot be stored', () => {
  const circular: Record<string, unknown> = { a: 1 };
  circular.self = circular;

  it.each([
    ['a BigInt', { n: 10n }, /bigint/],
    ['a circular object', circular, /circular/],
    ['a function', { f: () => 1 }, /function/],
    ['a symbol', Symbol('s'), /symbol/],
    ['more than 2 KiB as JSON', { big: 'x'.repeat(2100) }, /2048 bytes/],
    // JSON would hand these back changed (a string, {}, null), so they are refused where they are.
    ['a Date', { when: new Date(0) }, /but state\.when is a Date$/],
    ['a Map deep inside', { a: { list: [1, new Map()] } }, /but state\.a\.list\[1\] is a Map$/],
    ['a Set as the whole state', new Set([1]), /but state is a Set$/],
    ['a class instance', { user: new (class Account {})() }, /but state\.user is an Account$/],
    ['a plain object with toJSON', { v: { toJSON: () => 'x' } }, /but state\.v has a toJSON method$/],
    ['undefined inside an array', { list: [1, undefined] }, /but state\.list\[1\] is undefined \(JSON turns it into null\)$/],
    ['NaN', { n: Number.NaN }, /but state\.n is NaN/],
    ['Infinity', [Infinity], /but state\[0\] is Infinity/],
  ])('refuses %s at the start with a TypeError instead of hanging', async (_case, state, reason) => {
    const { agent, errors } = startWithState(state);
    const res = await agent.get('/auth/kvixi').timeout(5000);
    expect(res.status).toBe(500);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.name).toBe('TypeError');
    expect(errors[0]?.message).toMatch(/^KvixiStrategy state must be/);
    expect(errors[0]?.message).toMatch(reason);
  });

  for (const sessions of ['express-session', 'cookie-session'] as const) {
    it(`gives back the state it was given, with ${sessions}`, async () => {
      const state = { at: new Date(0).toISOString(), n: 1.5, list: [1, null, 'two'], nested: { ok: true, none: null }, bare: Object.create(null) as object };
      const { agent } = startWithState(state, sessions);
      await agent.get('/auth/kvixi').expect(302);
      mockSuccessfulLogin();
      const res = await agent.get(`/auth/kvixi/plain?auth_key=${AUTH_KEY}`);
      expect(res.body.state).toEqual({ ...state, bare: {} });
    });
  }

  it('leaves out an object key whose value is undefined, as JSON does', async () => {
    const { agent } = startWithState({ returnTo: '/account', gone: undefined });
    await agent.get('/auth/kvixi').expect(302);
    mockSuccessfulLogin();
    const res = await agent.get(`/auth/kvixi/plain?auth_key=${AUTH_KEY}`);
    expect(res.body.state).toStrictEqual({ returnTo: '/account' });
  });

  function startWithState(state: unknown, sessions: Sessions = 'express-session'): Host {
    const strategy = kvixi({ callbackURL: '/auth/kvixi/plain' });
    const passport = new Passport();
    passport.use(strategy);
    passport.serializeUser((user, done) => done(null, user));
    passport.deserializeUser((user: Express.User, done) => done(null, user));
    const errors: Host['errors'] = [];
    const app = express();
    if (sessions === 'cookie-session') {
      app.use(cookieSession({ name: 'sess', keys: ['test key'] }));
      // passport 0.7 needs these two; cookie-session saves with the response anyway.
      app.use((req, _res, next) => {
        const s = req.session as unknown as Record<string, unknown>;
        s.regenerate ??= (done: () => void) => done();
        s.save ??= (done: () => void) => done();
        next();
      });
    } else app.use(session({ secret: 'test secret', resave: false, saveUninitialized: false }));
    app.use(passport.session());
    app.get('/auth/kvixi', passport.authenticate('kvixi', { state } as AuthenticateOptions));
    app.get('/auth/kvixi/plain', passport.authenticate('kvixi'), (req, res) => {
      res.json({ state: (req.authInfo as { state?: unknown }).state });
    });
    app.use((err: Error & { code?: string }, _req: Request, res: Response, _next: NextFunction) => {
      errors.push({ name: err.name, message: err.message, code: err.code });
      res.status(500).json({ error: err.message });
    });
    return { app, agent: request.agent(app), errors };
  }
});

describe('callbackURL matching', () => {
  it.each(['/auth/kvixi/callback/', '/AUTH/KVIXI/CALLBACK', '/auth/kvixi/%63allback', '/Auth/Kvixi/Callback/'])(
    'treats %s without auth_key as the callback, as Express routes it',
    async (path) => {
      const { agent } = host(kvixi(), {
        customCallback: (_req, res, next) => (err, _user, info) => (err ? next(err) : res.status(400).json({ info })),
      });
      await agent.get('/auth/kvixi').expect(302);
      const res = await agent.get(path);
      expect(res.status).toBe(400);
      expect(res.body.info.code).toBe('ERR_KVIXI_MISSING_AUTH_KEY');
    },
  );

  it('still starts a login on another path', async () => {
    const { agent } = host(kvixi());
    const res = await agent.get('/auth/kvixi/callbackx');
    expect(res.status).toBe(302);
    expect(res.headers.location).toContain('/api/oauth?app_id=');
  });
});

describe("exceptions in the app's code after the strategy hands over", () => {
  it('sends a throw in the custom callback on success to the error handler once', async () => {
    const { agent, errors } = host(kvixi(), {
      customCallback: () => () => {
        throw new Error('bug in the custom callback');
      },
    });
    await agent.get('/auth/kvixi').expect(302);
    mockSuccessfulLogin();
    const res = await agent.get(`/auth/kvixi/callback?auth_key=${AUTH_KEY}`);
    expect(res.status).toBe(500);
    expect(errors).toEqual([{ name: 'Error', message: 'bug in the custom callback', code: undefined }]);
  });

  it('sends a custom callback that rethrows a provider error to the error handler once, without an unhandled rejection', async () => {
    const { agent, errors } = host(kvixi(), {
      customCallback: () => (err) => {
        if (err) throw err;
      },
    });
    await agent.get('/auth/kvixi').expect(302);
    nock(BASE_URL).post('/api/authorize').replyWithError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { code: 'ECONNREFUSED' }));
    const res = await agent.get(`/auth/kvixi/callback?auth_key=${AUTH_KEY}`);
    expect(res.status).toBe(500);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.code).toBe('ERR_KVIXI_FETCH');
  });

  it('sends a throw in the custom callback on failure to the error handler once', async () => {
    const { agent, errors } = host(kvixi(), {
      customCallback: () => (err, user) => {
        if (err) throw err;
        if (!user) throw new Error('no user');
      },
    });
    const res = await agent.get(`/auth/kvixi/callback?auth_key=${AUTH_KEY}`);
    expect(res.status).toBe(500);
    expect(errors).toEqual([{ name: 'Error', message: 'no user', code: undefined }]);
  });

  it('sends a throwing serializeUser to the error handler once', async () => {
    const { agent, errors } = host(kvixi(), {
      serializeUser: () => {
        throw new Error('serializer broke');
      },
    });
    await agent.get('/auth/kvixi').expect(302);
    mockSuccessfulLogin();
    const res = await agent.get(`/auth/kvixi/callback?auth_key=${AUTH_KEY}`);
    expect(res.status).toBe(500);
    expect(errors).toEqual([{ name: 'Error', message: 'serializer broke', code: undefined }]);
  });

  it('sends passport 0.7 calling a regenerate that cookie-session lacks to the error handler once', async () => {
    const { agent, errors } = host(kvixi(), { sessions: 'cookie-session' });
    await agent.get('/auth/kvixi').expect(302);
    mockSuccessfulLogin();
    const res = await agent.get(`/auth/kvixi/callback?auth_key=${AUTH_KEY}`);
    expect(res.status).toBe(500);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toMatch(/regenerate/);
  });
});

describe('verify that resolves without a result', () => {
  it('is an error naming what to return, not a hang', async () => {
    const forgetful = (async (_tokens: unknown, profile: KvixiProfile) => {
      await Promise.resolve(profile.id);
    }) as unknown as KvixiVerify;
    const { agent, errors } = host(kvixi({}, forgetful));
    await agent.get('/auth/kvixi').expect(302);
    mockSuccessfulLogin();
    const res = await agent.get(`/auth/kvixi/callback?auth_key=${AUTH_KEY}`).timeout(5000);
    expect(res.status).toBe(500);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.code).toBe('ERR_KVIXI_VERIFY_NO_RESULT');
    expect(errors[0]?.message).toBe(
      'verify resolved undefined without calling done: return the user, or false to refuse the login',
    );
  });
});
