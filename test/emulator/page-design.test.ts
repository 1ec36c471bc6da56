import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorApp, type EmulatorUser, type KvixiEmulator } from '../../lib/emulator/index.js';
import { launchChromium, skipBrowserTests } from '../support/chromium.js';

// Issue 16, items 10 to 14: the sign-in page is a list of accounts, the header carries the site's
// mark, the consent page shows who is signed in and can switch, the default avatar is drawn, and
// the apps dashboard copies what a developer pastes.

let emu: KvixiEmulator;
let app: EmulatorApp;
let jane: EmulatorUser;
let omar: EmulatorUser;

beforeEach(async () => {
  emu = await startEmulator({
    users: [
      { username: 'jane', firstname: 'Jane', lastname: "O'Brien", password: 'secret1', picture: 'photos/jane.jpg' },
      { username: 'omar', firstname: 'Omar', lastname: 'Haddad', gender: 'other' },
    ],
  });
  app = emu.registerApp({ name: 'Acme Notes', domain: 'notes.acme.test', redirectURL: 'http://localhost:3000/auth/kvixi/callback' });
  [jane, omar] = emu.users as [EmulatorUser, EmulatorUser];
});
afterEach(() => emu.close());

async function post(path: string, form: Record<string, string>, cookie?: string): Promise<Response> {
  return fetch(`${emu.url}${path}`, { method: 'POST', redirect: 'manual', headers: cookie ? { cookie } : {}, body: new URLSearchParams(form) });
}

async function signedIn(user: EmulatorUser): Promise<string> {
  const res = await post('/signin', { user_id: user.userId, return: '/' });
  return res.headers.get('set-cookie')!.split(';')[0]!;
}

/** The start tag of the element with this id. */
function tagWithId(page: string, id: string): string {
  return new RegExp(`<[a-z]+ [^>]*\\bid="${id}"[^>]*>`).exec(page)?.[0] ?? '';
}

describe('the sign-in page', () => {
  it('is the list of accounts, with each picture, and folds password sign-in and new users away', async () => {
    const page = await (await fetch(`${emu.url}/api/oauth?app_id=${app.appId}`)).text();
    expect(page).toContain('<img class="avatar" src="/content/uploads/photos/jane.jpg" alt="">');
    expect(page).toContain('<img class="avatar" src="/content/themes/default/images/blank_profile_male.png" alt="">');
    expect(page).toContain('<details class="fold" id="password-sign-in"><summary>Sign in with a password</summary>');
    expect(page).toContain('<details class="fold" id="create-user"><summary>Create a test user</summary>');
    // The list comes first; the folded forms after it.
    expect(page.indexOf('class="accounts"')).toBeLessThan(page.indexOf('<details'));
  });

  it('says what an empty field becomes in helper text tied to the field, not in a placeholder', async () => {
    const page = await (await fetch(`${emu.url}/api/oauth?app_id=${app.appId}`)).text();
    expect(page).not.toContain('placeholder=');
    expect(tagWithId(page, 'username')).toContain('aria-describedby="username-hint"');
    expect(page).toContain('<p class="hint" id="username-hint">Made from the first name when left empty.</p>');
    expect(tagWithId(page, 'email')).toContain('aria-describedby="email-hint"');
    expect(tagWithId(page, 'new-password')).toContain('aria-describedby="new-password-hint"');
    expect(page).toContain('<p class="hint" id="new-password-hint">“password” when left empty.</p>');
  });

  it('opens the password section on a wrong password, with the error first in its form, announced', async () => {
    const page = await (await post('/signin', { username: 'jane', password: 'wrong', return: '/' })).text();
    expect(page).toContain('<details class="fold" id="password-sign-in" open>');
    expect(page).toContain('<form method="post" action="/signin"><p class="error" id="password-error" role="alert" tabindex="-1" autofocus>');
    expect(tagWithId(page, 'login')).toContain('aria-describedby="password-error" aria-invalid="true"');
    expect(tagWithId(page, 'password')).toContain('aria-describedby="password-error" aria-invalid="true"');
    expect(page).toContain('<details class="fold" id="create-user"><summary>');
  });

  it('marks only the field a sign-up error is about: a taken username', async () => {
    const page = await (await post('/signup', { firstname: 'Jane', username: 'jane', return: '/' })).text();
    expect(page).toContain('<details class="fold" id="create-user" open>');
    expect(page).toContain('<p class="error" id="signup-error" role="alert" tabindex="-1" autofocus>That username is taken.</p>');
    expect(tagWithId(page, 'username')).toContain('aria-describedby="signup-error username-hint" aria-invalid="true"');
    expect(tagWithId(page, 'firstname')).not.toContain('aria-invalid');
    expect(page).toContain('<details class="fold" id="password-sign-in"><summary>');
  });

  it('marks the first name when it is missing', async () => {
    const page = await (await post('/signup', { firstname: ' ', return: '/' })).text();
    expect(tagWithId(page, 'firstname')).toContain('aria-describedby="signup-error" aria-invalid="true"');
    expect(tagWithId(page, 'username')).not.toContain('aria-invalid');
  });
});

describe('the consent page', () => {
  it("shows the app's initial on a neutral tile, the signed-in user's picture and a way to switch account", async () => {
    const here = `/api/oauth?app_id=${app.appId}`;
    const page = await (await fetch(`${emu.url}${here}`, { headers: { cookie: await signedIn(jane) } })).text();
    expect(page).toContain('<div class="app-tile" role="img" aria-label="Acme Notes icon">A</div>');
    expect(page).toContain('<div class="viewer"><img class="avatar" src="/content/uploads/photos/jane.jpg" alt="">');
    expect(page).toContain(`<form method="post" action="/signout"><input type="hidden" name="return" value="${here}"><span class="muted">Not you?</span> <button type="submit" class="link">Switch account</button></form>`);
  });

  it('switches account: signs out and comes back to the same consent URL, which then asks who is signing in', async () => {
    const here = `/api/oauth?app_id=${app.appId}`;
    const cookie = await signedIn(jane);
    const out = await post('/signout', { return: here }, cookie);
    expect(out.status).toBe(302);
    expect(out.headers.get('location')).toBe(here);
    expect(out.headers.get('set-cookie')).toContain('Max-Age=0');
    const again = await (await fetch(`${emu.url}${here}`, { headers: { cookie } })).text();
    expect(again).toContain('<h1>Sign in to Kvixi</h1>');
    expect(again).toContain(`<input type="hidden" name="return" value="${here}">`);
  });

  it('signs out to the home page without a return path, and never to another site', async () => {
    for (const [back, expected] of [[undefined, '/'], ['//evil.test/x', '/'], ['https://evil.test/', '/'], ['/\t/evil.test', '/'], ['/€/x', '/%E2%82%AC/x']] as const) {
      const res = await post('/signout', back === undefined ? {} : { return: back }, await signedIn(jane));
      expect(res.status, String(back)).toBe(302);
      expect(res.headers.get('location'), String(back)).toBe(expected);
    }
  });
});

describe('the default avatar', () => {
  it('is an SVG under both of Sngine\'s default picture names, the same neutral picture for every gender', async () => {
    const bodies: string[] = [];
    for (const name of ['blank_profile_male.png', 'blank_profile_female.png']) {
      const res = await fetch(`${emu.url}/content/themes/default/images/${name}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/svg+xml');
      bodies.push(await res.text());
    }
    expect(bodies[0]).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="200" height="200" viewBox="0 0 200 200">/);
    expect(bodies[1]).toBe(bodies[0]);
    const page = await (await fetch(`${emu.url}/${omar.username}`)).text();
    expect(page).toContain('src="/content/themes/default/images/blank_profile_male.png"');
  });
});

describe('the apps dashboard', () => {
  it('gives each app its own block with copy buttons for app_id, app_secret and the environment line', async () => {
    const page = await (await fetch(`${emu.url}/developers/apps`)).text();
    const id = `app-${app.appId}`;
    expect(page).toContain(`<section class="card" aria-labelledby="${id}-name"><h2 id="${id}-name">Acme Notes</h2>`);
    expect(page).toContain(`<code class="value" id="${id}-id">${app.appId}</code>`);
    expect(page).toContain(`<code class="value" id="${id}-secret">${app.appSecret}</code>`);
    expect(page).toContain(`id="${id}-env" tabindex="0" aria-label="Environment line">KVIXI_BASE_URL=<wbr>${emu.url} KVIXI_APP_ID=<wbr>${app.appId} KVIXI_APP_SECRET=<wbr>${app.appSecret}</pre>`);
    for (const [target, label] of [['id', 'app_id'], ['secret', 'app_secret'], ['env', 'environment line']]) {
      expect(page).toContain(`<button type="button" class="copy" data-copy="${id}-${target}" data-label="${label}">Copy<span class="visually-hidden"> ${label}</span></button>`);
    }
  });

  it('marks the required fields', async () => {
    const page = await (await fetch(`${emu.url}/developers/apps`)).text();
    expect(page).toContain('<label for="app-name">App name <span class="required">(required)</span></label><input id="app-name" name="app_name" required');
    expect(page).toContain('<label for="app-redirect-url">Redirect URL <span class="required">(required)</span></label>');
    expect(page).not.toContain('placeholder=');
  });

  it('ties an error to the field it is about', async () => {
    const csrf = /name="csrf" value="([0-9a-f]+)"/.exec(await (await fetch(`${emu.url}/developers/apps`)).text())![1]!;
    const badURL = await (await post('/developers/apps', { csrf, app_name: 'X', app_redirect_url: 'javascript:alert(1)' })).text();
    expect(badURL).toContain('<p class="error" id="app-error" role="alert" tabindex="-1" autofocus>The redirect URL must be an http or https URL.</p>');
    expect(tagWithId(badURL, 'app-redirect-url')).toContain('aria-describedby="app-error app-redirect-url-hint" aria-invalid="true"');
    expect(tagWithId(badURL, 'app-name')).not.toContain('aria-invalid');
    const noName = await (await post('/developers/apps', { csrf, app_name: ' ', app_redirect_url: 'http://localhost/cb' })).text();
    expect(tagWithId(noName, 'app-name')).toContain('aria-describedby="app-error" aria-invalid="true"');
    expect(tagWithId(noName, 'app-redirect-url')).not.toContain('aria-invalid');
  });
});

describe.skipIf(skipBrowserTests)('the pages in a browser', () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(() => browser?.close());
  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 320, height: 640 } });
    page = await context.newPage();
  });
  afterEach(() => context.close());

  const focusedId = (): Promise<string> => page.evaluate(() => (globalThis as unknown as { document: { activeElement: { id: string } } }).document.activeElement.id);

  it('moves focus to a wrong-password error at the top of the opened password form', async () => {
    await page.goto(`${emu.url}/api/oauth?app_id=${app.appId}`);
    expect(await page.locator('#password').isVisible()).toBe(false);
    await page.getByText('Sign in with a password').click();
    await page.getByLabel('Username or email').fill('jane');
    await page.locator('#password').fill('wrong');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect.poll(focusedId).toBe('password-error');
    expect(await page.getByRole('alert').textContent()).toBe('The username or password you entered is incorrect.');
    expect(await page.getByLabel('Username or email').getAttribute('aria-invalid')).toBe('true');
    // Focus scrolled the error into view even at 320 px.
    expect(await page.locator('#password-error').isVisible()).toBe(true);
    const box = (await page.locator('#password-error').boundingBox())!;
    expect(box.y + box.height).toBeLessThanOrEqual(640);
  });

  it('switches account from the consent page and comes back to it as the other user', async () => {
    const consentURL = `${emu.url}/api/oauth?app_id=${app.appId}`;
    await page.goto(consentURL);
    await page.getByRole('button', { name: "Sign in as Jane O'Brien" }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Continue as Jane' }).count()).toBe(1);
    await page.getByRole('button', { name: 'Switch account' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Sign in to Kvixi');
    expect(page.url()).toBe(consentURL);
    await page.getByRole('button', { name: 'Sign in as Omar Haddad' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Continue as Omar' }).count()).toBe(1);
    expect(page.url()).toBe(consentURL);
  });

  it('copies app_id, app_secret and the environment line with their buttons', async () => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: emu.url });
    await page.goto(`${emu.url}/developers/apps`);
    const clipboard = (): Promise<string> => page.evaluate(() => (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText());
    const expected = {
      app_id: app.appId,
      app_secret: app.appSecret,
      'environment line': `KVIXI_BASE_URL=${emu.url} KVIXI_APP_ID=${app.appId} KVIXI_APP_SECRET=${app.appSecret}`,
    };
    for (const [label, value] of Object.entries(expected)) {
      await page.getByRole('button', { name: `Copy ${label}` }).click();
      await expect.poll(() => page.getByRole('status').textContent()).toBe(`Copied ${label}.`);
      expect(await page.getByRole('button', { name: `Copied ${label}` }).count()).toBe(1);
      expect(await clipboard()).toBe(value);
    }
  });

  it('never breaks app_id or app_secret at 320 px, and wraps the environment line only between variables or before a whole value', async () => {
    await page.goto(`${emu.url}/developers/apps`);
    for (const which of ['id', 'secret']) {
      // Whole on one line, and fully visible without scrolling.
      const fits = await page.locator(`#app-${app.appId}-${which}`).evaluate((el) => {
        const { scrollWidth, clientWidth } = el as unknown as { scrollWidth: number; clientWidth: number };
        const { height } = el.getBoundingClientRect();
        return { scrollWidth, clientWidth, height };
      });
      expect(fits.scrollWidth, which).toBeLessThanOrEqual(fits.clientWidth);
      expect(fits.height, which).toBeLessThan(2 * 18);
    }
    // The text of each line the environment line is drawn on.
    const env = page.locator(`#app-${app.appId}-env`);
    const lines = await env.evaluate((el) => {
      const range = (globalThis as unknown as { document: { createRange(): { setStart(n: unknown, i: number): void; setEnd(n: unknown, i: number): void; getBoundingClientRect(): { top: number } } } }).document.createRange();
      const out: string[] = [];
      let top = -Infinity;
      const nodes = Array.from((el as unknown as { childNodes: ArrayLike<{ nodeType: number; textContent: string | null }> }).childNodes);
      for (const node of nodes.filter((n) => n.nodeType === 3)) {
        const data = node.textContent!;
        for (let i = 0; i < data.length; i++) {
          range.setStart(node, i);
          range.setEnd(node, i + 1);
          const y = range.getBoundingClientRect().top;
          if (y > top + 2) out.push('');
          top = Math.max(top, y);
          out[out.length - 1] += data[i];
        }
      }
      return out.map((line) => line.trim());
    });
    const variables = [`KVIXI_BASE_URL=${emu.url}`, `KVIXI_APP_ID=${app.appId}`, `KVIXI_APP_SECRET=${app.appSecret}`];
    expect(lines.join(' ').replaceAll('= ', '=')).toBe(variables.join(' '));
    for (const line of lines) {
      // A line is whole variables, or a name with its `=`, or a whole value: never part of one.
      const whole = line.split(' ').every((word) => variables.includes(word) || variables.some((v) => v.startsWith(word) && word.endsWith('=')) || variables.some((v) => v.endsWith(`=${word}`)));
      expect(whole, `environment line drawn as ${JSON.stringify(lines)}`).toBe(true);
    }
    expect(lines).toContain(app.appSecret);
    // Nothing of it is hidden behind a scroll at 320 px.
    expect(await env.evaluate((el) => (el as unknown as { scrollWidth: number }).scrollWidth <= (el as unknown as { clientWidth: number }).clientWidth)).toBe(true);
  });

  it('puts the header in the page column, with a drawn mark and a sign-out control apart from the name', async () => {
    await context.close();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    await page.goto(`${emu.url}/api/oauth?app_id=${app.appId}`);
    await page.getByRole('button', { name: "Sign in as Jane O'Brien" }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Sign out' }).count()).toBe(1);
    expect(await page.locator('header a.brand svg').count()).toBe(1);
    const column = (await page.locator('.topbar .column').boundingBox())!;
    const main = (await page.locator('main').boundingBox())!;
    expect(Math.round(column.x)).toBe(Math.round(main.x));
    expect(Math.round(column.width)).toBe(Math.round(main.width));
    const style = await page.getByRole('button', { name: 'Sign out' }).evaluate((el) => {
      const s = (globalThis as unknown as { getComputedStyle(e: unknown): Record<string, string> }).getComputedStyle(el);
      return { border: s.borderTopStyle, radius: s.borderTopLeftRadius };
    });
    expect(style.border).toBe('solid');
    expect(style.radius).not.toBe('0px');
    // The app's tile on the consent page is neutral: not the site's blue, so it never passes for the site's own mark.
    const background = (selector: string): Promise<string> => page.locator(selector).evaluate((el) =>
      (globalThis as unknown as { getComputedStyle(e: unknown): Record<string, string> }).getComputedStyle(el).backgroundColor!);
    expect(await background('.app-tile')).not.toBe(await background('.topbar'));
    expect(await background('.app-tile')).toBe('rgb(228, 230, 235)');
  });
});
