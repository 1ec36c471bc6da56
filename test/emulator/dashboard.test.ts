import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type KvixiEmulator } from '../../lib/emulator/index.js';

let emu: KvixiEmulator;

beforeEach(async () => {
  emu = await startEmulator();
});
afterEach(() => emu.close());

/** The dashboard form's CSRF token, read from the page as a browser would submit it. */
async function formToken(): Promise<string> {
  const page = await (await fetch(`${emu.url}/developers/apps`)).text();
  return /name="csrf" value="([0-9a-f]+)"/.exec(page)![1]!;
}

async function createApp(fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  const body = new URLSearchParams({ csrf: await formToken(), ...fields });
  return fetch(`${emu.url}/developers/apps`, { method: 'POST', redirect: 'manual', headers, body });
}

describe('the apps dashboard', () => {
  it('creates an app and shows its app_id, app_secret and redirect URL', async () => {
    const created = await createApp({ app_name: 'My Site', app_domain: 'mysite.test', app_redirect_url: 'http://localhost:3000/cb', app_description: 'x' });
    expect(created.status).toBe(302);
    expect(created.headers.get('location')).toBe('/developers/apps');

    const [app] = emu.apps;
    expect(app).toMatchObject({ name: 'My Site', domain: 'mysite.test', redirectURL: 'http://localhost:3000/cb' });
    const page = await (await fetch(`${emu.url}/developers/apps`)).text();
    expect(page).toContain(`<code class="value" id="app-${app!.appId}-id">${app!.appId}</code>`);
    expect(page).toContain(`<code class="value" id="app-${app!.appId}-secret">${app!.appSecret}</code>`);
    // <wbr> marks where the URL may wrap: after a slash, never inside a word.
    expect(page).toContain('<dt>Redirect URL</dt><dd><code class="url">http:/<wbr>/<wbr>localhost:3000/<wbr>cb</code></dd>');
    expect(page).toContain(`href="/api/oauth?app_id=${app!.appId}"`);
  });

  it('has a labelled form a browser test can fill in', async () => {
    const page = await (await fetch(`${emu.url}/developers/apps`)).text();
    for (const label of ['App name <span class="required">(required)</span>', 'Domain', 'Redirect URL <span class="required">(required)</span>', 'Description']) {
      expect(page).toContain(`">${label}</label>`);
    }
    expect(page).toContain('<button type="submit">Create app</button>');
  });

  it('refuses an app without a name or with a redirect URL that is not http(s), keeping what was typed', async () => {
    const noName = await createApp({ app_name: ' ', app_redirect_url: 'http://localhost/cb' });
    expect(noName.status).toBe(400);
    expect(await noName.text()).toContain('An app name is required.');
    const badURL = await createApp({ app_name: 'Typed <name>', app_redirect_url: 'javascript:alert(1)' });
    expect(badURL.status).toBe(400);
    const text = await badURL.text();
    expect(text).toContain('The redirect URL must be an http or https URL.');
    expect(text).toContain('value="Typed &lt;name&gt;"');
    expect(emu.apps).toHaveLength(0);
  });

  it('escapes app names and URLs in the list', async () => {
    await createApp({ app_name: '<script>x</script>', app_redirect_url: 'http://localhost/cb?a="b"' });
    const page = await (await fetch(`${emu.url}/developers/apps`)).text();
    expect(page).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(page).not.toContain('<script>x</script>');
    expect(page.replaceAll('<wbr>', '')).toContain('http://localhost/cb?a=&quot;b&quot;');
  });

  it('stores a redirect URL with a non-Latin-1 character percent-encoded, and redirects to it', async () => {
    const created = await createApp({ app_name: 'Euro', app_redirect_url: 'http://localhost:3000/€/cb' });
    expect(created.status).toBe(302);
    const [app] = emu.apps;
    expect(app!.redirectURL).toBe('http://localhost:3000/%E2%82%AC/cb');
    const user = emu.addUser();
    emu.enqueueLogin({ userId: user.userId });
    const approved = await fetch(`${emu.url}/api/oauth?app_id=${app!.appId}`, { redirect: 'manual' });
    expect(approved.status).toBe(302);
    expect(approved.headers.get('location')).toMatch(/^http:\/\/localhost:3000\/%E2%82%AC\/cb\?auth_key=[0-9a-f]{32}$/);
  });
});

describe('the dashboard form refuses what another site sends', () => {
  it('refuses a form without the token the page carries, creating nothing', async () => {
    const res = await fetch(`${emu.url}/developers/apps`, {
      method: 'POST', redirect: 'manual', body: new URLSearchParams({ app_name: 'Planted', app_redirect_url: 'http://evil.example/cb' }),
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('This form was not sent from this apps dashboard.');
    expect(emu.apps).toEqual([]);
  });

  it('refuses a form with a wrong token', async () => {
    const res = await fetch(`${emu.url}/developers/apps`, {
      method: 'POST', redirect: 'manual', body: new URLSearchParams({ csrf: '0'.repeat(32), app_name: 'Planted', app_redirect_url: 'http://evil.example/cb' }),
    });
    expect(res.status).toBe(403);
    expect(emu.apps).toEqual([]);
  });

  it('refuses a form posted from a page on another origin, even with the token', async () => {
    const foreign: Record<string, string>[] = [{ origin: 'http://evil.example' }, { 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' }, { origin: 'null' }];
    for (const headers of foreign) {
      const res = await createApp({ app_name: 'Planted', app_redirect_url: 'http://evil.example/cb' }, headers);
      expect(res.status).toBe(403);
    }
    expect(emu.apps).toEqual([]);
  });

  it('accepts the form from its own origin, as a browser marks it', async () => {
    const url = new URL(emu.url);
    const res = await createApp({ app_name: 'Mine', app_redirect_url: 'http://localhost/cb' }, { origin: url.origin, 'sec-fetch-site': 'same-origin' });
    expect(res.status).toBe(302);
    expect(emu.apps.map((app) => app.name)).toEqual(['Mine']);
  });
});

describe('the apps dashboard when the admin turned developers off', () => {
  it('is missing while the developers module is disabled', async () => {
    const disabled = await startEmulator({ developersEnabled: false });
    try {
      expect((await fetch(`${disabled.url}/developers/apps`)).status).toBe(404);
    } finally {
      await disabled.close();
    }
  });
});
