import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import session from 'express-session';
import passport from 'passport';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type KvixiEmulator } from '../lib/emulator/index.js';
import { KvixiStrategy } from '../lib/index.js';
import { launchChromium, skipBrowserTests } from './support/chromium.js';

// An app with speculation rules over its own links (as WordPress ships by default) that shows
// user content with links: Chromium prefetches them with Sec-Fetch-Site: none, Mode: navigate,
// Dest: document and Sec-Purpose: prefetch. A prefetch is no navigation the user made, so merely
// viewing two posts must not start a login and finish it with an attacker's auth_key.
let emu: KvixiEmulator;
let server: Server;
let appURL: string;
let attackerKey: string;
let attackerId: string;
const log: string[] = [];

beforeAll(async () => {
  emu = await startEmulator({ users: [{ username: 'mallory', firstname: 'Mallory', lastname: 'X' }] });
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as AddressInfo;
  await new Promise((r) => probe.close(r));
  appURL = `http://localhost:${port}`;
  const reg = emu.registerApp({ name: 'R', redirectURL: `${appURL}/auth/kvixi/callback` });
  attackerId = emu.users[0]!.userId;
  attackerKey = emu.issueAuthKey({ appId: reg.appId, userId: attackerId });
  const pp = new passport.Passport();
  pp.use(new KvixiStrategy({ appId: reg.appId, appSecret: reg.appSecret, baseURL: emu.url, callbackURL: '/auth/kvixi/callback' },
    async (_t, p) => ({ id: p.id })));
  pp.serializeUser((u: any, d) => d(null, u.id));
  pp.deserializeUser((id: string, d) => d(null, { id }));
  const app = express();
  app.use(session({ secret: 's', resave: false, saveUninitialized: false }));
  app.use(pp.session());
  app.use((req, _res, next) => { if (req.path.startsWith('/auth')) log.push(`${req.path} site=${req.headers['sec-fetch-site']} purpose=${req.headers['sec-purpose']}`); next(); });
  const rules = `<script type="speculationrules">{"prefetch":[{"source":"document","where":{"href_matches":"/*"},"eagerness":"immediate"}]}</script>`;
  // Two pages of user content, e.g. two forum posts.
  app.get('/post/1', (_req, res) => res.send(`${rules}<p>Nice post</p><a href="/auth/kvixi">a link</a>`));
  app.get('/post/2', (_req, res) => res.send(`${rules}<p>Another</p><a href="/auth/kvixi/callback?auth_key=${attackerKey}">a link</a>`));
  app.get('/auth/kvixi', pp.authenticate('kvixi'));
  app.get('/auth/kvixi/callback', pp.authenticate('kvixi', { failureRedirect: '/failed' }), (_req, res) => res.redirect('/me'));
  app.get('/me', (req, res) => res.send(`me=${(req.user as { id?: string } | undefined)?.id ?? 'nobody'}`));
  server = app.listen(port);
  await new Promise((r) => server.once('listening', r));
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  await emu?.close();
});

describe.skipIf(skipBrowserTests)('speculative prefetches of the start and the callback', () => {
  let chromium: Browser;
  beforeAll(async () => { chromium = await launchChromium(); });
  afterAll(async () => { await chromium?.close(); });

  it('do not sign the viewer in as somebody else', async () => {
    const page = await (await chromium.newContext()).newPage();
    await page.goto(`${appURL}/post/1`);
    await page.waitForTimeout(1500);
    await page.goto(`${appURL}/post/2`);
    await page.waitForTimeout(1500);
    await page.goto(`${appURL}/me`);
    const me = await page.textContent('body');
    console.log(log, me);
    expect(me).toBe('me=nobody');
  }, 30_000);
});
