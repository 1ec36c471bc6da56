import type { INestApplication } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpBrowser } from './support/http-browser.js';
import { prepareRecipe, type RecipeSite } from './support/recipe-app.js';

// The README's NestJS recipe without sessions (test/recipes/nestjs/), run as written.

let site: RecipeSite;
let app: INestApplication;

beforeAll(async () => {
  site = await prepareRecipe();
  const recipe = './recipes/nestjs/without-sessions.js';
  ({ app } = (await import(recipe)) as { app: INestApplication });
});
afterAll(async () => {
  await app?.close();
  await site?.emu.close();
});

describe('NestJS without sessions', () => {
  it('answers a link from another site with the continue page, not JSON', async () => {
    const page = await new HttpBrowser().go(`${site.appURL}/auth/kvixi`, {
      headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' },
    });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.text).toContain('<a href="/auth/kvixi">Continue with Kvixi</a>');
  });

  it('logs in through the guard with the cookie store and no session middleware', async () => {
    const browser = new HttpBrowser();
    const start = await browser.go(`${site.appURL}/auth/kvixi`);
    expect(start.status).toBe(302);
    expect(start.location).toBe(`${site.emu.url}/api/oauth?app_id=${site.appId}`);
    const authKey = site.emu.issueAuthKey({ appId: site.appId, userId: site.janeId });
    const callback = await browser.go(`${site.appURL}/auth/kvixi/callback?auth_key=${authKey}`);
    expect(callback.status).toBe(200);
    expect(JSON.parse(callback.text)).toEqual({ user: { id: site.janeId, name: "Jane O'Brien" } });
  });

  it("answers a forged callback with the strategy's code and status, not a bare 401", async () => {
    const authKey = site.emu.issueAuthKey({ appId: site.appId, userId: site.janeId });
    const forged = await new HttpBrowser().go(`${site.appURL}/auth/kvixi/callback?auth_key=${authKey}`);
    expect(forged.status).toBe(403);
    expect(JSON.parse(forged.text)).toEqual({
      code: 'ERR_KVIXI_NO_PENDING_LOGIN',
      reason: 'no-cookie',
      message: expect.stringContaining('This login came back without the cookies it started with'),
    });
  });

  it('answers a provider outage as a server error, not a login', async () => {
    const browser = new HttpBrowser();
    await browser.go(`${site.appURL}/auth/kvixi`);
    site.emu.failNext('authorize', { type: 'http', status: 502, body: 'Bad Gateway' });
    const res = await browser.go(`${site.appURL}/auth/kvixi/callback?auth_key=whatever-key`);
    expect(res.status).toBe(500);
  });
});
