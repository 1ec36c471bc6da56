import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorApp, type EmulatorUser, type KvixiEmulator } from '../../lib/emulator/index.js';

let emu: KvixiEmulator;
let app: EmulatorApp;
let jane: EmulatorUser;

interface Page { status: number; location: string | null; cookie: string | undefined; text: string }

async function visit(path: string, init: { cookie?: string | undefined; form?: Record<string, string> } = {}): Promise<Page> {
  const res = await fetch(`${emu.url}${path}`, {
    method: init.form ? 'POST' : 'GET',
    redirect: 'manual',
    headers: init.cookie ? { cookie: init.cookie } : {},
    body: init.form ? new URLSearchParams(init.form) : undefined,
  });
  return { status: res.status, location: res.headers.get('location'), cookie: res.headers.get('set-cookie')?.split(';')[0], text: await res.text() };
}

/** The text of the first element matching `pattern`'s capture, tags removed. */
function textOf(html: string, pattern: RegExp): string {
  return (pattern.exec(html)?.[1] ?? '').replace(/<[^>]*>/g, '').replace(/&#39;/g, "'").replace(/\s+/g, ' ').trim();
}

const headerOf = (html: string): string => textOf(html, /<header>([\s\S]*?)<\/header>/);

beforeEach(async () => {
  emu = await startEmulator({
    users: [{ username: 'jane', firstname: 'Jane', lastname: "O'Brien", password: 'secret1', verified: true, biography: 'Café owner', website: 'https://jane.example' }],
  });
  app = emu.registerApp({ name: 'Kvixi example app', redirectURL: 'http://localhost:3000/auth/kvixi/callback' });
  jane = emu.users[0]!;
});
afterEach(() => emu.close());

describe('the sign-in page', () => {
  it('says which app is asking and where it will send you', async () => {
    const page = await visit(`/api/oauth?app_id=${app.appId}`);
    expect(textOf(page.text, /<main>([\s\S]*?)<h2>/)).toBe('Sign in to Kvixi to continue to Kvixi example app (localhost:3000)');
  });

  it('shows a wrong password by the password form and keeps the typed username', async () => {
    const page = await visit('/signin', { form: { username: 'jane', password: 'wrong', return: `/api/oauth?app_id=${app.appId}` } });
    expect(page.status).toBe(200);
    const passwordCard = /<details class="fold" id="password-sign-in" open><summary>Sign in with a password<\/summary>([\s\S]*?)<\/form>/.exec(page.text)?.[1] ?? '';
    expect(passwordCard).toContain('<p class="error" id="password-error" role="alert" tabindex="-1" autofocus>The username or password you entered is incorrect.</p>');
    expect(passwordCard).toContain('value="jane" aria-describedby="password-error" aria-invalid="true"');
    expect(passwordCard).not.toContain('wrong');
    // Still the sign-in page for the same app.
    expect(page.text).toContain('to continue to <strong>Kvixi example app</strong>');
  });

  it('keeps what was typed into the sign-up form when it is refused, and only there', async () => {
    const page = await visit('/signup', { form: { firstname: 'Zoë', username: 'x', return: '/' } });
    const signUp = /<summary>Create a test user<\/summary>([\s\S]*?)<\/form>/.exec(page.text)?.[1] ?? '';
    expect(signUp).toContain('A username has 3 to 64 letters, digits, dots or underscores.');
    expect(signUp).toContain('value="Zoë"');
    expect(page.text).toContain('<input id="login" name="username" autocomplete="username" value="">');
  });
});

describe('the header', () => {
  it('keeps the signed-in name on error and 404 pages', async () => {
    const cookie = (await visit('/signin', { form: { user_id: jane.userId, return: '/' } })).cookie;
    for (const path of ['/api/oauth?app_id=999999', '/no/such/page', '/developers/apps']) {
      const page = await visit(path, { cookie });
      expect(headerOf(page.text), path).toContain("Jane O'Brien Sign out");
    }
    expect(headerOf((await visit('/no/such/page')).text)).not.toContain('Sign out');
  });
});

describe('the profile page a profile URL leads to', () => {
  it('shows the user at /{username}, as "View on Kvixi" links it', async () => {
    const page = await visit('/jane');
    expect(page.status).toBe(200);
    expect(textOf(page.text, /<h1>([\s\S]*?)<\/h1>/)).toBe("Jane O'Brien");
    expect(page.text).toContain('@jane');
    expect(page.text).toContain('Verified');
    expect(page.text).toContain('Café owner');
    expect(page.text).toContain('<img class="avatar avatar-lg" src="/content/themes/default/images/blank_profile_male.png" alt="Profile picture of Jane O&#39;Brien">');
    expect((await visit('/JANE/')).status).toBe(200);
  });

  it('answers 404 for a username nobody has, and for paths that are not usernames', async () => {
    for (const path of ['/nobody', '/jane/photos', '/ja', '/jane@example.com']) {
      const page = await visit(path);
      expect(page.status, path).toBe(404);
      expect(page.text).toContain('404 Not Found');
    }
  });

  it('links a website only when it is an http(s) URL', async () => {
    const evil = emu.addUser({ username: 'evil', firstname: 'Evil', website: 'javascript:alert(1)' });
    const page = await visit(`/${evil.username}`);
    expect(page.text).not.toContain('javascript:');
  });
});
