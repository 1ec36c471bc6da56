import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KvixiEmulator } from '../lib/emulator/index.js';
import { HttpBrowser } from './support/http-browser.js';
import { prepareRecipe } from './support/recipe-app.js';

// The README's custom-callback recipe (test/recipes/custom-callback.ts), run as written.

let emu: KvixiEmulator;
let server: Server;
let appURL: string;
let janeId: string;
let appId: string;

beforeAll(async () => {
  ({ emu, appURL, appId, janeId } = await prepareRecipe());
  const recipe = './recipes/custom-callback.js';
  ({ server } = (await import(recipe)) as { server: Server });
  if (!server.listening) await new Promise((resolve) => server.once('listening', resolve));
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await emu?.close();
});

const crossSite = { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' };

describe('the custom-callback recipe', () => {
  it('sends a visitor through Kvixi and back to the page they asked for; a reload goes home', async () => {
    const browser = new HttpBrowser();
    const account = await browser.go(`${appURL}/account`);
    expect((await browser.go(account.location!)).location).toBe(`${emu.url}/api/oauth?app_id=${appId}`);
    const authKey = emu.issueAuthKey({ appId, userId: janeId });
    expect((await browser.go(`${appURL}/auth/kvixi/callback?auth_key=${authKey}`)).location).toBe(`${appURL}/account`);
    expect((await browser.go(`${appURL}/account`)).text).toBe("Account of Jane O'Brien");
    expect((await browser.go(`${appURL}/auth/kvixi/callback?auth_key=${authKey}`)).location).toBe(`${appURL}/`);
  });

  it("shows the app's own one-link page for a start from another site, keeping returnTo", async () => {
    const res = await new HttpBrowser().go(`${appURL}/auth/kvixi?returnTo=%2Faccount%22%3E`, { headers: crossSite });
    expect(res.status).toBe(200);
    expect(res.text).toBe('<a href="/auth/kvixi?returnTo=%2Faccount%22%3E">Continue with Kvixi</a>');
  });

  it('refuses a forged callback with the reason in its message', async () => {
    const forged = await new HttpBrowser().go(`${appURL}/auth/kvixi/callback?auth_key=${emu.issueAuthKey({ appId, userId: janeId })}`);
    expect(forged.status).toBe(403);
    expect(forged.text).toContain('Try again');
  });
});
