import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorOptions, type KvixiEmulator } from '../../lib/emulator/index.js';

// The apps dashboard shows every app_secret: it follows the control API's rules, while the sign-in
// and consent pages and the API stay open as on a real site.

let emu: KvixiEmulator | undefined;
const token = 'a'.repeat(24) + 'b'.repeat(24);

async function start(options: EmulatorOptions = {}): Promise<KvixiEmulator> {
  await emu?.close();
  emu = await startEmulator({ users: [{ username: 'jane', firstname: 'Jane' }], apps: [{ name: 'Acme', redirectURL: 'http://localhost:3000/cb' }], ...options });
  return emu;
}
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

interface Raw { status: number; body: string; headers: Record<string, string | string[] | undefined> }

/** A request with headers fetch will not send as given (Host). */
function raw(method: string, path: string, headers: Record<string, string>, body?: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${emu!.url}${path}`, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => { text += chunk; });
      res.on('end', () => resolve({ status: res.statusCode!, body: text, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const basic = (password: string): string => `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`;
const csrfOf = (page: string): string => /name="csrf" value="([0-9a-f]+)"/.exec(page)![1]!;
const form = (csrf: string): string => new URLSearchParams({ csrf, app_name: 'Planted', app_redirect_url: 'http://evil.example/cb' }).toString();
const formType = { 'content-type': 'application/x-www-form-urlencoded' };

describe('the apps dashboard refuses a Host a web page could own (DNS rebinding)', () => {
  it('answers 403 to GET /developers/apps without showing a secret', async () => {
    const { apps: [app] } = await start();
    const rebound = await raw('GET', '/developers/apps', { host: `evil.example:${emu!.port}` });
    expect(rebound.status).toBe(403);
    expect(rebound.body).toContain('answers only a Host of localhost or an IP address');
    expect(rebound.body).not.toContain(app!.appSecret);
    expect(rebound.body).not.toContain('name="csrf"');
    expect((await raw('GET', '/developers/apps', { host: `localhost:${emu!.port}` })).status).toBe(200);
  });

  it('answers 403 to its form POST, creating nothing, even with the right CSRF token', async () => {
    await start();
    const csrf = csrfOf((await raw('GET', '/developers/apps', { host: `localhost:${emu!.port}` })).body);
    const planted = await raw('POST', '/developers/apps', { host: `evil.example:${emu!.port}`, ...formType }, form(csrf));
    expect(planted.status).toBe(403);
    expect(emu!.apps.map((a) => a.name)).toEqual(['Acme']);
  });

  it('leaves the sign-in page, the consent flow and the API open to any Host, as on a real site', async () => {
    const { apps: [app] } = await start();
    const host = { host: `kvixi.test:${emu!.port}` };
    expect((await raw('GET', `/api/oauth?app_id=${app!.appId}`, host)).status).toBe(200);
    expect((await raw('POST', '/signin', { ...host, ...formType }, 'user_id=1')).status).toBe(302);
    expect((await raw('GET', '/api/authorize', host)).body).toContain('invalid app_id');
    expect((await raw('GET', '/', host)).status).toBe(200);
  });
});

describe('the apps dashboard with an admin token', () => {
  it('asks a browser for the token with HTTP Basic, and shows the apps for it as the password', async () => {
    const { apps: [app] } = await start({ host: '0.0.0.0', adminToken: token });
    const missing = await fetch(`${emu!.url}/developers/apps`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Basic realm="Kvixi emulator admin", charset="UTF-8"');
    const text = await missing.text();
    expect(text).not.toContain(app!.appSecret);
    expect(text).toContain('needs this emulator&#39;s admin token');
    expect((await fetch(`${emu!.url}/developers/apps`, { headers: { authorization: basic('wrong') } })).status).toBe(401);
    expect((await fetch(`${emu!.url}/developers/apps`, { headers: { authorization: basic(token.slice(1)) } })).status).toBe(401);
    const shown = await fetch(`${emu!.url}/developers/apps`, { headers: { authorization: basic(token) } });
    expect(shown.status).toBe(200);
    expect(await shown.text()).toContain(app!.appSecret);
    expect((await fetch(`${emu!.url}/developers/apps`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  });

  it('creates an app only with the token, whatever the Host', async () => {
    await start({ host: '0.0.0.0', adminToken: token });
    const page = await (await fetch(`${emu!.url}/developers/apps`, { headers: { authorization: basic(token) } })).text();
    const without = await raw('POST', '/developers/apps', { host: `localhost:${emu!.port}`, ...formType }, form(csrfOf(page)));
    expect(without.status).toBe(401);
    expect(emu!.apps.map((a) => a.name)).toEqual(['Acme']);
    const withToken = await raw('POST', '/developers/apps', { host: `kvixi:${emu!.port}`, authorization: basic(token), ...formType }, form(csrfOf(page)));
    expect(withToken.status).toBe(302);
    expect(emu!.apps.map((a) => a.name)).toEqual(['Acme', 'Planted']);
  });

  it('is off on a host beyond loopback without a token, like the control API', async () => {
    const { apps: [app] } = await start({ host: '0.0.0.0' });
    const off = await fetch(`${emu!.url}/developers/apps`);
    expect(off.status).toBe(404);
    const text = await off.text();
    expect(text).toContain('The apps dashboard is off');
    expect(text).toContain('--admin-token');
    expect(text).not.toContain(app!.appSecret);
  });

  it('refuses a page on another origin even with the token', async () => {
    await start({ adminToken: token });
    const res = await fetch(`${emu!.url}/developers/apps`, { headers: { authorization: basic(token), 'sec-fetch-site': 'cross-site' } });
    expect(res.status).toBe(403);
  });
});

describe('admin tokens', () => {
  it('must have at least 32 characters, and the refusal never shows the token', async () => {
    const short = 'x'.repeat(31);
    const attempt = startEmulator({ adminToken: short });
    await expect(attempt).rejects.toThrow('startEmulator() requires adminToken to be at least 32 characters long');
    await expect(attempt).rejects.not.toThrow(short);
    await expect(startEmulator({ adminToken: `${'x'.repeat(31)} ` })).rejects.toThrow(/visible ASCII/);
    const ok = await startEmulator({ adminToken: 'x'.repeat(32) });
    await ok.close();
  });

  it('are refused when only a prefix or an extension of the token is sent', async () => {
    await start({ adminToken: token });
    for (const sent of [token.slice(0, 32), `${token}x`, '', token.toUpperCase()]) {
      const res = await fetch(`${emu!.url}/__emulator/users`, { headers: { authorization: `Bearer ${sent}` } });
      expect(res.status, `Bearer ${sent}`).toBe(401);
    }
    expect((await fetch(`${emu!.url}/__emulator/users`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  });
});
