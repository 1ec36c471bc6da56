import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorApp, type KvixiEmulator } from '../../lib/emulator/index.js';
import { launchChromium, skipBrowserTests } from '../support/chromium.js';
import { colorSchemes, expectNoAxeViolations, expectNoHorizontalOverflow, linesOf, viewports } from '../support/page-checks.js';

const screenshots = new URL('../screenshots/', import.meta.url).pathname;
const longRedirectURL = 'http://localhost:3000/auth/kvixi/callback/for/a/site/with/a/long/path?provider=kvixi&tenant=examples';

/** The characters after which the dashboard's redirect URL wraps onto a new line. */
function lineBreaksIn(page: Page, selector: string): Promise<string[]> {
  return page.evaluate(`(() => {
    const el = document.querySelector(${JSON.stringify(selector)});
    const text = el.textContent;
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    const chars = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (let i = 0; i < node.data.length; i++) {
        const range = document.createRange();
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        chars.push({ ch: node.data[i], top: range.getBoundingClientRect().top });
      }
    }
    const breaks = [];
    for (let i = 1; i < chars.length; i++) if (chars[i].top > chars[i - 1].top + 2) breaks.push(chars[i - 1].ch);
    return text && breaks;
  })()`);
}

describe.skipIf(skipBrowserTests)('the emulator pages in a real browser', () => {
  let emu: KvixiEmulator;
  let app: EmulatorApp;
  let browser: Browser;

  beforeAll(async () => {
    emu = await startEmulator({
      users: [
        { username: 'jane', firstname: 'Jane', lastname: "O'Brien", password: 'secret1', picture: 'photos/jane.jpg', verified: true, biography: 'Café owner' },
        { username: 'jose', firstname: 'José', lastname: 'García' },
      ],
    });
    app = emu.registerApp({ name: 'Kvixi example app', redirectURL: longRedirectURL });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await emu?.close();
  });

  for (const viewport of viewports) {
    for (const colorScheme of colorSchemes) {
      const where = `${viewport.name} (${viewport.width}px), ${colorScheme}`;

      it(`shows every page without axe-core violations or sideways scrolling: ${where}`, async () => {
        const context = await browser.newContext({ viewport, colorScheme });
        const page = await context.newPage();
        const heading = () => page.getByRole('heading', { level: 1 }).textContent();
        const check = async (label: string) => {
          await expectNoHorizontalOverflow(page, `${label}, ${where}`);
          await expectNoAxeViolations(page, `${label}, ${where}`);
          // What these checks looked at, for a person to look at too (test/screenshots/ is not committed).
          await page.screenshot({ path: `${screenshots}emulator-${label.replace(/\W+/g, '-')}-${viewport.width}-${colorScheme}.png`, fullPage: true });
        };
        try {
          await page.goto(emu.url);
          await check('the home page');

          await page.goto(`${emu.url}/api/oauth?app_id=${app.appId}`);
          await expect.poll(() => page.getByText('to continue to Kvixi example app (localhost:3000)').count()).toBe(1);
          expect(await linesOf(page, '.accounts .name')).toBe(1);
          // One width, one alignment: every account in the list lines up with the others.
          const boxes = await page.locator('.accounts button').evaluateAll((buttons) =>
            buttons.map((b) => { const r = b.getBoundingClientRect(); return `${Math.round(r.left)}/${Math.round(r.width)}`; }));
          expect(new Set(boxes).size, boxes.join(', ')).toBe(1);
          await check('the sign-in page');

          for (const section of await page.locator('summary').all()) await section.click();
          await check('the sign-in page with password and new user open');

          await page.getByLabel('Username or email').fill('jane');
          await page.locator('#password').fill('wrong');
          await page.getByRole('button', { name: 'Sign in', exact: true }).click();
          await expect.poll(() => page.locator('#password-error').textContent()).toBe('The username or password you entered is incorrect.');
          expect(await page.getByLabel('Username or email').inputValue()).toBe('jane');
          await check('the sign-in page after a wrong password');

          await page.getByText('Create a test user').click();
          await page.getByLabel('First name').fill('Jane');
          await page.getByLabel('Username', { exact: true }).fill('jane');
          await page.getByRole('button', { name: 'Create user and sign in' }).click();
          await expect.poll(() => page.locator('#signup-error').textContent()).toBe('That username is taken.');
          await check('the sign-in page after a taken username');

          await page.goto(`${emu.url}/api/oauth?app_id=999999`);
          await expect.poll(heading).toBe('Error');
          await check('the error page');

          await page.goto(`${emu.url}/jane`);
          await expect.poll(heading).toBe("Jane O'Brien");
          await check('the profile page');

          await page.goto(`${emu.url}/developers/apps`);
          const breaks = await lineBreaksIn(page, 'code.url');
          for (const ch of breaks) expect(['/', '?', '&'], `the redirect URL wrapped after "${ch}"`).toContain(ch);
          await check('the apps dashboard');

          await page.getByLabel('App name').fill('Bad redirect');
          await page.getByLabel('Redirect URL').fill('javascript:alert(1)');
          await page.getByRole('button', { name: 'Create app' }).click();
          await expect.poll(() => page.getByText('The redirect URL must be an http or https URL.').count()).toBe(1);
          await check('the apps dashboard with an error');

          await page.goto(`${emu.url}/api/oauth?app_id=${app.appId}`);
          await page.getByRole('button', { name: "Sign in as Jane O'Brien" }).click();
          await expect.poll(heading).toBe('Log in With Kvixi');
          await check('the consent page');

          await page.goto(emu.url);
          await expect.poll(() => page.locator('header').textContent()).toContain("Jane O'Brien");
          await check('the home page, signed in');

          for (const [path, label] of [['/no/such/page', 'the 404 page, signed in'], ['/api/oauth?app_id=999999', 'the error page, signed in']] as const) {
            await page.goto(`${emu.url}${path}`);
            await expect.poll(() => page.locator('header').textContent()).toContain("Jane O'Brien");
            await expect.poll(() => page.getByRole('button', { name: 'Sign out' }).count()).toBe(1);
            await check(label);
          }
        } finally {
          await context.close();
        }
      }, 120_000); // eleven pages and states, each checked by axe and photographed, on a shared machine
    }
  }
});
