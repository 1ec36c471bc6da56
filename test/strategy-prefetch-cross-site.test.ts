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

// A page on another site (127.0.0.1) prefetches the app's start URL (localhost) with speculation
// rules: Chromium sends Sec-Fetch-Site: none and Sec-Purpose: prefetch. The prefetch is refused,
// so the click makes a real cross-site request and gets the one-click page, as any other does.
let emu: KvixiEmulator;
let server: Server;
let other: Server;
let appURL: string;
let otherURL: string;
const starts: { site: unknown; purpose: unknown; outcome: string }[] = [];

beforeAll(async () => {
  emu = await startEmulator({ users: [{ username: 'jane', firstname: 'Jane', lastname: 'Doe' }] });
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as AddressInfo;
  await new Promise((r) => probe.close(r));
  appURL = `http://localhost:${port}`;
  const reg = emu.registerApp({ name: 'R', redirectURL: `${appURL}/auth/kvixi/callback` });
  const pp = new passport.Passport();
  pp.use(new KvixiStrategy({ appId: reg.appId, appSecret: reg.appSecret, baseURL: emu.url, callbackURL: '/auth/kvixi/callback' },
    async (_t, p) => ({ id: p.id })));
  const app = express();
  app.use(session({ secret: 's', resave: false, saveUninitialized: false }));
  app.get('/auth/kvixi', (req, res, next) => {
    const entry = { site: req.headers['sec-fetch-site'], purpose: req.headers['sec-purpose'], outcome: 'redirect to Kvixi' };
    starts.push(entry);
    pp.authenticate('kvixi', (err: unknown, _user: unknown, info: any) => {
      entry.outcome = err ? 'error' : `fail ${info?.code}`;
      res.status(403).send(`<a href="${info?.continueURL}">Continue with Kvixi</a>`);
    })(req, res, next);
  });
  server = app.listen(port);
  await new Promise((r) => server.once('listening', r));
  other = createServer((_q, r) => {
    r.setHeader('content-type', 'text/html');
    const url = `${appURL}/auth/kvixi`;
    r.end(`<a href="${url}">Log in to the app</a><script type="speculationrules">${JSON.stringify({ prefetch: [{ source: 'list', urls: [url] }] })}</script>`);
  });
  await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
  otherURL = `http://127.0.0.1:${(other.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  for (const s of [server, other]) {
    s?.closeAllConnections();
    await new Promise((r) => s?.close(r));
  }
  await emu?.close();
});

describe.skipIf(skipBrowserTests)('a cross-site speculation-rules prefetch of the start URL', () => {
  let chromium: Browser;
  beforeAll(async () => { chromium = await launchChromium(); });
  afterAll(async () => { await chromium?.close(); });

  it('is refused like any other start from another site', async () => {
    const page = await (await chromium.newContext()).newPage();
    await page.goto(otherURL);
    await page.waitForTimeout(1500); // let the prefetch happen
    await page.getByRole('link', { name: 'Log in to the app' }).click();
    await page.waitForLoadState();
    console.log('starts seen by the app:', JSON.stringify(starts), 'page ended at', page.url());
    // Expected: the visitor sees the one-click page on the app, never Kvixi straight away.
    expect(page.url().startsWith(emu.url)).toBe(false);
    expect(starts.every((s) => s.outcome !== 'redirect to Kvixi')).toBe(true);
  }, 30_000);
});
