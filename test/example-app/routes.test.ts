import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { safeReturnTo } from '../../example-app/app.js';
import type { KvixiEmulator } from '../../lib/emulator/index.js';
import { listen, logIn, pageText, startProvider, startSite, stopSite, type ExampleSite } from './support/site.js';
import { HttpBrowser } from '../support/http-browser.js';

let emu: KvixiEmulator;
let site: ExampleSite;
let appId: string;
let janeId: string;
let browser: HttpBrowser;

beforeEach(async () => {
  emu = await startProvider();
  const listening = await listen();
  const app = emu.registerApp({ name: 'Example', redirectURL: `${listening.url}/auth/kvixi/callback` });
  appId = app.appId;
  site = await startSite(emu, { ...app, listening });
  janeId = emu.users.find((u) => u.username === 'jane')!.userId;
  browser = new HttpBrowser();
});
afterEach(async () => {
  await stopSite(site);
  await emu.close();
});

function csrfOf(page: string): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(page)?.[1];
  if (!token) throw new Error('no CSRF token on the page');
  return token;
}

describe('home page', () => {
  it('shows a "Log in with Kvixi" button to a visitor', async () => {
    const home = await browser.go(`${site.url}/`);
    expect(home.status).toBe(200);
    expect(home.text).toContain('Log in with Kvixi');
    expect(home.text).toContain('href="/auth/kvixi"');
  });

  it('sends security headers and no framework banner', async () => {
    const home = await browser.go(`${site.url}/`);
    expect(home.headers.get('content-security-policy')).toContain(`img-src 'self' data: https: ${emu.url}`);
    expect(home.headers.get('x-content-type-options')).toBe('nosniff');
    expect(home.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(home.headers.get('x-powered-by')).toBeNull();
  });

  it('serves its stylesheet locally', async () => {
    const css = await browser.go(`${site.url}/style.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/text\/css/);
  });
});

describe('logging in', () => {
  it('creates the local account and shows the profile', async () => {
    const { callback } = await logIn(browser, site, emu, appId, janeId);
    expect(callback.status).toBe(302);
    expect(callback.location).toBe(`${site.url}/profile`);
    const profile = await browser.go(`${site.url}/profile`);
    expect(profile.status).toBe(200);
    expect(profile.text).toContain('Jane O&#39;Brien');
    expect(profile.text).toContain('@jane');
    expect(profile.text).toContain('jane@example.com');
    expect(profile.text).toContain('Female');
    expect(profile.text).toContain('17 May 1990');
    expect(profile.text).toContain('✓ Verified');
    expect(profile.text).toContain(`src="${emu.url}/content/uploads/photos/2024/05/jane.jpg"`);
    expect(profile.text).toMatch(/Access token expires<\/dt><dd>\d/);
  });

  it('sets an httpOnly, SameSite=Lax session cookie', async () => {
    const start = await fetch(`${site.url}/auth/kvixi`, { redirect: 'manual' });
    const cookie = start.headers.getSetCookie().join('\n');
    expect(cookie).toMatch(/kvixi-example\.sid=/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
  });

  it('updates the account on the next login instead of creating another', async () => {
    await logIn(browser, site, emu, appId, janeId);
    const first = site.db.findUser(1);
    await logIn(new HttpBrowser(), site, emu, appId, janeId);
    const again = site.db.findUser(1);
    expect(again?.kvixiId).toBe(janeId);
    expect(again?.loginCount).toBe(2);
    expect(again?.createdAt).toBe(first?.createdAt);
    expect(site.db.findUser(2)).toBeUndefined();
  });

  it('keeps only the local id in the session and logs a deleted account out', async () => {
    await logIn(browser, site, emu, appId, janeId);
    expect((await browser.go(`${site.url}/account`)).status).toBe(200);
    site.db.deleteUser(1);
    const after = await browser.go(`${site.url}/account`);
    expect(after.status).toBe(302);
    expect(after.location).toBe(`${site.url}/auth/kvixi?returnTo=%2Faccount`);
  });
});

describe('returnTo', () => {
  it('sends a visitor of /account through login and back', async () => {
    const guard = await browser.go(`${site.url}/account`);
    expect(guard.status).toBe(302);
    expect(guard.location).toBe(`${site.url}/auth/kvixi?returnTo=%2Faccount`);
    const { callback } = await logIn(browser, site, emu, appId, janeId, '/auth/kvixi?returnTo=%2Faccount');
    expect(callback.location).toBe(`${site.url}/account`);
    const account = await browser.go(`${site.url}/account`);
    expect(account.text).toContain('Your account');
  });

  it.each(['//evil.test/x', '/\\evil.test', 'https://evil.test/', '/\r\nLocation: x', 'javascript:alert(1)'])(
    'refuses %s and lands on the profile',
    async (target) => {
      const { callback } = await logIn(browser, site, emu, appId, janeId, `/auth/kvixi?returnTo=${encodeURIComponent(target)}`);
      expect(callback.location).toBe(`${site.url}/profile`);
    },
  );

  it('keeps a same-site path with its query', () => {
    expect(safeReturnTo('/account?tab=2')).toBe('/account?tab=2');
    expect(safeReturnTo('/a/../account')).toBe('/account');
    expect(safeReturnTo(['/account'])).toBeUndefined();
  });

  it.each([
    '/..//evil.test',
    '/.//evil.test',
    '/%2e%2e//evil.test',
    '/%2E%2E//evil.test',
    '/x/../..//evil.test',
    '//evil.test',
    '/\\evil.test',
    '/\t/evil.test',
    '/\n/evil.test',
    'https://evil.test',
    '%2f%2fevil.test',
  ])('refuses %j, which a browser would read as another site', (target) => {
    expect(safeReturnTo(target)).toBeUndefined();
  });

  it.each([
    ['/%2f%2fevil.test', '/%2f%2fevil.test'],
    ['/%09/evil.test', '/%09/evil.test'],
    ['/%5cevil.test', '/%5cevil.test'],
    ['/\uff0f\uff0fevil.test', '/%EF%BC%8F%EF%BC%8Fevil.test'],
    ['/\u2215\u2215evil.test', '/%E2%88%95%E2%88%95evil.test'],
  ])('keeps %j as a path on this site, %j', (target, path) => {
    expect(safeReturnTo(target)).toBe(path);
    // A browser resolves it on this site whatever it decodes.
    expect(new URL(path, 'http://same.site').origin).toBe('http://same.site');
  });

  it('lands on the profile, not on another site, after a login with /..//evil.test', async () => {
    const { callback } = await logIn(browser, site, emu, appId, janeId, `/auth/kvixi?returnTo=${encodeURIComponent('/..//evil.test')}`);
    expect(callback.location).toBe(`${site.url}/profile`);
  });
});

describe('failed logins', () => {
  it('sends a signed-in user who reloads the callback to their profile', async () => {
    const { callbackURL } = await logIn(browser, site, emu, appId, janeId);
    const reload = await browser.go(callbackURL);
    expect(reload.location).toBe(`${site.url}/profile`);
    const profile = await browser.go(reload.location!);
    expect(profile.status).toBe(200);
    expect(profile.text).toContain('Jane O&#39;Brien');
  });

  it('shows a short "already used" page, with the code under Technical details, for a stale callback', async () => {
    const { callbackURL } = await logIn(browser, site, emu, appId, janeId);
    const other = new HttpBrowser();
    const reload = await other.go(callbackURL);
    expect(reload.status).toBe(403);
    const page = pageText(reload.text);
    expect(page.title).toBe('This login link was already used');
    expect(page.message).toBe('A link back from Kvixi works once, in the browser that started the login: start a new login.');
    expect(page.buttons).toEqual(['Try again', 'Home']);
    expect(page.details).toContain('ERR_KVIXI_NO_PENDING_LOGIN');
    expect(reload.text).not.toContain('role="alert"');
  });

  it('refuses a forged callback this browser never started', async () => {
    const forged = emu.issueAuthKey({ appId, userId: janeId });
    const res = await browser.go(`${site.url}/auth/kvixi/callback?auth_key=${forged}`);
    expect(res.status).toBe(403);
    expect(pageText(res.text).title).toBe('This login link was already used');
    expect((await browser.go(`${site.url}/profile`)).status).toBe(302);
  });

  it('says to contact the site owner, without a retry button, when Kvixi has disabled the app', async () => {
    emu.failNext('authorize', { type: 'error', message: 'The developers module has been disabled by the admin' });
    const { callback } = await logIn(browser, site, emu, appId, janeId);
    expect(callback.status).toBe(502);
    const page = pageText(callback.text);
    expect(page.title).toBe('Log in with Kvixi is switched off');
    expect(page.message).toContain('contact the site owner');
    expect(page.buttons).toEqual(['Home']);
    // The provider's own words only under "Technical details", never in the sentence people read.
    expect(page.message).not.toContain('developers module');
    expect(page.details).toContain('ERR_KVIXI_API');
    expect(page.details).toContain('The developers module has been disabled by the admin');
  });

  it('offers a retry when Kvixi refuses for another reason, and keeps its words in the details', async () => {
    emu.failNext('authorize', { type: 'error', message: 'Something odd happened' });
    const { callback } = await logIn(browser, site, emu, appId, janeId);
    expect(callback.status).toBe(502);
    const page = pageText(callback.text);
    expect(page.title).toBe('Kvixi refused the login');
    expect(page.buttons).toEqual(['Try again', 'Home']);
    expect(page.message).not.toContain('Something odd happened');
    expect(page.details).toContain('Something odd happened');
  });

  it('says Kvixi is not answering when the provider is down', async () => {
    await stopSite(site);
    const listening = await listen();
    const app = emu.registerApp({ name: 'Example', redirectURL: `${listening.url}/auth/kvixi/callback` });
    site = await startSite(emu, { ...app, listening, timeout: 200 });
    emu.failNext('authorize', { type: 'hang' });
    const { callback } = await logIn(browser, site, emu, app.appId, janeId);
    expect(callback.status).toBe(504);
    expect(callback.text).toContain('Kvixi is not answering');
    expect(callback.text).not.toContain(app.appSecret);
  });

  it('says a deleted Kvixi account no longer exists, without a retry button', async () => {
    const jose = emu.users.find((u) => u.username === 'jose')!.userId;
    await browser.go(`${site.url}/auth/kvixi`);
    const authKey = emu.issueAuthKey({ appId, userId: jose });
    emu.deleteUser(jose);
    const callback = await browser.go(`${site.url}/auth/kvixi/callback?auth_key=${authKey}`);
    const page = pageText(callback.text);
    expect(page.title).toBe('This Kvixi account no longer exists');
    expect(page.buttons).toEqual(['Home']);
    expect(page.details).toContain('ERR_KVIXI_USER_NOT_FOUND');
    expect((await browser.go(`${site.url}/profile`)).status).toBe(302);
  });

  it('refuses a login started by another site', async () => {
    const res = await browser.go(`${site.url}/auth/kvixi`, {
      headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' },
    });
    expect(res.status).toBe(403);
    expect(res.text).toContain('Log in from this site');
  });
});

describe('sessions', () => {
  it('gives a visitor who starts a login a cookie that ends with the pending login', async () => {
    const before = Date.now();
    const start = await fetch(`${site.url}/auth/kvixi`, { redirect: 'manual' });
    const cookie = start.headers.getSetCookie().find((c) => c.startsWith('kvixi-example.sid='))!;
    const expires = Date.parse(/Expires=([^;]+)/.exec(cookie)![1]!);
    expect(expires - before).toBeGreaterThan(9 * 60_000);
    expect(expires - before).toBeLessThanOrEqual(10 * 60_000 + 1000);
  });

  it('keeps a signed-in session for a week', async () => {
    const before = Date.now();
    await browser.go(`${site.url}/auth/kvixi`);
    const callback = await browser.go(`${site.url}/auth/kvixi/callback?auth_key=${emu.issueAuthKey({ appId, userId: janeId })}`);
    const cookie = callback.headers.getSetCookie().find((c) => c.startsWith('kvixi-example.sid='))!;
    const expires = Date.parse(/Expires=([^;]+)/.exec(cookie)![1]!);
    expect(expires - before).toBeGreaterThan(6.9 * 24 * 3600_000);
    expect((await browser.go(`${site.url}/profile`)).status).toBe(200);
  });
});

describe('logging out', () => {
  it('logs out with the CSRF token from the page', async () => {
    await logIn(browser, site, emu, appId, janeId);
    const profile = await browser.go(`${site.url}/profile`);
    const out = await browser.go(`${site.url}/logout`, { form: { _csrf: csrfOf(profile.text) } });
    expect(out.status).toBe(303);
    expect(out.location).toBe(`${site.url}/`);
    expect((await browser.go(`${site.url}/profile`)).status).toBe(302);
  });

  it('refuses a logout without the token, and the user stays logged in', async () => {
    await logIn(browser, site, emu, appId, janeId);
    const forged = await browser.go(`${site.url}/logout`, { form: { _csrf: 'guess' } });
    expect(forged.status).toBe(403);
    expect(forged.text).toContain('This form has expired');
    expect((await browser.go(`${site.url}/profile`)).status).toBe(200);
    expect((await browser.go(`${site.url}/logout`, { form: {} })).status).toBe(403);
  });
});

describe('unknown pages', () => {
  it('answers 404 with a page that leads home', async () => {
    const res = await browser.go(`${site.url}/no/such/page`);
    expect(res.status).toBe(404);
    expect(res.text).toContain('Page not found');
    expect(res.text).toContain('Go to the home page');
  });
});
