import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorApp, type EmulatorUser, type KvixiEmulator } from '../../lib/emulator/index.js';

let emu: KvixiEmulator;
let app: EmulatorApp;
let jane: EmulatorUser;

interface Page { status: number; location: string | null; type: string | null; cookie: string | undefined; text: string }

/** A browser reduced to what these pages need: manual redirects and one hand-carried cookie. */
async function visit(path: string, init: { cookie?: string | undefined; form?: Record<string, string> } = {}): Promise<Page> {
  const res = await fetch(`${emu.url}${path}`, {
    method: init.form ? 'POST' : 'GET',
    redirect: 'manual',
    headers: init.cookie ? { cookie: init.cookie } : {},
    body: init.form ? new URLSearchParams(init.form) : undefined,
  });
  const setCookie = res.headers.get('set-cookie');
  return {
    status: res.status,
    location: res.headers.get('location'),
    type: res.headers.get('content-type'),
    cookie: setCookie?.split(';')[0],
    text: await res.text(),
  };
}

async function signInAs(user: EmulatorUser, returnTo = `/api/oauth?app_id=${app.appId}`): Promise<string> {
  const page = await visit('/signin', { form: { user_id: user.userId, return: returnTo } });
  expect(page.status).toBe(302);
  return page.cookie!;
}

beforeEach(async () => {
  emu = await startEmulator({ users: [{ username: 'jane', firstname: 'Jane', lastname: "O'Brien", password: 'secret1', picture: 'photos/jane.jpg' }] });
  app = emu.registerApp({ name: 'Acme Notes', domain: 'notes.acme.test', redirectURL: 'http://localhost:3000/auth/kvixi/callback' });
  jane = emu.users[0]!;
});
afterEach(() => emu.close());

describe('/api/oauth with a bad app_id', () => {
  it('answers an HTML 404 when app_id is missing or empty', async () => {
    for (const path of ['/api/oauth', '/api/oauth?app_id=', '/api/oauth?app_id=%20']) {
      const page = await visit(path);
      expect(page.status).toBe(404);
      expect(page.type).toMatch(/^text\/html/);
    }
  });

  it('answers HTTP 200 "doesn\'t exist or has been disabled" for an unknown app', async () => {
    const page = await visit('/api/oauth?app_id=abc');
    expect(page.status).toBe(200);
    expect(page.text).toContain('We&#39;re sorry, but the application you&#39;re trying to use doesn&#39;t exist or has been disabled');
  });

  it('applies PHP intval(): "123xyz" opens app 123', async () => {
    emu.registerApp({ name: 'App One Two Three', redirectURL: 'http://localhost/cb', appId: '123' });
    const page = await visit('/api/oauth?app_id=123xyz', { cookie: await signInAs(jane) });
    expect(page.text).toContain('App One Two Three');
  });

  it('answers 404 while the developers module is disabled', async () => {
    const disabled = await startEmulator({ developersEnabled: false, apps: [{ name: 'A', redirectURL: 'http://x/cb', appId: '5' }] });
    try {
      expect((await fetch(`${disabled.url}/api/oauth?app_id=5`)).status).toBe(404);
    } finally {
      await disabled.close();
    }
  });
});

describe('the sign-in page', () => {
  it('shows at the oauth URL to a visitor who is not signed in, listing every user with a button', async () => {
    emu.addUser({ firstname: 'Omar', lastname: 'Haddad' });
    const page = await visit(`/api/oauth?app_id=${app.appId}`);
    expect(page.status).toBe(200);
    const buttons = [...page.text.matchAll(/<button type="submit"[^>]*>([\s\S]*?)<\/button>/g)].map((m) => m[1]!.replace(/<[^>]*>/g, '').replace(/\s+/g, ' ').trim());
    expect(buttons).toContain('Sign in as Jane O&#39;Brien @jane · jane@example.com');
    expect(buttons.some((b) => b.startsWith('Sign in as Omar Haddad @omar'))).toBe(true);
    expect(page.text).toMatch(/<label for="login">Username or email<\/label><input id="login"/);
    expect(page.text).toMatch(/<label for="password">Password<\/label><input id="password"/);
    expect(page.text).toContain('<summary>Create a test user</summary>');
  });

  it('signs in with username and password, then returns to the oauth URL', async () => {
    const page = await visit('/signin', { form: { username: 'JANE', password: 'secret1', return: `/api/oauth?app_id=${app.appId}` } });
    expect(page.status).toBe(302);
    expect(page.location).toBe(`/api/oauth?app_id=${app.appId}`);
    expect(page.cookie).toMatch(/^kvixi_emulator_session=[0-9a-f]{32}$/);
  });

  it('refuses a wrong password and says so', async () => {
    const page = await visit('/signin', { form: { username: 'jane', password: 'wrong', return: '/' } });
    expect(page.status).toBe(200);
    expect(page.cookie).toBeUndefined();
    expect(page.text).toContain('The username or password you entered is incorrect.');
  });

  it('creates a test user, signs in as them and shows them on the consent page', async () => {
    const created = await visit('/signup', { form: { firstname: 'Zoë', lastname: 'Test', username: 'zoe', return: `/api/oauth?app_id=${app.appId}` } });
    expect(created.status).toBe(302);
    const consent = await visit(created.location!, { cookie: created.cookie });
    expect(consent.text).toContain('Continue as Zoë');
    expect(emu.users.map((u) => u.username)).toContain('zoe');
  });

  it('never sends a browser to another site after sign-in', async () => {
    const page = await visit('/signin', { form: { user_id: jane.userId, return: '//evil.test/x' } });
    expect(page.location).toBe('/');
  });
});

describe('the login flow', () => {
  it('goes sign in → consent → redirect with an auth key that exchanges for a token', async () => {
    const cookie = await signInAs(jane);
    const consent = await visit(`/api/oauth?app_id=${app.appId}`, { cookie });
    expect(consent.status).toBe(200);
    expect(consent.text).toContain('<h1>Log in With Kvixi</h1>');
    expect(consent.text).toContain('Acme Notes');
    expect(consent.text).toContain('notes.acme.test');
    expect(consent.text).toContain('Will receive your: Name, Email Address, Profile Picture');
    expect(consent.text).toContain('<button type="submit">Continue as Jane</button>');
    expect(consent.text).toContain('<a href="/">Cancel</a>');

    const approved = await visit(`/api/oauth?app_id=${app.appId}`, { cookie, form: { approve: '1' } });
    expect(approved.status).toBe(302);
    const target = new URL(approved.location!);
    expect(`${target.origin}${target.pathname}`).toBe('http://localhost:3000/auth/kvixi/callback');
    const authKey = target.searchParams.get('auth_key')!;
    expect(authKey).toMatch(/^[0-9a-f]{32}$/);

    const token = await fetch(`${emu.url}/api/authorize`, {
      method: 'POST', body: new URLSearchParams({ app_id: app.appId, app_secret: app.appSecret, auth_key: authKey }),
    });
    expect(await token.json()).toEqual({ access_token: expect.stringMatching(/^[0-9a-f]{32}$/) });
  });

  it('redirects at once, with a fresh auth key, when the user approved the app before', async () => {
    const cookie = await signInAs(jane);
    const first = await visit(`/api/oauth?app_id=${app.appId}`, { cookie, form: { approve: '1' } });
    const second = await visit(`/api/oauth?app_id=${app.appId}`, { cookie });
    expect(second.status).toBe(302);
    expect(second.location).toMatch(/^http:\/\/localhost:3000\/auth\/kvixi\/callback\?auth_key=[0-9a-f]{32}$/);
    expect(second.location).not.toBe(first.location);
  });

  it('always appends ?auth_key=, even when the redirect URL already has a query', async () => {
    const queried = emu.registerApp({ name: 'Q', redirectURL: 'http://localhost:3000/cb?provider=kvixi' });
    const cookie = await signInAs(jane);
    const page = await visit(`/api/oauth?app_id=${queried.appId}`, { cookie, form: { approve: '1' } });
    expect(page.location).toMatch(/^http:\/\/localhost:3000\/cb\?provider=kvixi\?auth_key=[0-9a-f]{32}$/);
  });

  it('ignores state and redirect_uri: the registered redirect URL is the only target', async () => {
    const cookie = await signInAs(jane);
    const page = await visit(`/api/oauth?app_id=${app.appId}&state=abc&redirect_uri=http://evil.test/`, { cookie, form: { approve: '1' } });
    expect(page.location).toMatch(/^http:\/\/localhost:3000\/auth\/kvixi\/callback\?auth_key=[0-9a-f]{32}$/);
  });

  it('leads Cancel to the home page, where the user is still signed in', async () => {
    const cookie = await signInAs(jane);
    const home = await visit('/', { cookie });
    expect(home.status).toBe(200);
    expect(home.text).toContain('signed in as <strong>Jane O&#39;Brien</strong>');
  });

  it('signs out, after which the oauth URL shows the sign-in page again', async () => {
    const cookie = await signInAs(jane);
    const out = await visit('/signout', { cookie, form: {} });
    expect(out.status).toBe(302);
    const page = await visit(`/api/oauth?app_id=${app.appId}`, { cookie });
    expect(page.text).toContain('Sign in as Jane');
  });
});

describe('page safety', () => {
  it('shows a user named <script> as text', async () => {
    const villain = emu.addUser({ firstname: '<script>alert(1)</script>', lastname: '"><img src=x onerror=alert(2)>' });
    const signIn = await visit(`/api/oauth?app_id=${app.appId}`);
    expect(signIn.text).toContain('Sign in as &lt;script&gt;alert(1)&lt;/script&gt; &quot;&gt;&lt;img src=x onerror=alert(2)&gt;');
    expect(signIn.text).not.toContain('<script>');
    expect(signIn.text).not.toContain('<img src=x');
    const consent = await visit(`/api/oauth?app_id=${app.appId}`, { cookie: await signInAs(villain) });
    expect(consent.text).toContain('Continue as &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(consent.text).not.toContain('<script>');
  });

  it('escapes app names on the consent page', async () => {
    const evil = emu.registerApp({ name: '<b>Evil</b>', domain: '"onmouseover="x', redirectURL: 'http://localhost/cb' });
    const consent = await visit(`/api/oauth?app_id=${evil.appId}`, { cookie: await signInAs(jane) });
    expect(consent.text).toContain('&lt;b&gt;Evil&lt;/b&gt;');
    expect(consent.text).not.toContain('<b>Evil');
    expect(consent.text).toContain('&quot;onmouseover=&quot;x');
  });

  it('works offline: inline CSS, no external resource, and a visible emulator banner', async () => {
    for (const path of ['/', `/api/oauth?app_id=${app.appId}`, '/developers/apps', '/nowhere']) {
      const page = await visit(path);
      expect(page.text).toContain('Local emulator — not for production');
      expect(page.text).toContain('<style>');
      // The one script is inline (the dashboard's copy buttons); nothing is loaded from elsewhere.
      expect(page.text).not.toMatch(/<link\b|<script\b[^>]*\ssrc=/i);
      expect(page.text).not.toMatch(/(src|href)="(https?:)?\/\//i);
    }
    expect((await visit(`/api/oauth?app_id=${app.appId}`)).text).toContain('<img class="avatar" src="/content/uploads/photos/jane.jpg"');
  });

  it('serves a stand-in picture for uploaded photos', async () => {
    const res = await fetch(`${emu.url}/content/uploads/photos/2024/05/sngine_x.jpg`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/svg+xml');
    expect(await res.text()).toContain('<svg');
  });
});
