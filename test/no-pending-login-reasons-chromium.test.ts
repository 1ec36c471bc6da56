import type { Server } from 'node:http';
import express from 'express';
import session from 'express-session';
import { Passport } from 'passport';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { KvixiEmulator } from '../lib/emulator/index.js';
import { KvixiStrategy, type KvixiLoginFailure } from '../lib/index.js';
import { launchChromium, skipBrowserTests } from './support/chromium.js';
import { siteOnFreePort } from './support/recipe-app.js';

// The development mistakes behind most "no pending login" reports, made in a real browser, and
// what the failure's reason says about them.

describe.skipIf(skipBrowserTests)("ERR_KVIXI_NO_PENDING_LOGIN's reason in Chromium", () => {
  let chromium: Browser;
  let emu: KvixiEmulator | undefined;
  let server: Server | undefined;
  beforeAll(async () => {
    chromium = await launchChromium();
  });
  afterAll(() => chromium?.close());
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    await emu?.close();
    server = emu = undefined;
  });

  /** An app whose Kvixi redirect URL is on `redirectHost`; its callback answers what happened, as text. */
  async function app(redirectHost: string, sameSite: 'lax' | 'strict') {
    const site = await siteOnFreePort(redirectHost, [{ username: 'jane', firstname: 'Jane', lastname: "O'Brien" }]);
    emu = site.emu;
    const passport = new Passport();
    passport.use(
      new KvixiStrategy(
        { appId: site.appId, appSecret: site.appSecret, baseURL: site.emu.url, callbackURL: '/auth/kvixi/callback' },
        async (_tokens, profile) => ({ id: profile.id }),
      ),
    );
    passport.serializeUser((user: Express.User & { id?: string }, done) => done(null, user.id));
    passport.deserializeUser((id: string, done) => done(null, { id }));
    const web = express();
    web.use(session({ secret: 's', resave: false, saveUninitialized: false, cookie: { sameSite } }));
    web.use(passport.session());
    web.get('/auth/kvixi', passport.authenticate('kvixi'));
    web.get('/auth/kvixi/callback', (req, res, next) =>
      passport.authenticate('kvixi', (err: unknown, user: Express.User | false, info: KvixiLoginFailure) => {
        if (err) return next(err);
        if (!user) return res.status(403).type('text').send(`${info.code} ${info.reason}`);
        req.logIn(user, (loginErr) => (loginErr ? next(loginErr) : res.type('text').send('signed in')));
      })(req, res, next),
    );
    server = web.listen(site.port);
    await new Promise((resolve) => server!.once('listening', resolve));
    return site.port;
  }

  /** Log in from `startURL` through Kvixi's pages, as Jane clicks; returns the callback's answer. */
  async function logInFrom(startURL: string): Promise<string> {
    const page = await (await chromium.newContext()).newPage();
    await page.goto(startURL);
    await page.getByRole('button', { name: "Sign in as Jane O'Brien" }).click();
    await page.getByRole('button', { name: 'Continue as Jane' }).click();
    await page.waitForURL(/\/auth\/kvixi\/callback\?auth_key=/);
    return (await page.textContent('body')) ?? '';
  }

  it("says 'no-cookie' for a login started on 127.0.0.1 whose redirect URL is on localhost", async () => {
    const port = await app('localhost', 'lax');
    expect(await logInFrom(`http://127.0.0.1:${port}/auth/kvixi`)).toBe('ERR_KVIXI_NO_PENDING_LOGIN no-cookie');
  }, 30_000);

  it("says 'no-cookie' when the session cookie is SameSite=Strict, which Kvixi's redirect back leaves behind", async () => {
    const port = await app('localhost', 'strict');
    expect(await logInFrom(`http://localhost:${port}/auth/kvixi`)).toBe('ERR_KVIXI_NO_PENDING_LOGIN no-cookie');
  }, 30_000);

  it('signs in when the start and the redirect URL are on the same host and the session cookie is Lax', async () => {
    const port = await app('localhost', 'lax');
    expect(await logInFrom(`http://localhost:${port}/auth/kvixi`)).toBe('signed in');
  }, 30_000);
});
