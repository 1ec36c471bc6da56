import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp, safeReturnTo } from '../../example-app/app.js';
import type { KvixiEmulator } from '../../lib/emulator/index.js';
import { listen, logIn, pageText, startProvider, startSite, stopSite, type ExampleSite } from './support/site.js';
import { HttpBrowser, type Visit } from '../support/http-browser.js';

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

  it('offers one way to log in on the home page, and a "Log in" link in the header elsewhere', async () => {
    const home = await browser.go(`${site.url}/`);
    expect([...home.text.matchAll(/href="\/auth\/kvixi"/g)]).toHaveLength(1);
    expect(home.text).not.toMatch(/Sign in/);
    const other = await browser.go(`${site.url}/no/such/page`);
    expect(other.text).toContain('<a class="nav-link" href="/auth/kvixi">Log in</a>');
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
  });

  it('shows the previous login, not this one, and labels what else Kvixi sent', async () => {
    await logIn(browser, site, emu, appId, janeId);
    const first = pageText((await browser.go(`${site.url}/profile`)).text);
    expect(first.title).toBe("Jane O'Brien");
    const firstProfile = (await browser.go(`${site.url}/profile`)).text;
    expect(firstProfile).toContain('Previous login</dt><dd><span class="muted">None: this is your first</span>');
    const firstLogin = site.db.findUser(1)!.lastLoginAt;
    await logIn(new HttpBrowser(), site, emu, appId, janeId);
    const second = new HttpBrowser();
    await logIn(second, site, emu, appId, janeId);
    const profile = (await second.go(`${site.url}/profile`)).text;
    expect(site.db.findUser(1)!.previousLoginAt).not.toBe(firstLogin);
    expect(profile).toMatch(/Previous login<\/dt><dd>\d{1,2} \w{3} \d{4}, \d\d:\d\d UTC/);
    expect(profile).not.toContain('Last signed in');
    // Gender and birthday are not on Kvixi's consent page: the profile says where they came from.
    expect(profile).toMatch(/Also from your Kvixi profile<\/h2>[\s\S]*Gender[\s\S]*Birthday/);
    // Token details fold away for developers, with no "expired" badge.
    expect(profile).toMatch(/<details class="developer"><summary>For developers<\/summary>[\s\S]*Access token/);
    expect(profile).not.toContain('badge-muted');
    expect(profile).not.toMatch(/>expired</);
  });

  it('keeps the account page to what the profile does not show, its button where its content starts', async () => {
    await logIn(browser, site, emu, appId, janeId);
    const account = (await browser.go(`${site.url}/account`)).text;
    expect(account).toContain('Kvixi user id');
    expect(account).not.toContain('Account created');
    expect(account).toContain('<div class="actions actions-start">');
  });

  it('names the session cookie __Host- with Secure, Path=/ and no Domain when the site is https', async () => {
    await stopSite(site);
    const listening = await listen();
    const app = emu.registerApp({ name: 'Example', redirectURL: `${listening.url}/auth/kvixi/callback` });
    site = await startSite(emu, { ...app, listening, secureCookies: true, trustProxy: true });
    const start = await browser.go(`${site.url}/auth/kvixi`, { headers: { 'x-forwarded-proto': 'https' } });
    const cookies = start.headers.getSetCookie();
    // The session cookie, beside the strategy's own __Host- binding cookie.
    expect(cookies.map((line) => line.split('=')[0]).sort()).toEqual(['__Host-kvixi-example.sid', '__Host-kvixi_browser']);
    const cookie = cookies.find((line) => line.startsWith('__Host-kvixi-example.sid='));
    expect(cookie).toMatch(/; Path=\/(;|$)/);
    expect(cookie).toMatch(/; Secure(;|$)/);
    expect(cookie).not.toMatch(/Domain=/i);
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

/** Follows the callback's redirect to the failure page, as a browser does. */
async function failurePage(callback: Visit): Promise<Visit> {
  expect(callback.status).toBe(303);
  expect(callback.location).toMatch(new RegExp(`^${site.url}/login/failed\\?`));
  return browser.go(callback.location!);
}

describe('failed logins', () => {
  it('sends a signed-in user who reloads the callback to their profile', async () => {
    const { callbackURL } = await logIn(browser, site, emu, appId, janeId);
    const reload = await browser.go(callbackURL);
    expect(reload.location).toBe(`${site.url}/profile`);
    const profile = await browser.go(reload.location!);
    expect(profile.status).toBe(200);
    expect(profile.text).toContain('Jane O&#39;Brien');
  });

  it('says a callback opened in another browser cannot be finished there, and keeps saying it on reload', async () => {
    const other = new HttpBrowser();
    // The other browser has this site's cookie, with no login left in it: its own login failed.
    await other.go(`${site.url}/auth/kvixi`);
    await other.go(`${site.url}/auth/kvixi/callback?auth_key=${'0'.repeat(32)}`);
    // This browser starts a login; its link back from Kvixi is opened in the other one.
    await browser.go(`${site.url}/auth/kvixi`);
    const callback = await other.go(`${site.url}/auth/kvixi/callback?auth_key=${emu.issueAuthKey({ appId, userId: janeId })}`);
    // The auth_key leaves the address bar: the failure has an address of its own.
    expect(callback.location).not.toContain('auth_key');
    const failed = await failurePage(callback);
    expect(failed.status).toBe(403);
    const page = pageText(failed.text);
    expect(page.title).toBe("This login can't be finished in this browser");
    expect(page.buttons).toEqual(['Start a new login here', 'Home']);
    expect(page.details).toContain('ERR_KVIXI_NO_PENDING_LOGIN');
    expect(failed.text).not.toContain('role="alert"');
    const reload = await other.go(callback.location!);
    expect(pageText(reload.text)).toEqual(page);
  });

  it('says a login that reached the callback without any cookie cannot be finished here', async () => {
    // Another address of this site, or cookies blocked: nothing of the start came back.
    const forged = emu.issueAuthKey({ appId, userId: janeId });
    const callback = await browser.go(`${site.url}/auth/kvixi/callback?auth_key=${forged}`);
    expect(callback.location).toBe(`${site.url}/login/failed?code=ERR_KVIXI_NO_PENDING_LOGIN&reason=no-cookie`);
    const failed = await failurePage(callback);
    expect(failed.status).toBe(403);
    expect(pageText(failed.text).title).toBe("This login can't be finished here");
    expect((await browser.go(`${site.url}/profile`)).status).toBe(302);
  });

  it.each([
    ['ERR_KVIXI_NO_PENDING_LOGIN', 'no-cookie', "This login can't be finished here", 'Start a new login here'],
    ['ERR_KVIXI_NO_PENDING_LOGIN', 'not-started-here', "This login can't be finished in this browser", 'Start a new login here'],
    ['ERR_KVIXI_PENDING_LOGIN_EXPIRED', undefined, 'Your login took too long', 'Start a new login'],
    ['ERR_KVIXI_AUTH_KEY_REJECTED', undefined, 'Kvixi did not accept this login', 'Start a new login'],
  ])('gives %s (%s) its own title at its stable address', async (code, reason, title, button) => {
    const page = await browser.go(`${site.url}/login/failed?code=${code}${reason ? `&reason=${reason}` : ''}`);
    expect(pageText(page.text).title).toBe(title);
    expect(pageText(page.text).buttons).toEqual([button, 'Home']);
  });

  it('puts nothing from the failure URL on the page but the codes it knows', async () => {
    const page = await browser.go(`${site.url}/login/failed?code=${encodeURIComponent('<b>x</b>')}&reason=${encodeURIComponent('you were hacked')}&endpoint=evil&status=9999`);
    expect(page.text).not.toContain('hacked');
    expect(page.text).not.toContain('&lt;b&gt;');
    expect(page.text).not.toContain('evil');
    expect(page.text).not.toContain('9999');
    expect(pageText(page.text).title).toBe('Login failed');
  });

  it('says who is signed in, with a way to switch, when a signed-in browser finishes another login', async () => {
    // Two tabs start a login; the first comes back as Jane, the second with José's login.
    await browser.go(`${site.url}/auth/kvixi`);
    await logIn(browser, site, emu, appId, janeId);
    const jose = emu.users.find((u) => u.username === 'jose')!.userId;
    const callback = await browser.go(`${site.url}/auth/kvixi/callback?auth_key=${emu.issueAuthKey({ appId, userId: jose })}`);
    const failed = await failurePage(callback);
    const page = pageText(failed.text);
    expect(page.title).toBe("You're already signed in as Jane O'Brien");
    expect(page.buttons).toEqual(['Log out to switch account', 'Home']);
    // The switch is the logout form, with its token.
    const out = await browser.go(`${site.url}/logout`, { form: { _csrf: csrfOf(failed.text) } });
    expect(out.location).toBe(`${site.url}/logged-out`);
  });

  it('says to contact the site owner, with the configured contact and no retry, when Kvixi has disabled the app', async () => {
    await stopSite(site);
    const listening = await listen();
    const app = emu.registerApp({ name: 'Example', redirectURL: `${listening.url}/auth/kvixi/callback` });
    site = await startSite(emu, { ...app, listening, siteContact: 'owner@example.test' });
    emu.failNext('authorize', { type: 'error', message: 'The developers module has been disabled by the admin' });
    const { callback } = await logIn(browser, site, emu, app.appId, janeId);
    const failed = await failurePage(callback);
    expect(failed.status).toBe(502);
    const page = pageText(failed.text);
    expect(page.title).toBe('Log in with Kvixi is switched off');
    expect(page.buttons).toEqual(['Home']);
    expect(page.note).toBe('Contact: owner@example.test');
    expect(failed.text).toContain('href="mailto:owner@example.test"');
    // A retry cannot help: the header offers no "Log in" either.
    expect(failed.text).not.toContain('href="/auth/kvixi"');
    // Neither the URL nor the sentence people read carries the provider's words.
    expect(callback.location).not.toContain('developers');
    expect(page.message).not.toContain('developers module');
    expect(page.details).toContain('ERR_KVIXI_API');
    expect(page.details).toContain('authorize');
  });

  it('asks people to tell the site owner when no contact is configured', async () => {
    emu.failNext('authorize', { type: 'error', message: 'The developers module has been disabled by the admin' });
    const { callback } = await logIn(browser, site, emu, appId, janeId);
    const page = pageText((await failurePage(callback)).text);
    expect(page.message).toContain('please tell the site owner');
    expect(page.note).toBeUndefined();
  });

  it('offers a retry when Kvixi refuses for another reason, and keeps its words off the page and the URL', async () => {
    emu.failNext('authorize', { type: 'error', message: 'Something odd happened' });
    const { callback } = await logIn(browser, site, emu, appId, janeId);
    expect(callback.location).not.toContain('odd');
    const failed = await failurePage(callback);
    expect(failed.status).toBe(502);
    const page = pageText(failed.text);
    expect(page.title).toBe('Kvixi refused the login');
    expect(page.buttons).toEqual(['Try again', 'Home']);
    expect(failed.text).not.toContain('Something odd happened');
  });

  it('shows the HTTP status and the endpoint when Kvixi answers 502', async () => {
    emu.failNext('get_user_info', { type: 'http', status: 502, body: '<html>Bad Gateway</html>', contentType: 'text/html' });
    const { callback } = await logIn(browser, site, emu, appId, janeId);
    const failed = await failurePage(callback);
    expect(failed.status).toBe(502);
    const page = pageText(failed.text);
    expect(page.title).toBe('Kvixi sent something unexpected');
    expect(page.details).toContain('ERR_KVIXI_UNEXPECTED_RESPONSE');
    expect(page.details).toContain('Kvixi endpoint get_user_info');
    expect(page.details).toContain('HTTP status 502');
  });

  it('says Kvixi is not answering when the provider is down', async () => {
    await stopSite(site);
    const listening = await listen();
    const app = emu.registerApp({ name: 'Example', redirectURL: `${listening.url}/auth/kvixi/callback` });
    site = await startSite(emu, { ...app, listening, timeout: 200 });
    emu.failNext('authorize', { type: 'hang' });
    const { callback } = await logIn(browser, site, emu, app.appId, janeId);
    const failed = await failurePage(callback);
    expect(failed.status).toBe(504);
    expect(pageText(failed.text).title).toBe('Kvixi is not answering');
    expect(failed.text).not.toContain(app.appSecret);
  });

  it('offers a login with another Kvixi account when the account was deleted', async () => {
    const jose = emu.users.find((u) => u.username === 'jose')!.userId;
    await browser.go(`${site.url}/auth/kvixi`);
    const authKey = emu.issueAuthKey({ appId, userId: jose });
    emu.deleteUser(jose);
    const failed = await failurePage(await browser.go(`${site.url}/auth/kvixi/callback?auth_key=${authKey}`));
    const page = pageText(failed.text);
    expect(page.title).toBe('This Kvixi account no longer exists');
    expect(page.buttons).toEqual(['Log in with another Kvixi account', 'Home']);
    expect(failed.text).toContain('<a class="button" href="/auth/kvixi">Log in with another Kvixi account</a>');
    expect(page.details).toContain('ERR_KVIXI_USER_NOT_FOUND');
    expect((await browser.go(`${site.url}/profile`)).status).toBe(302);
  });
});

describe('a login started by another site', () => {
  const crossSite = { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' };

  it('asks for one calm click that continues the same login, returnTo kept', async () => {
    const res = await browser.go(`${site.url}/auth/kvixi?returnTo=%2Faccount`, { headers: crossSite });
    expect(res.status).toBe(403);
    const page = pageText(res.text);
    expect(page.title).toBe('Continue to log in');
    expect(res.text).toContain('<a class="button button-kvixi" href="/auth/kvixi?returnTo=%2Faccount">');
    expect([...res.text.matchAll(/class="button/g)]).toHaveLength(1);
    expect(res.text).not.toMatch(/tried|failed|error/i);
    // Following a link sets no cookie until the login really starts.
    expect(res.headers.getSetCookie()).toEqual([]);
    const { callback } = await logIn(browser, site, emu, appId, janeId, '/auth/kvixi?returnTo=%2Faccount');
    expect(callback.location).toBe(`${site.url}/account`);
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
    expect(out.location).toBe(`${site.url}/logged-out`);
    expect((await browser.go(`${site.url}/profile`)).status).toBe(401);
  });

  it('says the browser is still signed in to Kvixi as Jane, with a link to sign out there', async () => {
    await logIn(browser, site, emu, appId, janeId);
    const profile = await browser.go(`${site.url}/profile`);
    await browser.go(`${site.url}/logout`, { form: { _csrf: csrfOf(profile.text) } });
    const done = await browser.go(`${site.url}/logged-out`);
    const page = pageText(done.text);
    expect(page.title).toBe("You're logged out");
    expect(page.message).toBe("This browser is still signed in to Kvixi as Jane O'Brien, so “Log in” will not ask again.");
    expect(page.buttons).toEqual(['Sign out of Kvixi', 'Home']);
    expect(done.text).toContain(`<a class="button" href="${emu.url}/">Sign out of Kvixi</a>`);
  });

  it('links a real Sngine site’s sign-out, {baseURL}/signout, by default', async () => {
    const app = createApp({ db: site.db, kvixi: { appId, appSecret: 'x'.repeat(32), baseURL: 'https://kvixi.test/' }, sessionSecret: 's' });
    const { createServer } = await import('node:http');
    const server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as { port: number };
      const page = await new HttpBrowser().go(`http://127.0.0.1:${port}/logged-out`);
      expect(page.text).toContain('href="https://kvixi.test/signout"');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('asks for one click on a protected page after a logout instead of starting a login', async () => {
    await logIn(browser, site, emu, appId, janeId);
    const profile = await browser.go(`${site.url}/profile`);
    await browser.go(`${site.url}/logout`, { form: { _csrf: csrfOf(profile.text) } });
    const account = await browser.go(`${site.url}/account`);
    expect(account.status).toBe(401);
    expect(account.location).toBeNull();
    expect(pageText(account.text).title).toBe('Log in to see your account');
    expect(account.text).toContain('href="/auth/kvixi?returnTo=%2Faccount"');
  });

  it('sends no-store on signed-in and personal pages, so Back cannot show them from the cache', async () => {
    await logIn(browser, site, emu, appId, janeId);
    for (const path of ['/', '/profile', '/account']) {
      expect((await browser.go(`${site.url}${path}`)).headers.get('cache-control'), path).toBe('no-store');
    }
    const profile = await browser.go(`${site.url}/profile`);
    await browser.go(`${site.url}/logout`, { form: { _csrf: csrfOf(profile.text) } });
    expect((await browser.go(`${site.url}/logged-out`)).headers.get('cache-control')).toBe('no-store');
  });

  it('refuses a logout without the token, and the user stays logged in', async () => {
    await logIn(browser, site, emu, appId, janeId);
    const forged = await browser.go(`${site.url}/logout`, { form: { _csrf: 'guess' } });
    expect(forged.status).toBe(403);
    expect(pageText(forged.text).title).toBe('This form has expired');
    expect((await browser.go(`${site.url}/profile`)).status).toBe(200);
    expect((await browser.go(`${site.url}/logout`, { form: {} })).status).toBe(403);
  });

  it('says "You\'re already logged out" to a visitor whose logout form outlived the session', async () => {
    const res = await browser.go(`${site.url}/logout`, { form: { _csrf: 'from an old page' } });
    expect(res.status).toBe(200);
    expect(pageText(res.text).title).toBe("You're already logged out");
  });
});

describe('unknown pages', () => {
  it('answers 404 with a page that leads home', async () => {
    const res = await browser.go(`${site.url}/no/such/page`);
    expect(res.status).toBe(404);
    expect(pageText(res.text).title).toBe('Page not found');
    expect(pageText(res.text).buttons).toEqual(['Home']);
  });
});
