import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KvixiEmulator } from '../../lib/emulator/index.js';
import { launchChromium, skipBrowserTests } from '../support/chromium.js';
import { listen, startProvider, startSite, stopSite, type ExampleSite } from './support/site.js';

const screenshots = new URL('../screenshots/', import.meta.url).pathname;

describe.skipIf(skipBrowserTests)('the example app in a real browser', () => {
  let emu: KvixiEmulator;
  let site: ExampleSite;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    mkdirSync(screenshots, { recursive: true });
    emu = await startProvider();
    const listening = await listen();
    const app = emu.registerApp({ name: 'Kvixi example app', domain: 'example.test', redirectURL: `${listening.url}/auth/kvixi/callback` });
    site = await startSite(emu, { ...app, listening });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
  });
  afterAll(async () => {
    await browser?.close();
    await stopSite(site);
    await emu?.close();
  });

  it('logs in through the emulator, logs out, logs in again without consent, and lands a reloaded callback on the profile', async () => {
    await page.goto(site.url);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Sign in with your Kvixi account');
    await page.screenshot({ path: `${screenshots}home.png`, fullPage: true });

    await page.getByRole('link', { name: 'Log in with Kvixi' }).click();
    await page.getByRole('button', { name: "Sign in as Jane O'Brien" }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Log in With Kvixi');
    await page.screenshot({ path: `${screenshots}consent.png`, fullPage: true });

    await page.getByRole('button', { name: 'Continue as Jane' }).click();
    await page.waitForURL(`${site.url}/profile`);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toContain("Jane O'Brien");
    const picture = page.getByRole('img', { name: "Profile picture of Jane O'Brien" }).last();
    await expect.poll(() => picture.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);
    await page.screenshot({ path: `${screenshots}profile.png`, fullPage: true });

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(`${site.url}/`);
    await expect.poll(() => page.getByRole('link', { name: 'Log in with Kvixi' }).count()).toBe(1);

    // Jane approved the app before: the emulator sends her straight back, no consent page.
    const callbacks: string[] = [];
    page.on('request', (request) => {
      if (request.url().startsWith(`${site.url}/auth/kvixi/callback`)) callbacks.push(request.url());
    });
    const pages: string[] = [];
    page.on('framenavigated', (frame) => pages.push(frame.url()));
    await page.getByRole('link', { name: 'Log in with Kvixi' }).click();
    await page.waitForURL(`${site.url}/profile`);
    expect(pages.some((url) => url.startsWith(emu.url))).toBe(false);
    expect(callbacks).toHaveLength(1);

    // Back, then the callback URL again: a signed-in user lands on their page, not an error.
    await page.goBack();
    await page.goto(callbacks[0]!);
    await page.waitForURL(`${site.url}/profile`);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toContain("Jane O'Brien");
  });
});
