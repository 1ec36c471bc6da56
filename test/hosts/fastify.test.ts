import { randomBytes } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import { Authenticator } from '@fastify/passport';
import fastifySecureSession from '@fastify/secure-session';
import fastifySession from '@fastify/session';
import Fastify, { type FastifyInstance, type Session } from 'fastify';
import { describe, expect, it } from 'vitest';
import { KvixiStrategy } from '../../lib/index.js';
import { HttpBrowser } from '../support/http-browser.js';
import {
  describeLoginCSRF,
  HOST_TEST_TIMEOUT,
  keepUser,
  useProvider,
  type HostUnderTest,
  type NewDeployment,
  type SignedInUser,
} from './contract.js';

// Fastify 5 + @fastify/passport 4, with each session layer it supports. @fastify/passport
// regenerates the session at login with its own signature (`regenerate(keysToKeep)`), and with
// `clearSessionOnLogin: false` it carries every session key over: the strategy must leave no
// pending login behind in either case.

type SessionLayer = 'secure-session' | 'session, memory store' | 'session, asynchronous store';

interface FastifyHostOptions {
  sessions: SessionLayer;
  clearSessionOnLogin: boolean;
}

/** A session store that answers on a later tick, as Redis or a database would. */
class AsyncStore implements fastifySession.SessionStore {
  private readonly sessions = new Map<string, string>();
  set(id: string, session: Session, callback: (err?: Error) => void): void {
    this.sessions.set(id, JSON.stringify(session));
    setImmediate(callback);
  }
  get(id: string, callback: (err: Error | null, session?: Session | null) => void): void {
    const stored = this.sessions.get(id);
    setImmediate(() => callback(null, stored === undefined ? null : (JSON.parse(stored) as Session)));
  }
  destroy(id: string, callback: (err?: Error) => void): void {
    this.sessions.delete(id);
    setImmediate(callback);
  }
}

/** What the instances of one deployment share: the session key, and the store where there is one. */
interface SharedSessions {
  secret: Buffer;
  store?: fastifySession.SessionStore;
}

function registerSessions(app: FastifyInstance, sessions: SessionLayer, shared: SharedSessions): void {
  if (sessions === 'secure-session') {
    app.register(fastifySecureSession, { key: shared.secret, cookie: { path: '/', httpOnly: true, sameSite: 'lax' } });
    return;
  }
  app.register(fastifyCookie);
  app.register(fastifySession, {
    secret: shared.secret.toString('hex'),
    saveUninitialized: false,
    cookie: { secure: false, sameSite: 'lax' },
    store: shared.store,
  });
}

function fastifyHost(options: FastifyHostOptions): NewDeployment {
  return () => {
    const shared: SharedSessions = {
      secret: randomBytes(32),
      // One store object for both instances: @fastify/session's own (synchronous) or one that answers later.
      store: options.sessions === 'session, memory store' ? new fastifySession.MemoryStore() : new AsyncStore(),
    };
    return (strategy) => startFastifyHost(strategy, options, shared);
  };
}

async function startFastifyHost(strategy: KvixiStrategy, options: FastifyHostOptions, shared: SharedSessions): Promise<HostUnderTest> {
  const passport = new Authenticator({ clearSessionOnLogin: options.clearSessionOnLogin });
  passport.use(strategy);
  passport.registerUserSerializer(async (user: SignedInUser) => user);
  passport.registerUserDeserializer(async (user: SignedInUser) => user);

  const app = Fastify();
  // The logout form's body carries nothing the app reads.
  app.addContentTypeParser('application/x-www-form-urlencoded', (_request, _body, done) => done(null, {}));
  registerSessions(app, options.sessions, shared);
  app.register(passport.initialize());
  app.register(passport.secureSession());

  // The state differs per request, so the start calls the hook from the handler; returning the
  // reply tells Fastify the redirect is already on its way (the session saves in onSend).
  app.get('/auth/kvixi', async (request, reply) => {
    const { returnTo } = request.query as { returnTo?: string };
    // @fastify/passport types `state` as a string; the strategy keeps any JSON value.
    const start = (returnTo ? { state: { returnTo } } : {}) as { state?: string };
    await passport.authenticate('kvixi', start).call(app, request, reply);
    return reply;
  });
  app.get(
    '/auth/kvixi/callback',
    {
      preValidation: passport.authenticate('kvixi', async (request, reply, err, user, info, status) => {
        if (err) throw err;
        if (!user) return reply.code(typeof status === 'number' ? status : 401).send({ failure: info ?? null });
        await request.logIn(user);
        return reply.send({ user, info });
      }),
    },
    async () => undefined,
  );
  app.get('/me', async (request) => ({ user: request.user ?? null }));
  app.post('/logout', async (request) => {
    await request.logOut();
    return { loggedOut: true };
  });
  app.setErrorHandler((err: Error & { code?: string }, _request, reply) => {
    reply.code(500).send({ error: { name: err.name, code: err.code, message: err.message } });
  });

  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

for (const sessions of ['secure-session', 'session, memory store', 'session, asynchronous store'] as const) {
  for (const clearSessionOnLogin of [true, false]) {
    describeLoginCSRF(
      `Fastify 5 + @fastify/passport with @fastify/${sessions} (clearSessionOnLogin: ${clearSessionOnLogin})`,
      fastifyHost({ sessions, clearSessionOnLogin }),
    );
  }
}

describe("exceptions in the app's code after the strategy hands over, on Fastify", { timeout: HOST_TEST_TIMEOUT }, () => {
  const provider = useProvider();

  it('sends a throw in an async custom callback on success to the error handler once', async () => {
    const appId = '1732698123499';
    const appSecret = randomBytes(16).toString('hex');
    provider.emu.registerApp({ name: 'Throwing callback', redirectURL: 'http://127.0.0.1/auth/kvixi/callback', appId, appSecret });
    const passport = new Authenticator();
    passport.use(new KvixiStrategy({ appId, appSecret, baseURL: provider.emu.url, callbackURL: '/auth/kvixi/callback' }, keepUser));
    const errors: string[] = [];
    const app = Fastify();
    registerSessions(app, 'secure-session', { secret: randomBytes(32) });
    app.register(passport.initialize());
    app.register(passport.secureSession());
    app.get('/auth/kvixi', { preValidation: passport.authenticate('kvixi') }, async () => undefined);
    app.get(
      '/auth/kvixi/callback',
      {
        preValidation: passport.authenticate('kvixi', async () => {
          throw new Error('bug in the custom callback');
        }),
      },
      async () => undefined,
    );
    app.setErrorHandler((err: Error, _request, reply) => {
      errors.push(err.message);
      reply.code(500).send({ error: err.message });
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const address = app.server.address();
      const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
      const browser = new HttpBrowser();
      await browser.go(`${url}/auth/kvixi`);
      const res = await browser.go(`${url}/auth/kvixi/callback?auth_key=${provider.emu.issueAuthKey({ appId, userId: provider.jane })}`);
      expect(res.status).toBe(500);
      expect(errors).toEqual(['bug in the custom callback']);
    } finally {
      await app.close();
    }
  });

  it('answers 500, not a hang, when a synchronous custom callback throws on success and on the error too', async () => {
    const appId = '1732698123497';
    const appSecret = randomBytes(16).toString('hex');
    provider.emu.registerApp({ name: 'Throwing twice', redirectURL: 'http://127.0.0.1/auth/kvixi/callback', appId, appSecret });
    const passport = new Authenticator();
    passport.use(new KvixiStrategy({ appId, appSecret, baseURL: provider.emu.url, callbackURL: '/auth/kvixi/callback' }, keepUser));
    const app = Fastify();
    registerSessions(app, 'secure-session', { secret: randomBytes(32) });
    app.register(passport.initialize());
    app.register(passport.secureSession());
    app.get('/auth/kvixi', { preValidation: passport.authenticate('kvixi') }, async () => undefined);
    app.get(
      '/auth/kvixi/callback',
      {
        preValidation: passport.authenticate('kvixi', (err: unknown) => {
          throw err ?? new Error('bug in the custom callback');
        }),
      },
      async () => undefined,
    );
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const address = app.server.address();
      const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
      const browser = new HttpBrowser();
      await browser.go(`${url}/auth/kvixi`);
      const key = provider.emu.issueAuthKey({ appId, userId: provider.jane });
      const answer = await fetch(`${url}/auth/kvixi/callback?auth_key=${key}`, { signal: AbortSignal.timeout(3000) }).then(
        (res) => `HTTP ${res.status}`,
        (err: Error) => (err.name === 'TimeoutError' ? 'no answer' : 'connection closed'),
      );
      expect(answer).toBe('HTTP 500');
    } finally {
      await app.close();
    }
  });
});
