import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import express from 'express';
import session from 'express-session';
import { Passport } from 'passport';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test as vitestTest } from 'vitest';
import { KvixiStrategy } from '../../lib/index.js';
import { launchChromium, skipBrowserTests } from '../support/chromium.js';

// The README's Playwright recipes. @playwright/test is not a dependency here, so Vitest's
// `test.extend` (the same fixture shape) runs them, with playwright-core driving Debian's Chromium.
// The emulator runs as a Playwright `webServer` would run it: the CLI, in its own process, with
// the app's credentials pinned; the app reads the line the CLI prints.

const cli = resolve('dist/emulator/cli.js');
let emulator: ChildProcess | undefined;
let browser: Browser | undefined;
let server: Server;
let APP_URL: string;

/** Starts kvixi-emulator and puts its ready-to-paste line into process.env, as a .env file would. */
async function startCLI(redirectURL: string): Promise<void> {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: build first (npx tsup, or npm test which builds)`);
  emulator = spawn(process.execPath, [
    cli, '--port', '0', '--app-id', '1732698123456', '--app-secret', '0123456789abcdef0123456789abcdef', '--redirect-url', redirectURL,
  ], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  emulator.stdout!.on('data', (chunk) => { output += chunk; });
  while (!output.includes('Press Ctrl-C to stop.')) {
    if (emulator.exitCode !== null) throw new Error(`kvixi-emulator exited: ${output}`);
    await once(emulator.stdout!, 'data');
  }
  const line = output.split('\n').find((l) => l.startsWith('KVIXI_BASE_URL='))!;
  for (const pair of line.split(' ')) {
    const [name, value] = pair.split('=') as [string, string];
    process.env[name] = value;
  }
}

/** The app under test: the strategy configured from the environment, as a deployed app is. */
function appFromEnvironment(): express.Express {
  const passport = new Passport();
  passport.use(new KvixiStrategy(
    { appId: process.env.KVIXI_APP_ID!, appSecret: process.env.KVIXI_APP_SECRET!, baseURL: process.env.KVIXI_BASE_URL!, callbackURL: '/auth/kvixi/callback' },
    (_tokens, profile, done) => done(null, { name: profile.displayName }),
  ));
  passport.serializeUser((user, done) => done(null, user));
  passport.deserializeUser((user: Express.User, done) => done(null, user));
  const app = express();
  app.use(session({ secret: 'test', resave: false, saveUninitialized: false }));
  app.use(passport.session());
  app.get('/auth/kvixi', passport.authenticate('kvixi'));
  app.get('/auth/kvixi/callback', passport.authenticate('kvixi', { failureRedirect: '/' }), (_req, res) => res.redirect('/'));
  app.get('/', (req, res) => {
    const name = (req.user as { name?: string } | undefined)?.name;
    res.type('html').send(`<!doctype html><title>App</title><p>${name ? `Signed in as ${name}` : 'Signed out'}</p>`);
  });
  return app;
}

beforeAll(async () => {
  if (skipBrowserTests) return;
  server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  APP_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await startCLI(`${APP_URL}/auth/kvixi/callback`);
  server.on('request', appFromEnvironment());
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  if (emulator && emulator.exitCode === null) {
    emulator.kill('SIGTERM');
    await once(emulator, 'exit');
  }
  server?.closeAllConnections();
  server?.close();
});

/** What Playwright Test provides built in: a fresh page per test, with the app as its baseURL. */
const base = vitestTest.extend<{ page: Page }>({
  page: async ({}, use) => {
    const page = await browser!.newPage({ baseURL: APP_URL });
    await use(page);
    await page.close();
  },
});

// #region recipe: testing-playwright-fixture
// A Playwright Test fixture file: `base` is `test` from @playwright/test.
export const test = base.extend<{ kvixi: { loginAs(userId: string, decision?: 'approve' | 'cancel'): Promise<void> } }>({
  kvixi: async ({}, use) => {
    const control = async (path: string, body: object = {}) => {
      const res = await fetch(`${process.env.KVIXI_BASE_URL}/__emulator/${path}`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`kvixi-emulator ${path}: ${await res.text()}`);
    };
    await control('reset'); // every test starts from the emulator's first state
    await use({ loginAs: (userId, decision = 'approve') => control('logins', { userId, decision }) });
  },
});
// #endregion

describe.skipIf(skipBrowserTests)('the Playwright recipes', () => {
  // #region recipe: testing-playwright
  // A Playwright test that imports `test` from the fixture file above.
  test('Jane logs in with Kvixi', async ({ page, kvixi }) => {
    await kvixi.loginAs('1'); // jane, the first of kvixi-emulator's demo users
    await page.goto('/auth/kvixi');
    await page.getByText("Signed in as Jane O'Brien").waitFor();
  });

  test('Jane cancels on Kvixi', async ({ page, kvixi }) => {
    await kvixi.loginAs('1', 'cancel');
    await page.goto('/auth/kvixi');
    await page.getByText('You are not signed in.').waitFor(); // Kvixi's home page, where Cancel leads
  });
  // #endregion

  test('shows the consent page again once reset, though a queued login approved the app before', async ({ page, kvixi }) => {
    await kvixi.loginAs('1');
    await page.goto('/auth/kvixi');
    await page.getByText("Signed in as Jane O'Brien").waitFor();
    await page.context().clearCookies();
    // What the fixture does before the next test: the approval and this queued login are forgotten.
    await kvixi.loginAs('2', 'cancel');
    await fetch(`${process.env.KVIXI_BASE_URL}/__emulator/reset`, { method: 'POST' });

    const missing: string[] = [];
    // Nothing the pages load (pictures, the emulator's own links) is missing.
    page.on('response', (response) => { if (response.status() === 404) missing.push(response.url()); });
    await page.goto('/auth/kvixi');
    await page.getByRole('button', { name: "Sign in as Jane O'Brien" }).click();
    await page.getByRole('button', { name: 'Continue as Jane' }).click();
    await page.getByText("Signed in as Jane O'Brien").waitFor();
    expect(missing).toEqual([]);
  });
});
