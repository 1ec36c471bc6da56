import { mkdirSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KvixiEmulator } from '../../lib/emulator/index.js';
import { launchChromium, skipBrowserTests } from '../support/chromium.js';
import { colorSchemes, expectNoAxeViolations, expectNoHorizontalOverflow, linesOf, viewports } from '../support/page-checks.js';
import { listen, startProvider, startSite, stopSite, type ExampleSite } from './support/site.js';

const screenshots = new URL('../screenshots/', import.meta.url).pathname;

/** WCAG contrast ratio of two computed \`rgb(…)\` colours. */
function contrast(a: string, b: string): number {
  const luminance = (color: string) => {
    const [r, g, bl] = (color.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map((c) => {
      const v = Number(c) / 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

const heading = (page: Page) => page.getByRole('heading', { level: 1 });

/** Logs in through the emulator's pages as Jane, approving the app if it asks. */
async function logInAsJane(page: Page, site: ExampleSite): Promise<void> {
  await page.getByRole('link', { name: 'Log in with Kvixi' }).click();
  await page.getByRole('button', { name: "Sign in as Jane O'Brien" }).click();
  await page.waitForURL((url) => url.href.startsWith(`${site.url}/profile`) || url.pathname === '/api/oauth');
  if (page.url().startsWith(site.url)) return;
  await page.getByRole('button', { name: 'Continue as Jane' }).click();
  await page.waitForURL(`${site.url}/profile`);
}

describe.skipIf(skipBrowserTests)('the example app in a real browser', () => {
  let emu: KvixiEmulator;
  let site: ExampleSite;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(screenshots, { recursive: true });
    emu = await startProvider();
    const listening = await listen();
    const app = emu.registerApp({ name: 'Kvixi example app', domain: 'example.test', redirectURL: `${listening.url}/auth/kvixi/callback` });
    site = await startSite(emu, { ...app, listening });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await stopSite(site);
    await emu?.close();
  });

  async function newPage(viewport: { width: number; height: number }, colorScheme: 'light' | 'dark' = 'light'): Promise<{ context: BrowserContext; page: Page }> {
    // bypassCSP lets the test inject axe-core; the pages keep their CSP for everything else.
    const context = await browser.newContext({ viewport, colorScheme, bypassCSP: true });
    return { context, page: await context.newPage() };
  }

  for (const viewport of viewports) {
    for (const colorScheme of colorSchemes) {
      const where = `${viewport.name} (${viewport.width}px), ${colorScheme}`;

      it(`shows every page without axe-core violations or sideways scrolling: ${where}`, async () => {
        const { context, page } = await newPage(viewport, colorScheme);
        try {
          const check = async (label: string) => {
            await expectNoHorizontalOverflow(page, `${label}, ${where}`);
            await expectNoAxeViolations(page, `${label}, ${where}`);
          };

          await page.goto(site.url);
          await expect.poll(() => heading(page).textContent()).toBe('Sign in with your Kvixi account');
          await check('the home page');

          await page.goto(`${site.url}/no/such/page`);
          await expect.poll(() => heading(page).textContent()).toBe('Page not found');
          await check('the 404 page');

          await page.goto(`${site.url}/auth/kvixi/callback`);
          await expect.poll(() => heading(page).textContent()).toBe('This login link is incomplete');
          await page.getByText('Technical details').click();
          await expect.poll(() => page.getByText('ERR_KVIXI_MISSING_AUTH_KEY').isVisible()).toBe(true);
          await check('a failure page with its technical details open');
          await page.screenshot({ path: `${screenshots}failure-${viewport.width}-${colorScheme}.png`, fullPage: true });

          await page.goto(site.url);
          await logInAsJane(page, site);
          // The verified badge is next to the heading, not part of its name.
          await expect.poll(() => page.getByRole('heading', { level: 1, name: "Jane O'Brien", exact: true }).count()).toBe(1);
          await expect.poll(() => page.getByText('✓ Verified').isVisible()).toBe(true);
          // The header's picture is decoration next to the name; the profile's own picture is named.
          expect(await page.locator('header img').getAttribute('alt')).toBe('');
          const picture = page.getByRole('img', { name: "Profile picture of Jane O'Brien" });
          await expect.poll(() => picture.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);
          expect(await page.locator('header [aria-current="page"]').getAttribute('href')).toBe('/profile');
          // The header keeps one row: the brand on one line, the avatar clear of the top edge.
          expect(await linesOf(page, '.brand')).toBe(1);
          const bar = await page.locator('.topbar-inner').boundingBox();
          expect(bar!.height).toBeLessThanOrEqual(64);
          const avatar = await page.locator('header .avatar').boundingBox();
          expect(avatar!.y).toBeGreaterThanOrEqual(8);
          // Brand, picture, Account and Log out side by side, none over another.
          const boxes = await Promise.all(['.brand-mark', 'header .avatar', 'header a[href="/account"]', 'header button'].map((s) => page.locator(s).boundingBox()));
          for (let i = 1; i < boxes.length; i++) expect(boxes[i]!.x, `header item ${i} overlaps the one before`).toBeGreaterThanOrEqual(boxes[i - 1]!.x + boxes[i - 1]!.width);
          await check('the profile page');
          await page.screenshot({ path: `${screenshots}profile-${viewport.width}-${colorScheme}.png`, fullPage: true });

          await page.getByRole('link', { name: 'Account', exact: true }).click();
          await expect.poll(() => heading(page).textContent()).toBe('Your account');
          expect(await page.locator('header [aria-current="page"]').getAttribute('href')).toBe('/account');
          await check('the account page');

          await page.goto(site.url);
          await expect.poll(() => heading(page).textContent()).toBe("Welcome back, Jane O'Brien");
          await check('the home page, signed in');

          await page.goto(`${site.url}/no/such/page`);
          await expect.poll(() => page.getByRole('button', { name: 'Log out' }).count()).toBe(1);
          await check('the 404 page, signed in');

          await page.getByRole('button', { name: 'Log out' }).click();
          await page.waitForURL(`${site.url}/`);
          await expect.poll(() => page.getByRole('link', { name: 'Log in with Kvixi' }).count()).toBe(1);
        } finally {
          await context.close();
        }
      });
    }
  }

  for (const colorScheme of colorSchemes) {
    it(`draws a keyboard focus ring with at least 3:1 contrast against the page (${colorScheme})`, async () => {
      const { context, page } = await newPage({ width: 1280, height: 800 }, colorScheme);
      try {
        await page.goto(site.url);
        for (let i = 0; i < 2; i++) await page.keyboard.press('Tab');
        const focused = await page.evaluate(`(() => {
          const el = document.activeElement;
          const style = getComputedStyle(el);
          return { text: el.textContent, outline: style.outlineColor, width: style.outlineWidth, page: getComputedStyle(document.querySelector('.topbar')).backgroundColor };
        })()`) as { text: string; outline: string; width: string; page: string };
        expect(focused.text).toBe('Log in');
        expect(parseFloat(focused.width)).toBeGreaterThanOrEqual(2);
        expect(contrast(focused.outline, focused.page)).toBeGreaterThanOrEqual(3);
      } finally {
        await context.close();
      }
    });
  }

  it('logs in again without the consent page once Jane approved the app, with one callback', async () => {
    const { context, page } = await newPage({ width: 1280, height: 800 });
    try {
      await page.goto(site.url);
      await logInAsJane(page, site);
      await page.getByRole('button', { name: 'Log out' }).click();
      await page.waitForURL(`${site.url}/`);

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
    } finally {
      await context.close();
    }
  });

  it('shows the profile, not an error, on Back and reload right after logging in', async () => {
    // A user who has not approved the app yet, so Back leads to the consent page's address,
    // which sends the browser through the callback again.
    emu.addUser({ firstname: 'Sam', lastname: 'Back', username: 'samback' });
    const { context, page } = await newPage({ width: 390, height: 844 });
    try {
      const callbacks: string[] = [];
      page.on('request', (request) => {
        if (request.url().startsWith(`${site.url}/auth/kvixi/callback`)) callbacks.push(request.url());
      });
      await page.goto(site.url);
      await page.getByRole('link', { name: 'Log in with Kvixi' }).click();
      await page.getByRole('button', { name: 'Sign in as Sam Back' }).click();
      await page.getByRole('button', { name: 'Continue as Sam' }).click();
      await page.waitForURL(`${site.url}/profile`);

      await page.goBack();
      await page.waitForURL(`${site.url}/profile`);
      await expect.poll(() => heading(page).textContent()).toBe('Sam Back');
      expect(callbacks.length).toBeGreaterThanOrEqual(2);

      const reload = await page.goto(callbacks[0]!);
      expect(reload?.status()).toBe(200);
      expect(page.url()).toBe(`${site.url}/profile`);
      await expect.poll(() => heading(page).textContent()).toBe('Sam Back');
    } finally {
      await context.close();
    }
  });
});
