import { describe, expect, it } from 'vitest';
import type { KvixiEmulator } from '../../lib/emulator/index.js';
import { HttpBrowser } from '../support/http-browser.js';

/** What a host recipe's test gives the shared checks, once its app listens. */
export interface RecipeUnderTest {
  url: string;
  emu: KvixiEmulator;
  appId: string;
}

/**
 * The checks every host recipe of the README passes, as written: a login that stays signed in,
 * the state coming back (the recipe's test adds `/auth/kvixi/account` and `/auth/kvixi/state`),
 * and a forged callback sent to `/login`.
 */
export function describeRecipe(host: string, stateWhere: string, recipe: () => RecipeUnderTest): void {
  describe(`the README recipe for ${host}`, { timeout: 5_000 }, () => {
    const jane = () => recipe().emu.users[0]!.userId;
    const keyFor = (userId: string) => recipe().emu.issueAuthKey({ appId: recipe().appId, userId });

    it('signs Jane in and keeps her signed in', async () => {
      const { url, emu, appId } = recipe();
      const browser = new HttpBrowser();
      const start = await browser.go(`${url}/auth/kvixi`);
      expect(start.location).toBe(`${emu.url}/api/oauth?app_id=${appId}`);
      const done = await browser.go(`${url}/auth/kvixi/callback?auth_key=${keyFor(jane())}`);
      expect(done.location).toBe(`${url}/`);
      expect(JSON.parse((await browser.go(`${url}/me`)).text)).toEqual({
        user: { id: 'u1', kvixiId: jane(), name: "Jane O'Brien" },
      });
    });

    it(`gives the state back as ${stateWhere}`, async () => {
      const { url } = recipe();
      const browser = new HttpBrowser();
      expect((await browser.go(`${url}/auth/kvixi/account`)).status).toBe(302);
      const done = await browser.go(`${url}/auth/kvixi/state?auth_key=${keyFor(jane())}`);
      expect(JSON.parse(done.text)).toEqual({ state: { returnTo: '/account' } });
    });

    it('answers a link from another site with the one-button continue page, and starts nothing', async () => {
      const { url } = recipe();
      const browser = new HttpBrowser();
      const page = await browser.go(`${url}/auth/kvixi`, {
        headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' },
      });
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(page.text).toContain('<a href="/auth/kvixi">Continue with Kvixi</a>');
      const callback = await browser.go(`${url}/auth/kvixi/callback?auth_key=${keyFor(jane())}`);
      expect(callback.location).toBe(`${url}/login`);
    });

    it('sends a signed-in browser that opens the callback again home, still signed in, without asking Kvixi', async () => {
      const { url, emu } = recipe();
      const browser = new HttpBrowser();
      await browser.go(`${url}/auth/kvixi`);
      const authKey = keyFor(jane());
      expect((await browser.go(`${url}/auth/kvixi/callback?auth_key=${authKey}`)).location).toBe(`${url}/`);
      const exchanges = emu.requests.filter((request) => request.path === '/api/authorize').length;
      const again = await browser.go(`${url}/auth/kvixi/callback?auth_key=${authKey}`);
      expect(again.location).toBe(`${url}/`);
      expect(emu.requests.filter((request) => request.path === '/api/authorize').length).toBe(exchanges);
      expect(JSON.parse((await browser.go(`${url}/me`)).text).user).toMatchObject({ kvixiId: jane() });
    });

    it('sends a forged callback to /login and signs nobody in', async () => {
      const { url } = recipe();
      const victim = new HttpBrowser();
      const forged = await victim.go(`${url}/auth/kvixi/callback?auth_key=${keyFor(jane())}`);
      expect(forged.location).toBe(`${url}/login`);
      expect(JSON.parse((await victim.go(`${url}/me`)).text)).toEqual({ user: null });
    });
  });
}
