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

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}
const boxOf = async (page: Page, selector: string): Promise<Box> => (await page.locator(selector).first().boundingBox())!;

/** A computed style property of the first element matching `selector`. */
const styleOf = (page: Page, selector: string, property: string): Promise<string> =>
  page.locator(selector).first().evaluate((el, name) => (globalThis as unknown as { getComputedStyle(e: unknown): Record<string, string> }).getComputedStyle(el)[name]!, property);

/** The space between a card's border and its first and last child: its padding on both sides alike. */
async function cardGaps(page: Page, selector: string): Promise<{ top: number; bottom: number }> {
  return page.locator(selector).first().evaluate((card) => {
    const el = card as unknown as { getBoundingClientRect(): { top: number; bottom: number }; firstElementChild: typeof el; lastElementChild: typeof el };
    const box = el.getBoundingClientRect();
    return { top: el.firstElementChild.getBoundingClientRect().top - box.top, bottom: box.bottom - el.lastElementChild.getBoundingClientRect().bottom };
  });
}

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
          await expect.poll(() => heading(page).textContent()).toBe('Welcome to Harbor');
          // The home card's padding is even above and below.
          const gaps = await cardGaps(page, '.hero');
          expect(Math.abs(gaps.top - gaps.bottom), `home card gaps ${JSON.stringify(gaps)}`).toBeLessThanOrEqual(2);
          expect(await styleOf(page, '.hero p', 'textWrapStyle')).toBe('balance');
          // The site's own colour for its mark; Kvixi's blue only on the Kvixi button.
          expect(await styleOf(page, '.button-kvixi', 'backgroundColor')).toBe('rgb(76, 95, 213)');
          expect(await styleOf(page, '.brand-mark', 'color')).toBe('rgb(15, 118, 110)');
          await check('the home page');

          // A link from another site's page: one calm button continues the same login.
          await page.goto(emu.url);
          await page.evaluate((url) => ((globalThis as unknown as { location: { href: string } }).location.href = url), `${site.url}/account`);
          await expect.poll(() => heading(page).textContent()).toBe('Continue to log in');
          expect(await page.getByRole('link', { name: 'Continue with Kvixi' }).getAttribute('href')).toBe('/auth/kvixi?returnTo=%2Faccount');
          await check('the continue page');

          await page.goto(`${site.url}/no/such/page`);
          await expect.poll(() => heading(page).textContent()).toBe('Page not found');
          await check('the 404 page');

          await page.goto(`${site.url}/auth/kvixi/callback`);
          await expect.poll(() => heading(page).textContent()).toBe('This login link is incomplete');
          expect(page.url()).toBe(`${site.url}/login/failed?code=ERR_KVIXI_MISSING_AUTH_KEY`);
          await page.getByText('Technical details').click();
          await expect.poll(() => page.getByText('ERR_KVIXI_MISSING_AUTH_KEY').isVisible()).toBe(true);
          // The list starts where its toggle does, not at the card's edge.
          expect(Math.abs((await boxOf(page, '.technical dl')).x - (await boxOf(page, '.technical summary')).x)).toBeLessThanOrEqual(1);
          expect(await styleOf(page, '.message-text', 'textWrapStyle')).toBe('balance');
          // One pattern: the recovery as the primary button, then a secondary Home.
          expect(await page.locator('.actions a').evaluateAll((links) => links.map((a) => (a as unknown as { className: string }).className))).toEqual(['button', 'button button-secondary']);
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

          await page.getByText('For developers').click();
          await expect.poll(() => page.getByText('Access token', { exact: true }).isVisible()).toBe(true);
          await check('the profile page with its developer details open');

          await page.getByRole('link', { name: 'Account', exact: true }).click();
          await expect.poll(() => heading(page).textContent()).toBe('Your account');
          expect(await page.locator('header [aria-current="page"]').getAttribute('href')).toBe('/account');
          // Its button sits where the left-aligned content starts.
          expect(Math.abs((await boxOf(page, 'main .actions a')).x - (await boxOf(page, 'main h1')).x)).toBeLessThanOrEqual(1);
          await check('the account page');

          await page.goto(site.url);
          await expect.poll(() => heading(page).textContent()).toBe("Welcome back, Jane O'Brien");
          const buttons = await Promise.all([boxOf(page, 'main .actions a >> nth=0'), boxOf(page, 'main .actions a >> nth=1')]);
          if (buttons[0].y !== buttons[1].y) expect(buttons[0].width, 'stacked buttons of one width').toBe(buttons[1].width);
          await check('the home page, signed in');

          // Another tab came back from Kvixi with another login.
          await page.goto(`${site.url}/login/failed?code=ERR_KVIXI_ALREADY_SIGNED_IN`);
          await expect.poll(() => heading(page).textContent()).toBe("You're already signed in as Jane O'Brien");
          await check('the already-signed-in page');

          await page.goto(`${site.url}/no/such/page`);
          await expect.poll(() => page.getByRole('button', { name: 'Log out' }).count()).toBe(1);
          await check('the 404 page, signed in');

          await page.getByRole('button', { name: 'Log out' }).click();
          await page.waitForURL(`${site.url}/logged-out`);
          await expect.poll(() => heading(page).textContent()).toBe("You're logged out");
          await check('the logged-out page');

          await page.goto(`${site.url}/account`);
          await expect.poll(() => heading(page).textContent()).toBe('Log in to see your account');
          await check('a protected page after a logout');
        } finally {
          await context.close();
        }
      }, 120_000);
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
        expect(focused.text).toContain('Log in with Kvixi');
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
      await page.waitForURL(`${site.url}/logged-out`);
      await page.getByRole('link', { name: 'Home' }).click();

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

  it('says "You\'re already signed in as Jane" when a second tab comes back from Kvixi as José', async () => {
    const { context, page: tabA } = await newPage({ width: 1280, height: 800 });
    try {
      const tabB = await context.newPage();
      // Both tabs open Kvixi's account chooser; tab A logs in as Jane.
      await tabB.goto(site.url);
      await tabB.getByRole('link', { name: 'Log in with Kvixi' }).click();
      await tabB.getByRole('button', { name: 'Sign in as José García' }).waitFor();
      await tabA.goto(site.url);
      await logInAsJane(tabA, site);
      // Tab B, still on the chooser, picks José and approves.
      await tabB.getByRole('button', { name: 'Sign in as José García' }).click();
      await tabB.getByRole('button', { name: 'Continue as José' }).click();
      await tabB.waitForURL((url) => url.href.startsWith(`${site.url}/login/failed`));
      await expect.poll(() => heading(tabB).textContent()).toBe("You're already signed in as Jane O'Brien");
      // The way to switch: log out, and be told Kvixi still knows this browser.
      await tabB.getByRole('button', { name: 'Log out to switch account' }).click();
      await tabB.waitForURL(`${site.url}/logged-out`);
      await expect.poll(() => tabB.getByRole('link', { name: 'Sign out of Kvixi' }).getAttribute('href')).toBe(`${emu.url}/`);
    } finally {
      await context.close();
    }
  });

  it('does not show the account page from the cache, nor log in again on its own, on Back after logging out', async () => {
    const { context, page } = await newPage({ width: 1280, height: 800 });
    try {
      await page.goto(site.url);
      await logInAsJane(page, site);
      await page.goto(`${site.url}/account`);
      await expect.poll(() => heading(page).textContent()).toBe('Your account');
      await page.getByRole('button', { name: 'Log out' }).click();
      await page.waitForURL(`${site.url}/logged-out`);
      await expect.poll(() => page.getByText("This browser is still signed in to Kvixi as Jane O'Brien").count()).toBe(1);

      const visited: string[] = [];
      page.on('request', (request) => visited.push(request.url()));
      await page.goBack();
      await page.waitForURL(`${site.url}/account`);
      await expect.poll(() => heading(page).textContent()).toBe('Log in to see your account');
      expect(await page.getByText('Kvixi user id').count()).toBe(0);
      expect(await page.getByRole('button', { name: 'Log out' }).count()).toBe(0);
      expect(visited.filter((url) => url.startsWith(emu.url) || url.includes('/auth/kvixi'))).toEqual([]);

      // One click logs in again and comes back to the account page.
      await page.getByRole('link', { name: 'Log in with Kvixi' }).click();
      await page.waitForURL(`${site.url}/account`);
      await expect.poll(() => heading(page).textContent()).toBe('Your account');
    } finally {
      await context.close();
    }
  });

  it('leads a deleted Kvixi account to Kvixi\'s sign-in, not back into that account', async () => {
    const gone = emu.addUser({ firstname: 'Gone', lastname: 'Soon', username: 'gonesoon' });
    const { context, page } = await newPage({ width: 390, height: 844 });
    try {
      // The account is deleted on Kvixi after it approved, before the site reads its profile: the
      // token exchange waits a second, and the deletion happens as the callback is sent.
      emu.failNext('authorize', { type: 'delay', ms: 1000 });
      page.on('request', (request) => {
        if (request.url().startsWith(`${site.url}/auth/kvixi/callback`)) emu.deleteUser(gone.userId);
      });
      await page.goto(site.url);
      await page.getByRole('link', { name: 'Log in with Kvixi' }).click();
      await page.getByRole('button', { name: 'Sign in as Gone Soon' }).click();
      await page.getByRole('button', { name: 'Continue as Gone' }).click();
      await page.waitForURL((url) => url.href.startsWith(`${site.url}/login/failed`));
      await expect.poll(() => heading(page).textContent()).toBe('This Kvixi account no longer exists');
      await expectNoAxeViolations(page, 'the deleted-account page');
      await page.getByRole('link', { name: 'Log in with another Kvixi account' }).click();
      await page.waitForURL((url) => url.href.startsWith(emu.url));
      await expect.poll(() => page.getByRole('button', { name: "Sign in as Jane O'Brien" }).count()).toBe(1);
    } finally {
      await context.close();
    }
  }, 30_000);
});
