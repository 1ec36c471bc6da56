import type { INestApplication } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpBrowser } from './support/http-browser.js';
import { prepareRecipe, type RecipeSite } from './support/recipe-app.js';

// The README's NestJS recipe with sessions (test/recipes/nestjs/), run as written.

let site: RecipeSite;
let app: INestApplication;

beforeAll(async () => {
  site = await prepareRecipe();
  const recipe = './recipes/nestjs/with-sessions.js';
  ({ app } = (await import(recipe)) as { app: INestApplication });
});
afterAll(async () => {
  await app?.close();
  await site?.emu.close();
});

describe('NestJS with sessions', () => {
  it('answers a link from another site with the continue page, not JSON', async () => {
    const page = await new HttpBrowser().go(`${site.appURL}/auth/kvixi`, {
      headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' },
    });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.text).toContain('<a href="/auth/kvixi">Continue with Kvixi</a>');
  });

  it('keeps the user in the session after the login', async () => {
    const browser = new HttpBrowser();
    await browser.go(`${site.appURL}/auth/kvixi`);
    const authKey = site.emu.issueAuthKey({ appId: site.appId, userId: site.janeId });
    const callback = await browser.go(`${site.appURL}/auth/kvixi/callback?auth_key=${authKey}`);
    expect(JSON.parse(callback.text)).toEqual({ user: { id: site.janeId, name: "Jane O'Brien" } });
    expect(JSON.parse((await browser.go(`${site.appURL}/me`)).text)).toEqual({
      user: { id: site.janeId, name: "Jane O'Brien" },
    });

    // Back or reload: the route runs again as the signed-in user, and Kvixi is not asked.
    const exchanges = site.emu.requests.filter((request) => request.path === '/api/authorize').length;
    const again = await browser.go(`${site.appURL}/auth/kvixi/callback?auth_key=${authKey}`);
    expect(again.status).toBe(200);
    expect(JSON.parse(again.text)).toEqual({ user: { id: site.janeId, name: "Jane O'Brien" } });
    expect(site.emu.requests.filter((request) => request.path === '/api/authorize').length).toBe(exchanges);
  });

  it('refuses a forged callback with its code', async () => {
    const authKey = site.emu.issueAuthKey({ appId: site.appId, userId: site.janeId });
    const forged = await new HttpBrowser().go(`${site.appURL}/auth/kvixi/callback?auth_key=${authKey}`);
    expect(forged.status).toBe(403);
    expect(JSON.parse(forged.text).code).toBe('ERR_KVIXI_NO_PENDING_LOGIN');
  });
});
