import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import Koa from 'koa';
import { KoaPassport } from 'koa-passport';
import session from 'koa-session';
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

// Koa 3 + koa-passport 6 (which runs passport 0.6 on a mock of Express's request) + koa-session 7,
// with the session in the cookie and in an external store.

type SessionLayer = 'cookie' | 'external store';

/** An external koa-session store that answers on a later tick, as Redis would. */
class AsyncStore {
  private readonly sessions = new Map<string, string>();
  async get(key: string): Promise<Record<string, unknown> | undefined> {
    await new Promise((resolve) => setImmediate(resolve));
    const stored = this.sessions.get(key);
    return stored === undefined ? undefined : (JSON.parse(stored) as Record<string, unknown>);
  }
  async set(key: string, session: Record<string, unknown>): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    this.sessions.set(key, JSON.stringify(session));
  }
  async destroy(key: string): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    this.sessions.delete(key);
  }
}

function koaHost(sessions: SessionLayer): NewDeployment {
  return () => {
    const keys = [`session key ${Math.random()}`];
    const store = sessions === 'external store' ? new AsyncStore() : undefined;
    return (strategy) => startKoaHost(strategy, keys, store);
  };
}

async function startKoaHost(strategy: KvixiStrategy, keys: string[], store: AsyncStore | undefined): Promise<HostUnderTest> {
  const passport = new KoaPassport();
  passport.use(strategy);
  passport.serializeUser((user, done) => done(null, user));
  passport.deserializeUser((user: SignedInUser, done) => done(null, user));

  const app = new Koa();
  app.keys = keys;
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      const { name, code, message } = err as Error & { code?: string };
      ctx.status = 500;
      ctx.body = { error: { name, code, message } };
    }
  });
  app.use(session({ sameSite: 'lax', ...(store ? { store } : {}) }, app));
  app.use(passport.initialize());
  app.use(passport.session());

  const router = new Router();
  router.get('/auth/kvixi', (ctx, next) => {
    const returnTo = typeof ctx.query.returnTo === 'string' ? ctx.query.returnTo : undefined;
    // @types/passport types `state` as a string; the strategy keeps any JSON value.
    const start = (returnTo ? { state: { returnTo } } : {}) as { state?: string };
    return passport.authenticate('kvixi', start)(ctx, next);
  });
  router.get('/auth/kvixi/callback', (ctx, next) =>
    passport.authenticate('kvixi', async (err: unknown, user: unknown, info: unknown, status: unknown) => {
      if (err) throw err;
      if (!user) {
        ctx.status = typeof status === 'number' ? status : 401;
        ctx.body = { failure: info ?? null };
        return;
      }
      await ctx.login(user);
      ctx.body = { user, info };
    })(ctx, next),
  );
  router.get('/me', (ctx) => {
    ctx.body = { user: ctx.state.user ?? null };
  });
  router.post('/logout', async (ctx) => {
    await ctx.logout();
    ctx.body = { loggedOut: true };
  });
  app.use(router.routes());

  const server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

for (const sessions of ['cookie', 'external store'] as const) {
  describeLoginCSRF(`Koa 3 + koa-passport 6 + koa-session 7 (${sessions})`, koaHost(sessions));
}

describe("exceptions in the app's code after the strategy hands over, on Koa", { timeout: HOST_TEST_TIMEOUT }, () => {
  const provider = useProvider();

  it('sends a throw in an async custom callback on success to the error handling once', async () => {
    const appId = '1732698123498';
    const appSecret = randomBytes(16).toString('hex');
    provider.emu.registerApp({ name: 'Throwing callback', redirectURL: 'http://127.0.0.1/auth/kvixi/callback', appId, appSecret });
    const passport = new KoaPassport();
    passport.use(new KvixiStrategy({ appId, appSecret, baseURL: provider.emu.url, callbackURL: '/auth/kvixi/callback' }, keepUser));
    const errors: string[] = [];
    const app = new Koa();
    app.keys = ['test key'];
    app.use(async (ctx, next) => {
      try {
        await next();
      } catch (err) {
        errors.push((err as Error).message);
        ctx.status = 500;
      }
    });
    app.use(session({}, app));
    app.use(passport.initialize());
    const router = new Router();
    router.get('/auth/kvixi', passport.authenticate('kvixi'));
    router.get(
      '/auth/kvixi/callback',
      passport.authenticate('kvixi', async () => {
        throw new Error('bug in the custom callback');
      }),
    );
    app.use(router.routes());
    const server = createServer(app.callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const browser = new HttpBrowser();
      await browser.go(`${url}/auth/kvixi`);
      const res = await browser.go(`${url}/auth/kvixi/callback?auth_key=${provider.emu.issueAuthKey({ appId, userId: provider.jane })}`);
      expect(res.status).toBe(500);
      expect(errors).toEqual(['bug in the custom callback']);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
