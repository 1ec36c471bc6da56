import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import session from 'express-session';
import { Passport } from 'passport';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KvixiEmulator } from '../lib/emulator/index.js';
import { KvixiStrategy, type KvixiLoginFailure } from '../lib/index.js';
import { launchChromium, skipBrowserTests } from './support/chromium.js';
import { siteOnFreePort } from './support/recipe-app.js';

// Chromium prefetches links named by speculation rules with Sec-Fetch-Site: none, Mode: navigate,
// Dest: document and Sec-Purpose: prefetch: what looks like a typed URL. A prefetch is no
// navigation the user made, so it may neither start nor finish a login.

const speculationRules = (rules: object) => `<script type="speculationrules">${JSON.stringify(rules)}</script>`;

function close(server: Server | undefined): Promise<unknown> {
  server?.closeAllConnections();
  return new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
}

describe.skipIf(skipBrowserTests)('speculation-rules prefetches in Chromium', () => {
  let chromium: Browser;
  beforeAll(async () => {
    chromium = await launchChromium();
  });
  afterAll(() => chromium?.close());

  describe('of the start and the callback, on an app that prefetches its own links', () => {
    let emu: KvixiEmulator;
    let server: Server;
    let appURL: string;

    // Two pages of user content (two forum posts): one links to the start, one to the callback
    // with an attacker's auth_key. The app prefetches every link on its pages, as WordPress does.
    beforeAll(async () => {
      const site = await siteOnFreePort('localhost', [{ username: 'mallory', firstname: 'Mallory', lastname: 'X' }]);
      ({ emu, appURL } = site);
      const attackerKey = emu.issueAuthKey({ appId: site.appId, userId: emu.users[0]!.userId });
      const passport = new Passport();
      passport.use(
        new KvixiStrategy(
          { appId: site.appId, appSecret: site.appSecret, baseURL: emu.url, callbackURL: '/auth/kvixi/callback' },
          async (_tokens, profile) => ({ id: profile.id }),
        ),
      );
      passport.serializeUser((user: Express.User & { id?: string }, done) => done(null, user.id));
      passport.deserializeUser((id: string, done) => done(null, { id }));
      const rules = speculationRules({ prefetch: [{ source: 'document', where: { href_matches: '/*' }, eagerness: 'immediate' }] });
      const app = express();
      app.use(session({ secret: 's', resave: false, saveUninitialized: false }));
      app.use(passport.session());
      app.get('/post/1', (_req, res) => res.send(`${rules}<p>Nice post</p><a href="/auth/kvixi">a link</a>`));
      app.get('/post/2', (_req, res) => res.send(`${rules}<p>Another</p><a href="/auth/kvixi/callback?auth_key=${attackerKey}">a link</a>`));
      app.get('/auth/kvixi', passport.authenticate('kvixi'));
      app.get('/auth/kvixi/callback', passport.authenticate('kvixi', { failureRedirect: '/failed' }), (_req, res) => res.redirect('/me'));
      app.get('/me', (req, res) => res.send(`me=${(req.user as { id?: string } | undefined)?.id ?? 'nobody'}`));
      server = app.listen(site.port);
      await new Promise((resolve) => server.once('listening', resolve));
    });
    afterAll(async () => {
      await close(server);
      await emu?.close();
    });

    it('do not sign the viewer in as somebody else', async () => {
      const page = await (await chromium.newContext()).newPage();
      await page.goto(`${appURL}/post/1`);
      await page.waitForTimeout(1500); // let the prefetch happen
      await page.goto(`${appURL}/post/2`);
      await page.waitForTimeout(1500);
      await page.goto(`${appURL}/me`);
      expect(await page.textContent('body')).toBe('me=nobody');
    }, 30_000);
  });

  describe('of the start URL, from a page on another site', () => {
    let emu: KvixiEmulator;
    let server: Server;
    let other: Server;
    let otherURL: string;
    const starts: { site: unknown; purpose: unknown; outcome: string }[] = [];

    beforeAll(async () => {
      const site = await siteOnFreePort('localhost', [{ username: 'jane', firstname: 'Jane', lastname: 'Doe' }]);
      emu = site.emu;
      const passport = new Passport();
      passport.use(
        new KvixiStrategy(
          // The app renders its own one-click page from the failure.
          { appId: site.appId, appSecret: site.appSecret, baseURL: emu.url, callbackURL: '/auth/kvixi/callback', continuePage: false },
          async (_tokens, profile) => ({ id: profile.id }),
        ),
      );
      const app = express();
      app.use(session({ secret: 's', resave: false, saveUninitialized: false }));
      app.get('/auth/kvixi', (req, res, next) => {
        const entry = { site: req.headers['sec-fetch-site'], purpose: req.headers['sec-purpose'], outcome: 'redirect to Kvixi' };
        starts.push(entry);
        passport.authenticate('kvixi', (err: unknown, _user: unknown, info: KvixiLoginFailure | undefined) => {
          entry.outcome = err ? 'error' : `fail ${info?.code}`;
          res.status(403).send(`<a href="${info?.continueURL}">Continue with Kvixi</a>`);
        })(req, res, next);
      });
      server = app.listen(site.port);
      await new Promise((resolve) => server.once('listening', resolve));
      // 127.0.0.1 is another site than localhost.
      const start = `${site.appURL}/auth/kvixi`;
      other = createServer((_req, res) => {
        res.setHeader('content-type', 'text/html');
        res.end(`<a href="${start}">Log in to the app</a>${speculationRules({ prefetch: [{ source: 'list', urls: [start] }] })}`);
      });
      await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
      otherURL = `http://127.0.0.1:${(other.address() as AddressInfo).port}/`;
    });
    afterAll(async () => {
      await close(server);
      await close(other);
      await emu?.close();
    });

    it('is refused like any other start from another site', async () => {
      const page = await (await chromium.newContext()).newPage();
      await page.goto(otherURL);
      await page.waitForTimeout(1500); // let the prefetch happen
      await page.getByRole('link', { name: 'Log in to the app' }).click();
      await page.waitForLoadState();
      // The visitor sees the one-click page on the app, never Kvixi straight away.
      expect(page.url().startsWith(emu.url)).toBe(false);
      expect(starts.every((s) => s.outcome !== 'redirect to Kvixi')).toBe(true);
    }, 30_000);
  });
});
