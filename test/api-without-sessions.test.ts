import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KvixiEmulator } from '../lib/emulator/index.js';
import { HttpBrowser } from './support/http-browser.js';
import { prepareRecipe } from './support/recipe-app.js';

// The README's recipe for APIs and single-page apps (test/recipes/api-without-sessions.ts), run
// as written against the emulator: no session middleware, the app issues its own token.

let emu: KvixiEmulator;
let server: Server;
let appURL: string;
let appId: string;
let janeId: string;

beforeAll(async () => {
  ({ emu, appURL, appId, janeId } = await prepareRecipe());
  const recipe = './recipes/api-without-sessions.js';
  ({ server } = (await import(recipe)) as { server: Server });
  if (!server.listening) await new Promise((resolve) => server.once('listening', resolve));
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await emu?.close();
});

describe('an API without sessions', () => {
  it('logs in through Kvixi and issues its own token, with no session cookie', async () => {
    const browser = new HttpBrowser();
    const start = await browser.go(`${appURL}/auth/kvixi`);
    expect(start.location).toBe(`${emu.url}/api/oauth?app_id=${appId}`);
    expect(start.headers.getSetCookie().map((cookie) => cookie.split('=')[0])).toEqual(['kvixi_pending']);
    const callback = await browser.go(`${appURL}/auth/kvixi/callback?auth_key=${emu.issueAuthKey({ appId, userId: janeId })}`);
    const token = /^.*\/#token=([\w-]+)$/.exec(callback.location ?? '')?.[1];
    expect(token).toBeDefined();
    const me = await fetch(`${appURL}/api/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(await me.json()).toEqual({ id: janeId, name: "Jane O'Brien" });
  });

  it('refuses a forged callback and a replay', async () => {
    const forged = await new HttpBrowser().go(`${appURL}/auth/kvixi/callback?auth_key=${emu.issueAuthKey({ appId, userId: janeId })}`);
    expect(forged.location).toBe(`${appURL}/#login-failed`);
    const browser = new HttpBrowser();
    await browser.go(`${appURL}/auth/kvixi`);
    const cookie = `kvixi_pending=${browser.cookies(appURL).get('kvixi_pending')}`;
    await browser.go(`${appURL}/auth/kvixi/callback?auth_key=${emu.issueAuthKey({ appId, userId: janeId })}`);
    const replay = await new HttpBrowser().go(`${appURL}/auth/kvixi/callback?auth_key=${emu.issueAuthKey({ appId, userId: janeId })}`, {
      headers: { cookie },
    });
    expect(replay.location).toBe(`${appURL}/#login-failed`);
  });

  it('answers 401 to the API without a token', async () => {
    expect((await fetch(`${appURL}/api/me`)).status).toBe(401);
  });
});
