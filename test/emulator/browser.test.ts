import { createServer, type Server } from 'node:http';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorApp, type KvixiEmulator } from '../../lib/emulator/index.js';
import { launchChromium, skipBrowserTests } from '../support/chromium.js';

describe.skipIf(skipBrowserTests)('the pages in a real browser', () => {
  let emu: KvixiEmulator;
  let app: EmulatorApp;
  let browser: Browser;
  let callback: Server;
  let callbackURL: string;

  beforeAll(async () => {
    // Stands in for the app's callback route: shows the auth_key it was given.
    callback = createServer((req, res) => res.end(`<p id="key">${new URL(req.url!, 'http://x').searchParams.get('auth_key')}</p>`));
    await new Promise<void>((resolve) => callback.listen(0, '127.0.0.1', resolve));
    callbackURL = `http://127.0.0.1:${(callback.address() as { port: number }).port}/cb`;
    emu = await startEmulator({ users: [{ username: 'jane', firstname: 'Jane', lastname: "O'Brien", picture: 'photos/jane.jpg' }] });
    app = emu.registerApp({ name: 'Acme Notes', redirectURL: callbackURL });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await emu?.close();
    await new Promise((resolve) => callback?.close(resolve));
  });

  it('signs in, consents and lands on the callback with an auth key that works', async () => {
    const page = await browser.newPage();
    await page.goto(`${emu.url}/api/oauth?app_id=${app.appId}`);
    await expect.poll(() => page.getByRole('note').textContent()).toBe('Local emulator — not for production');
    await page.getByRole('button', { name: "Sign in as Jane O'Brien" }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Log in With Kvixi');
    await page.getByRole('button', { name: 'Continue as Jane' }).click();
    await page.waitForURL(/\/cb\?auth_key=/);
    const authKey = await page.locator('#key').textContent();
    const res = await fetch(`${emu.url}/api/authorize`, {
      method: 'POST', body: new URLSearchParams({ app_id: app.appId, app_secret: app.appSecret, auth_key: authKey! }),
    });
    expect(await res.json()).toEqual({ access_token: expect.stringMatching(/^[0-9a-f]{32}$/) });
    await page.close();
  });

  it('shows the profile pictures it serves', async () => {
    const page = await browser.newPage();
    await page.goto(`${emu.url}/api/oauth?app_id=${app.appId}`);
    const width = await page.locator('img.avatar').first().evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth);
    expect(width).toBeGreaterThan(0);
    await page.close();
  });

  it('creates an app from labelled fields on the dashboard', async () => {
    const page = await browser.newPage();
    await page.goto(`${emu.url}/developers/apps`);
    await page.getByLabel('App name').fill('Made in a browser');
    await page.getByLabel('Redirect URL').fill('http://localhost:4000/cb');
    await page.getByRole('button', { name: 'Create app' }).click();
    await page.waitForURL(`${emu.url}/developers/apps`);
    const made = emu.apps.find((a) => a.name === 'Made in a browser');
    expect(made).toBeDefined();
    expect(await page.getByText(made!.appSecret, { exact: true }).count()).toBe(1);
    await page.close();
  });
});
