import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorApp, type EmulatorUser, type KvixiEmulator } from '../../lib/emulator/index.js';

let emu: KvixiEmulator;
let app: EmulatorApp;
let user: EmulatorUser;

beforeEach(async () => {
  emu = await startEmulator();
  app = emu.registerApp({ name: 'A', redirectURL: 'http://localhost/cb' });
  user = emu.addUser({ firstname: 'Jane' });
});
afterEach(() => emu.close());

function exchange(authKey = emu.issueAuthKey({ appId: app.appId, userId: user.userId })): Promise<Response> {
  return fetch(`${emu.url}/api/authorize`, {
    method: 'POST', body: new URLSearchParams({ app_id: app.appId, app_secret: app.appSecret, auth_key: authKey }),
  });
}

describe('failNext', () => {
  it('answers the next authorize with a provider error, then behaves again', async () => {
    emu.failNext('authorize', { type: 'error', message: 'Bad Request, invalid auth_key' });
    const authKey = emu.issueAuthKey({ appId: app.appId, userId: user.userId });
    const failed = await exchange(authKey);
    expect(failed.status).toBe(200);
    expect(await failed.json()).toEqual({ error: true, message: 'Bad Request, invalid auth_key' });
    expect(await (await exchange(authKey)).json()).toEqual({ access_token: expect.any(String) });
  });

  it('answers with a given HTTP status and body, such as a PHP warning page', async () => {
    emu.failNext('get_user_info', { type: 'http', status: 500, body: '<b>Warning</b>: mysqli_connect()' });
    const res = await fetch(`${emu.url}/api/get_user_info?access_token=x`);
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toBe('<b>Warning</b>: mysqli_connect()');
  });

  it('can send HTML in front of the JSON with status 200', async () => {
    emu.failNext('authorize', { type: 'http', status: 200, body: '<br />\nNotice: x<br />{"access_token":"abc"}', contentType: 'application/json' });
    const res = await exchange();
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.text()).toMatch(/^<br \/>/);
  });

  it('delays the next answer, which is then the normal one', async () => {
    emu.failNext('authorize', { type: 'delay', ms: 300 });
    const started = performance.now();
    const res = await exchange();
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(await res.json()).toEqual({ access_token: expect.any(String) });
  });

  it('leaves the next call hanging until a client timeout, while other calls are answered', async () => {
    emu.failNext('get_user_info', { type: 'hang' });
    const hung = fetch(`${emu.url}/api/get_user_info?access_token=x`, { signal: AbortSignal.timeout(300) });
    await expect(hung).rejects.toThrow(/timeout|aborted/i);
    const next = await fetch(`${emu.url}/api/get_user_info?access_token=x`);
    expect(await next.json()).toEqual({ error: true, message: 'Bad Request, invalid access_token' });
  });

  it('lets close() end a hung call at once', async () => {
    emu.failNext('authorize', { type: 'hang' });
    const hung = exchange().then(() => 'answered', () => 'connection closed');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = performance.now();
    await emu.close();
    expect(performance.now() - started).toBeLessThan(1000);
    expect(await hung).toBe('connection closed');
  });

  it('shows a provider error page on the oauth URL', async () => {
    emu.failNext('oauth', { type: 'error', message: 'The developers module has been disabled by the admin' });
    const res = await fetch(`${emu.url}/api/oauth?app_id=${app.appId}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('The developers module has been disabled by the admin');
  });

  it('queues several faults in order', async () => {
    emu.failNext('authorize', { type: 'http', status: 502, body: 'Bad Gateway' });
    emu.failNext('authorize', { type: 'http', status: 503, body: 'Unavailable' });
    expect((await exchange()).status).toBe(502);
    expect((await exchange()).status).toBe(503);
    expect((await exchange()).status).toBe(200);
  });

  it('refuses an unknown endpoint or a malformed fault', () => {
    expect(() => emu.failNext('token' as 'oauth', { type: 'hang' })).toThrow(TypeError);
    expect(() => emu.failNext('oauth', { type: 'http', status: 99 })).toThrow(/status/);
  });
});

describe('the request log', () => {
  it('records what arrived with app_secret, auth_key, access_token and passwords masked', async () => {
    const authKey = emu.issueAuthKey({ appId: app.appId, userId: user.userId });
    const { access_token } = (await (await exchange(authKey)).json()) as { access_token: string };
    await fetch(`${emu.url}/api/get_user_info?access_token=${access_token}&lang=en_us`);
    await fetch(`${emu.url}/signin`, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ username: 'jane', password: 'hunter2' }) });

    expect(emu.requests.map((r) => [r.method, r.path, r.query, r.body])).toEqual([
      ['POST', '/api/authorize', {}, { app_id: app.appId, app_secret: '***', auth_key: '***' }],
      ['GET', '/api/get_user_info', { access_token: '***', lang: 'en_us' }, undefined],
      ['POST', '/signin', {}, { username: 'jane', password: '***' }],
    ]);
    const logged = JSON.stringify(emu.requests);
    for (const secret of [app.appSecret, authKey, access_token, 'hunter2']) expect(logged).not.toContain(secret);
  });

  it('forgets on clearRequests()', async () => {
    await fetch(`${emu.url}/`);
    emu.clearRequests();
    expect(emu.requests).toEqual([]);
  });
});
