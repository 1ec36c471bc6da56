import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KvixiEmulator } from '../lib/emulator/index.js';
import { launchChromium, skipBrowserTests } from './support/chromium.js';
import { HttpBrowser } from './support/http-browser.js';
import { prepareRecipe } from './support/recipe-app.js';

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
  it('sends a visitor through Kvixi and back to the page they asked for', async () => {
    const browser = new HttpBrowser();
    const account = await browser.go(`${appURL}/account`);
    expect(account.location).toBe(`${appURL}/auth/kvixi?returnTo=%2Faccount`);
    const start = await browser.go(account.location!);
    expect(start.location).toBe(`${emu.url}/api/oauth?app_id=${appId}`);
    const authKey = emu.issueAuthKey({ appId, userId: janeId });
    const callback = await browser.go(`${appURL}/auth/kvixi/callback?auth_key=${authKey}`);
    expect(callback.location).toBe(`${appURL}/account`);
    expect((await browser.go(`${appURL}/account`)).text).toBe('Account of Jane O&#39;Brien');

    // Back or reload: the signed-in user goes home instead of seeing an error.
    const reload = await browser.go(`${appURL}/auth/kvixi/callback?auth_key=${authKey}`);
    expect(reload.status).toBe(302);
    expect(reload.location).toBe(`${appURL}/`);
  });

  it('refuses a forged callback', async () => {
    const authKey = emu.issueAuthKey({ appId, userId: janeId });
    const forged = await new HttpBrowser().go(`${appURL}/auth/kvixi/callback?auth_key=${authKey}`);
    expect(forged.status).toBe(403);
    expect(forged.text).toContain('This login came back without the cookies it started with');
  });

  it('answers a start from another site with a one-click page instead of a pending login', async () => {
    const browser = new HttpBrowser();
    const res = await browser.go(`${appURL}/auth/kvixi?returnTo=%2Faccount%22%3E`, {
      headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' },
    });
    expect(res.status).toBe(403);
    expect(res.text).toBe('<a href="/auth/kvixi?returnTo=%2Faccount%22%3E">Continue with Kvixi</a>');
    // Nothing was started: a callback now is refused.
    const authKey = emu.issueAuthKey({ appId, userId: janeId });
    expect((await browser.go(`${appURL}/auth/kvixi/callback?auth_key=${authKey}`)).status).toBe(403);
  });
});

describe.skipIf(skipBrowserTests)('the quick start in Chromium, reached from a link on another site', () => {
  let chromium: Browser;
  let otherSite: Server;
  let otherURL: string;

  beforeAll(async () => {
    chromium = await launchChromium();
    // 127.0.0.1 and localhost are different sites: Chromium marks the navigation cross-site.
    otherSite = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end(`<!doctype html><title>Chat</title><a href="${appURL}/account">your account</a>`);
    });
    await new Promise<void>((resolve) => otherSite.listen(0, '127.0.0.1', resolve));
    otherURL = `http://127.0.0.1:${(otherSite.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await chromium?.close();
    otherSite?.closeAllConnections();
    await new Promise((resolve) => otherSite?.close(resolve));
  });

  it('reaches Kvixi after one extra click, then the page the link named', async () => {
    emu.issueAuthKey({ appId, userId: janeId }); // Jane approved the app before: no consent page
    const page = await (await chromium.newContext()).newPage();
    await page.goto(otherURL);
    await page.getByRole('link', { name: 'your account' }).click();
    await page.waitForURL(`${appURL}/auth/kvixi?returnTo=%2Faccount`);
    await page.getByRole('link', { name: 'Continue with Kvixi' }).click();
    await page.waitForURL((url) => url.href.startsWith(emu.url));
    await page.getByRole('button', { name: "Sign in as Jane O'Brien" }).click();
    await page.waitForURL(`${appURL}/account`);
    expect(await page.textContent('body')).toBe("Account of Jane O'Brien");
  });
});
