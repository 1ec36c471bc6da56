import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Authenticator } from '@fastify/passport';
import fastifySecureSession from '@fastify/secure-session';
import Router from '@koa/router';
import Fastify from 'fastify';
import Koa from 'koa';
import { KoaPassport } from 'koa-passport';
import { describe, expect, it } from 'vitest';
import { KvixiCookieStore, KvixiStrategy } from '../../lib/index.js';
import { HttpBrowser } from '../support/http-browser.js';
import { HOST_TEST_TIMEOUT, keepUser, useProvider } from './contract.js';

// The cookie store (no session layer at all) on the other hosts: Koa sets its cookie through the
// context koa-passport hands over; on Fastify, which hands a strategy no response, through the
// Node response behind the request (@fastify/passport needs a session plugin anyway).

const SECRET = 'a cookie secret of at least thirty-two characters';

describe('the cookie store on Koa 3 + koa-passport 6, with no koa-session', { timeout: HOST_TEST_TIMEOUT }, () => {
  const provider = useProvider();

  async function startKoa() {
    const appId = '1732698123411';
    const appSecret = randomBytes(16).toString('hex');
    const passport = new KoaPassport();
    const store = new KvixiCookieStore({ secret: SECRET });
    passport.use(new KvixiStrategy({ appId, appSecret, baseURL: provider.emu.url, callbackURL: '/auth/kvixi/callback', store }, keepUser));
    const app = new Koa();
    app.use(async (ctx, next) => {
      ctx.cookies.set('theme', 'dark', { signed: false }); // the app's own cookie must survive the store's
      await next();
    });
    const router = new Router();
    router.get('/auth/kvixi', passport.authenticate('kvixi', { session: false }));
    router.get('/auth/kvixi/callback', (ctx, next) =>
      passport.authenticate('kvixi', { session: false }, async (err: unknown, user: unknown, info: { code?: string } | undefined) => {
        if (err) throw err;
        ctx.status = user ? 200 : 403;
        ctx.body = user ? { user } : { code: info?.code ?? null };
      })(ctx, next),
    );
    app.use(router.routes());
    const server = createServer(app.callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    provider.emu.registerApp({ name: 'Koa, no sessions', redirectURL: `${url}/auth/kvixi/callback`, appId, appSecret });
    const close = async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    };
    return { url, appId, close };
  }

  it('logs in, keeps the app\'s other cookies, and refuses a forged callback and a replayed cookie', async () => {
    const koa = await startKoa();
    try {
      const browser = new HttpBrowser();
      const start = await browser.go(`${koa.url}/auth/kvixi`);
      expect(start.status).toBe(302);
      const names = start.headers.getSetCookie().map((cookie) => cookie.split('=')[0]);
      expect(names).toEqual(expect.arrayContaining(['theme', 'kvixi_pending']));
      const before = `kvixi_pending=${browser.cookies(koa.url).get('kvixi_pending')}`;

      const done = await browser.go(`${koa.url}/auth/kvixi/callback?auth_key=${provider.emu.issueAuthKey({ appId: koa.appId, userId: provider.jane })}`);
      expect(JSON.parse(done.text)).toEqual({ user: { id: provider.jane, name: "Jane O'Brien" } });

      const attackerKey = provider.emu.issueAuthKey({ appId: koa.appId, userId: provider.mallory });
      const forged = await new HttpBrowser().go(`${koa.url}/auth/kvixi/callback?auth_key=${attackerKey}`);
      expect(JSON.parse(forged.text)).toEqual({ code: 'ERR_KVIXI_NO_PENDING_LOGIN' });
      const replayed = await new HttpBrowser().go(`${koa.url}/auth/kvixi/callback?auth_key=${attackerKey}`, {
        headers: { cookie: before },
      });
      expect(JSON.parse(replayed.text)).toEqual({ code: 'ERR_KVIXI_NO_PENDING_LOGIN' });
    } finally {
      await koa.close();
    }
  });
});

describe('the cookie store on Fastify 5 + @fastify/passport 4', { timeout: HOST_TEST_TIMEOUT }, () => {
  const provider = useProvider();

  it('logs in, keeps the app\'s and the session plugin\'s cookies, and refuses a replay of the used cookie', async () => {
    const appId = '1732698123412';
    const appSecret = randomBytes(16).toString('hex');
    const fastifyPassport = new Authenticator();
    const store = new KvixiCookieStore({ secret: SECRET });
    fastifyPassport.use(new KvixiStrategy({ appId, appSecret, baseURL: provider.emu.url, callbackURL: '/auth/kvixi/callback', store }, keepUser));
    const app = Fastify();
    // @fastify/passport will not start without a session plugin, so Fastify apps have one anyway.
    app.register(fastifySecureSession, { key: randomBytes(32), cookie: { path: '/' } });
    app.register(fastifyPassport.initialize());
    app.get('/auth/kvixi', { preValidation: fastifyPassport.authenticate('kvixi', { session: false }) }, async () => 'unreached');
    app.get(
      '/auth/kvixi/callback',
      {
        preValidation: fastifyPassport.authenticate('kvixi', { session: false }, async (request, reply, err, user, info) => {
          if (err) throw err;
          // Fastify's own Set-Cookie headers (the app's, the session plugin's) must not replace the store's.
          reply.header('set-cookie', 'theme=dark; Path=/');
          (request.session as unknown as { set(key: string, value: unknown): void }).set('seen', true);
          return reply.code(user ? 200 : 403).send(user ? { user } : { code: (info as { code?: string } | undefined)?.code ?? null });
        }),
      },
      async () => 'unreached',
    );
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
      provider.emu.registerApp({ name: 'Fastify, cookie store', redirectURL: `${url}/auth/kvixi/callback`, appId, appSecret });
      const browser = new HttpBrowser();
      const start = await browser.go(`${url}/auth/kvixi`);
      expect(start.status).toBe(302);
      const before = `kvixi_pending=${browser.cookies(url).get('kvixi_pending')}`;

      const done = await browser.go(`${url}/auth/kvixi/callback?auth_key=${provider.emu.issueAuthKey({ appId, userId: provider.jane })}`);
      expect(JSON.parse(done.text)).toEqual({ user: { id: provider.jane, name: "Jane O'Brien" } });
      expect(done.headers.getSetCookie().map((cookie) => cookie.split('=')[0])).toEqual(expect.arrayContaining(['theme', 'session', 'kvixi_pending']));

      const replayed = await new HttpBrowser().go(`${url}/auth/kvixi/callback?auth_key=${provider.emu.issueAuthKey({ appId, userId: provider.mallory })}`, {
        headers: { cookie: before },
      });
      expect(JSON.parse(replayed.text)).toEqual({ code: 'ERR_KVIXI_NO_PENDING_LOGIN' });
    } finally {
      await app.close();
    }
  });
});
