import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KvixiEmulator } from '../lib/emulator/index.js';
import { launchChromium, skipBrowserTests } from './support/chromium.js';
import { HttpBrowser } from './support/http-browser.js';
import { colorSchemes, expectNoAxeViolations, expectNoHorizontalOverflow, viewports } from './support/page-checks.js';
import { prepareRecipe, siteOnFreePort } from './support/recipe-app.js';

// The README's quick start (test/recipes/quick-start.ts, compared with the README line for line)
// run as written, against the emulator: configured only through the environment it reads.

let emu: KvixiEmulator;
let server: Server;
let appURL: string;
let janeId: string;
let appId: string;

beforeAll(async () => {
  // localhost: Chromium then sees the 127.0.0.1 page below as another site.
  ({ emu, appURL, appId, janeId } = await prepareRecipe('localhost'));
  // A computed specifier keeps the recipe's global declarations out of this project's type check.
  const recipe = './recipes/quick-start.js';
  ({ server } = (await import(recipe)) as { server: Server });
  if (!server.listening) await new Promise((resolve) => server.once('listening', resolve));
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await emu?.close();
});

describe('the quick start', () => {
  const exchanges = () => emu.requests.filter((request) => request.path === '/api/authorize').length;

  it('sends a visitor through Kvixi and back home, signed in', async () => {
    const browser = new HttpBrowser();
    expect((await browser.go(`${appURL}/`)).text).toBe('<a href="/auth/kvixi">Log in with Kvixi</a>');
    const start = await browser.go(`${appURL}/auth/kvixi`);
    expect(start.location).toBe(`${emu.url}/api/oauth?app_id=${appId}`);
    const authKey = emu.issueAuthKey({ appId, userId: janeId });
    const callback = await browser.go(`${appURL}/auth/kvixi/callback?auth_key=${authKey}`);
    expect(callback.location).toBe(`${appURL}/`);
    const home = await browser.go(`${appURL}/`);
    expect(home.text).toBe("Hello, Jane O'Brien");
    expect(home.headers.get('content-type')).toMatch(/^text\/plain/);

    // Back or reload: the signed-in user goes home again, and Kvixi is not asked.
    const before = exchanges();
    const reload = await browser.go(`${appURL}/auth/kvixi/callback?auth_key=${authKey}`);
    expect(reload.location).toBe(`${appURL}/`);
    expect(exchanges()).toBe(before);
    expect((await browser.go(`${appURL}/`)).text).toBe("Hello, Jane O'Brien");
  });

  it('refuses a forged callback: home, signed out, Kvixi not asked', async () => {
    const before = exchanges();
    const browser = new HttpBrowser();
    const forged = await browser.go(`${appURL}/auth/kvixi/callback?auth_key=${emu.issueAuthKey({ appId, userId: janeId })}`);
    expect(forged.location).toBe(`${appURL}/`);
    expect((await browser.go(`${appURL}/`)).text).toContain('Log in with Kvixi');
    expect(exchanges()).toBe(before);
  });

  it('answers a start from another site with a one-click page instead of a pending login', async () => {
    const browser = new HttpBrowser();
    const res = await browser.go(`${appURL}/auth/kvixi`, {
      headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' },
    });
    expect(res.status).toBe(200);
    expect(res.text).toContain('<h1>Continue to log in</h1>');
    expect(res.text).toContain('<a href="/auth/kvixi">Continue with Kvixi</a>');
    // Nothing was started: a callback now is refused.
    const authKey = emu.issueAuthKey({ appId, userId: janeId });
    await browser.go(`${appURL}/auth/kvixi/callback?auth_key=${authKey}`);
    expect((await browser.go(`${appURL}/`)).text).toContain('Log in with Kvixi');
  });
});

describe('the JavaScript quick start (CommonJS), run as written', () => {
  it('signs Jane in', async () => {
    const site = await siteOnFreePort('127.0.0.1', [{ username: 'jane', firstname: 'Jane', lastname: "O'Brien" }]);
    const child = spawn(process.execPath, [fileURLToPath(new URL('./recipes/quick-start.cjs', import.meta.url))], {
      env: { ...process.env, KVIXI_APP_ID: site.appId, KVIXI_APP_SECRET: site.appSecret, KVIXI_BASE_URL: site.emu.url, PORT: String(site.port) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      const browser = new HttpBrowser();
      const home = await untilAnswered(() => browser.go(`${site.appURL}/`));
      expect(home.text, stderr).toContain('Log in with Kvixi');
      await browser.go(`${site.appURL}/auth/kvixi`);
      const userId = site.emu.users[0]!.userId;
      await browser.go(`${site.appURL}/auth/kvixi/callback?auth_key=${site.emu.issueAuthKey({ appId: site.appId, userId })}`);
      expect((await browser.go(`${site.appURL}/`)).text).toBe("Hello, Jane O'Brien");
    } finally {
      child.kill();
      await site.emu.close();
    }
  });
});

/** The child's server is up once it answers; a child that never listens fails the test's timeout. */
async function untilAnswered<T>(attempt: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await attempt();
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

describe.skipIf(skipBrowserTests)('the quick start in Chromium, reached from a link on another site', () => {
  let chromium: Browser;
  let otherSite: Server;
  let otherURL: string;

  beforeAll(async () => {
    chromium = await launchChromium();
    // 127.0.0.1 and localhost are different sites: Chromium marks the navigation cross-site.
    otherSite = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end(`<!doctype html><title>Chat</title><a href="${appURL}/auth/kvixi">log in to the app</a>`);
    });
    await new Promise<void>((resolve) => otherSite.listen(0, '127.0.0.1', resolve));
    otherURL = `http://127.0.0.1:${(otherSite.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await chromium?.close();
    otherSite?.closeAllConnections();
    await new Promise((resolve) => otherSite?.close(resolve));
  });

  it('reaches Kvixi after one click on the continue page, and comes back signed in', async () => {
    const context = await chromium.newContext();
    const page = await context.newPage();
    const callbacks: string[] = [];
    page.on('request', (request) => {
      if (request.url().startsWith(`${appURL}/auth/kvixi/callback`)) callbacks.push(request.url());
    });
    await page.goto(otherURL);
    await page.getByRole('link', { name: 'log in to the app' }).click();
    await page.waitForURL(`${appURL}/auth/kvixi`);
    expect(await page.title()).toBe('Continue to log in');
    await page.getByRole('link', { name: 'Continue with Kvixi' }).click();
    await page.waitForURL((url) => url.href.startsWith(emu.url));
    await page.getByRole('button', { name: "Sign in as Jane O'Brien" }).click();
    const consent = page.getByRole('button', { name: /^Continue as Jane/ });
    if (await consent.isVisible().catch(() => false)) await consent.click();
    await page.waitForURL(`${appURL}/`);
    expect(await page.textContent('body')).toBe("Hello, Jane O'Brien");

    // The callback URL opened again (a reload before the redirect, history, a bookmark): home, still signed in.
    expect(callbacks).toHaveLength(1);
    await page.goto(callbacks[0]!);
    expect(page.url()).toBe(`${appURL}/`);
    expect(await page.textContent('body')).toBe("Hello, Jane O'Brien");
    await context.close();
  });

  it('shows the continue page without axe-core violations or sideways scrolling, in every viewport and scheme', async () => {
    for (const viewport of viewports) {
      for (const colorScheme of colorSchemes) {
        // The page's CSP allows no script: let axe in for the check.
        const context = await chromium.newContext({ viewport, colorScheme, bypassCSP: true });
        const page = await context.newPage();
        await page.goto(otherURL);
        await page.getByRole('link', { name: 'log in to the app' }).click();
        await page.waitForURL(`${appURL}/auth/kvixi`);
        const label = `the continue page (${viewport.name}, ${colorScheme})`;
        await expectNoAxeViolations(page, label);
        await expectNoHorizontalOverflow(page, label);
        await context.close();
      }
    }
  }, 60_000);

  it('finishes a login started in two tabs in both, as the same user', async () => {
    const context = await chromium.newContext();
    const [first, second] = [await context.newPage(), await context.newPage()];
    for (const tab of [first, second]) {
      await tab.goto(`${appURL}/`);
      await tab.getByRole('link', { name: 'Log in with Kvixi' }).click();
      await tab.waitForURL((url) => url.href.startsWith(emu.url));
    }
    for (const tab of [first, second]) {
      await tab.getByRole('button', { name: "Sign in as Jane O'Brien" }).first().click();
      const consent = tab.getByRole('button', { name: /^Continue as Jane/ });
      if (await consent.isVisible().catch(() => false)) await consent.click();
      await tab.waitForURL(`${appURL}/`);
      expect(await tab.textContent('body')).toBe("Hello, Jane O'Brien");
    }
    await context.close();
  });
});
