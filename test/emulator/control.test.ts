import { request as httpRequest } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorApp, type EmulatorOptions, type EmulatorUser, type KvixiEmulator } from '../../lib/emulator/index.js';

// The HTTP control API, called over real HTTP as a test runner in another process would.

let emu: KvixiEmulator;
let app: EmulatorApp;
let jane: EmulatorUser;

async function start(options: EmulatorOptions = {}): Promise<KvixiEmulator> {
  await emu?.close();
  emu = await startEmulator({
    users: [{ username: 'jane', firstname: 'Jane' }],
    apps: [{ name: 'Acme', redirectURL: 'http://localhost:3000/cb' }],
    ...options,
  });
  [app] = emu.apps as [EmulatorApp];
  [jane] = emu.users as [EmulatorUser];
  return emu;
}

beforeEach(() => start());
afterEach(() => emu.close());

interface Reply { status: number; json: unknown; headers: Headers }

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}, base = emu.url): Promise<Reply> {
  const res = await fetch(`${base}/__emulator${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined, headers: res.headers };
}

describe('the control API mirrors the in-process API', () => {
  it('lists, adds and deletes users', async () => {
    expect(await call('GET', '/users')).toMatchObject({ status: 200, json: [jane] });
    const added = await call('POST', '/users', { username: 'omar', firstname: 'Omar', gender: 'male' });
    expect(added.status).toBe(201);
    expect(added.json).toMatchObject({ userId: '2', username: 'omar', firstname: 'Omar' });
    expect(emu.users.map((u) => u.username)).toEqual(['jane', 'omar']);
    expect((await call('DELETE', '/users/2')).status).toBe(204);
    expect(emu.users.map((u) => u.username)).toEqual(['jane']);
    expect(await call('DELETE', '/users/2')).toMatchObject({ status: 404, json: { error: 'no user with userId 2' } });
  });

  it('lists and registers apps', async () => {
    expect((await call('GET', '/apps')).json).toEqual([app]);
    const made = await call('POST', '/apps', { name: 'Other', redirectURL: 'http://localhost:4000/cb', appId: '4242', appSecret: 'c'.repeat(32) });
    expect(made).toMatchObject({ status: 201, json: { appId: '4242', appSecret: 'c'.repeat(32), name: 'Other', domain: 'localhost:4000' } });
    expect(emu.apps.map((a) => a.appId)).toEqual([app.appId, '4242']);
  });

  it('issues an auth key that the token exchange accepts', async () => {
    const { status, json } = await call('POST', '/auth-keys', { appId: app.appId, userId: jane.userId });
    expect(status).toBe(201);
    const { authKey } = json as { authKey: string };
    const res = await fetch(`${emu.url}/api/authorize`, {
      method: 'POST', body: new URLSearchParams({ app_id: app.appId, app_secret: app.appSecret, auth_key: authKey }),
    });
    expect(await res.json()).toEqual({ access_token: expect.stringMatching(/^[0-9a-f]{32}$/) });
  });

  it('queues a login for the next visit to the login page', async () => {
    expect((await call('POST', '/logins', { userId: jane.userId })).status).toBe(204);
    expect((await call('POST', '/logins', { userId: jane.userId, decision: 'cancel' })).status).toBe(204);
    const approved = await fetch(`${emu.url}/api/oauth?app_id=${app.appId}`, { redirect: 'manual' });
    expect(approved.headers.get('location')).toMatch(/^http:\/\/localhost:3000\/cb\?auth_key=[0-9a-f]{32}$/);
    const cancelled = await fetch(`${emu.url}/api/oauth?app_id=${app.appId}`, { redirect: 'manual' });
    expect(cancelled.headers.get('location')).toBe('/');
  });

  it('queues and clears faults', async () => {
    const fault = { endpoint: 'authorize', fault: { type: 'http', status: 502, body: 'Bad Gateway' } };
    expect((await call('POST', '/faults', fault)).status).toBe(204);
    expect((await fetch(`${emu.url}/api/authorize`)).status).toBe(502);
    await call('POST', '/faults', fault);
    expect((await call('DELETE', '/faults')).status).toBe(204);
    expect((await fetch(`${emu.url}/api/authorize`)).status).toBe(200);
  });

  it('moves the clock and answers its time', async () => {
    const before = emu.now();
    const { status, json } = await call('POST', '/clock', { advance: 3600 });
    expect(status).toBe(200);
    const { now } = json as { now: number };
    expect(now - before).toBeGreaterThanOrEqual(3_600_000);
    expect(now - before).toBeLessThan(3_601_000);
    expect(((await call('GET', '/clock')).json as { now: number }).now).toBeGreaterThanOrEqual(now);
  });

  it('lists recorded requests with secrets masked, without its own calls, and clears them', async () => {
    await fetch(`${emu.url}/api/authorize?app_id=${app.appId}&app_secret=${app.appSecret}&auth_key=k`);
    const { json } = await call('GET', '/requests');
    expect(json).toEqual([expect.objectContaining({ method: 'GET', path: '/api/authorize', query: { app_id: app.appId, app_secret: '***', auth_key: '***' } })]);
    expect(JSON.stringify(json)).not.toContain(app.appSecret);
    expect((await call('DELETE', '/requests')).status).toBe(204);
    expect((await call('GET', '/requests')).json).toEqual([]);
  });

  it('revokes one approval with a body, every approval without', async () => {
    const omar = emu.addUser({ firstname: 'Omar' });
    emu.issueAuthKey({ appId: app.appId, userId: jane.userId });
    emu.issueAuthKey({ appId: app.appId, userId: omar.userId });
    expect((await call('DELETE', '/approvals', { appId: app.appId, userId: jane.userId })).status).toBe(204);
    expect(emu.revokeApproval({ appId: app.appId, userId: jane.userId })).toBe(false);
    expect((await call('DELETE', '/approvals')).status).toBe(204);
    expect(emu.revokeApproval({ appId: app.appId, userId: omar.userId })).toBe(false);
  });

  it('resets everything', async () => {
    await call('POST', '/users', { firstname: 'Temp' });
    await call('POST', '/faults', { endpoint: 'authorize', fault: { type: 'hang' } });
    await call('POST', '/clock', { advance: 60 });
    expect((await call('POST', '/reset')).status).toBe(204);
    expect((await call('GET', '/users')).json).toEqual([jane]);
    expect(await (await fetch(`${emu.url}/api/authorize`)).json()).toEqual({ error: true, message: 'Bad Request, invalid app_id' });
  });

  it('takes a trailing slash', async () => {
    expect((await call('GET', '/users/')).json).toEqual([jane]);
  });
});

describe('bad calls to the control API', () => {
  it('answer 400 with an error naming the field', async () => {
    const cases: [string, string, unknown, RegExp][] = [
      ['POST', '/users', { username: 5 }, /username to be a non-blank string, got a number/],
      ['POST', '/users', { firstName: 'Jane' }, /known field names, got firstName/],
      ['POST', '/apps', { name: 'No URL' }, /redirectURL, which is missing/],
      ['POST', '/apps', { name: 'Bad', redirectURL: 'javascript:alert(1)' }, /redirectURL to be an absolute http or https URL/],
      ['POST', '/auth-keys', { appId: app.appId }, /^userId is required$/],
      ['POST', '/auth-keys', { appId: '999', userId: jane.userId }, /no app with appId 999/],
      ['POST', '/logins', { userId: '999' }, /userId to be the userId of an existing user/],
      ['POST', '/logins', { userId: jane.userId, decision: 'later' }, /decision to be one of approve, cancel/],
      ['POST', '/faults', { endpoint: 'token', fault: { type: 'hang' } }, /endpoint must be one of oauth, authorize, get_user_info/],
      ['POST', '/faults', { endpoint: 'authorize', fault: { type: 'http', status: 99 } }, /status from 200 to 599/],
      ['POST', '/faults', { endpoint: 'authorize' }, /^fault is required$/],
      ['POST', '/clock', { advance: 'an hour' }, /^advance must be a number$/],
      ['POST', '/clock', {}, /^advance is required$/],
      ['DELETE', '/approvals', { appId: app.appId }, /^userId is required$/],
    ];
    for (const [method, path, body, message] of cases) {
      const reply = await call(method, path, body);
      expect(reply.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(400);
      expect((reply.json as { error: string }).error).toMatch(message);
    }
    expect(emu.users).toEqual([jane]);
  });

  it('never echo a secret that was refused', async () => {
    const secret = 'not a valid secret';
    const reply = await call('POST', '/apps', { name: 'A', redirectURL: 'http://localhost/cb', appSecret: secret });
    expect(reply.status).toBe(400);
    expect((reply.json as { error: string }).error).toMatch(/appSecret/);
    expect(JSON.stringify(reply.json)).not.toContain(secret);
  });

  it('answer 400 to a body that is not a JSON object, 415 to one that is not JSON', async () => {
    const post = (body: string, type: string) => fetch(`${emu.url}/__emulator/users`, { method: 'POST', headers: { 'content-type': type }, body });
    const broken = await post('{"username":', 'application/json');
    expect([broken.status, await broken.json()]).toEqual([400, { error: 'the body is not valid JSON' }]);
    const list = await post('[1]', 'application/json');
    expect([list.status, await list.json()]).toEqual([400, { error: 'the body must be a JSON object' }]);
    const form = await post('username=x', 'application/x-www-form-urlencoded');
    expect([form.status, await form.json()]).toEqual([415, { error: 'send the body as JSON, with Content-Type: application/json' }]);
  });

  it('answer an unknown route with a 404 JSON and a wrong method with a 405 naming the allowed ones', async () => {
    expect(await call('GET', '/nothing')).toMatchObject({ status: 404, json: { error: 'no control endpoint GET /__emulator/nothing' } });
    expect(await call('GET', '')).toMatchObject({ status: 404, json: { error: 'no control endpoint GET /__emulator' } });
    const wrong = await call('PUT', '/users');
    expect(wrong).toMatchObject({ status: 405, json: { error: 'PUT is not allowed on /__emulator/users' } });
    expect(wrong.headers.get('allow')).toBe('GET, POST');
  });

  it('answer 400 to a user id that is not valid percent-encoding', async () => {
    expect(await call('DELETE', '/users/%E0%A4%A')).toMatchObject({ status: 400, json: { error: 'the path is not valid percent-encoding' } });
  });

  it('answer 413 JSON to an oversized body', async () => {
    const reply = await call('POST', '/users', { biography: 'x'.repeat(70 * 1024) });
    expect(reply).toMatchObject({ status: 413, json: { error: 'the body is larger than 65536 bytes' } });
  });

  it('are not recorded as requests and not hit by faults', async () => {
    emu.failNext('oauth', { type: 'hang' });
    emu.failNext('authorize', { type: 'hang' });
    expect((await call('GET', '/users')).status).toBe(200);
    expect(emu.requests).toEqual([]);
  });
});

/** A request with headers fetch will not send as given (Host). */
function rawGet(path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${emu.url}${path}`, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('who may use the control API', () => {
  it('refuses a page on another origin, so a web page cannot drive the emulator', async () => {
    const foreign: Record<string, string>[] = [{ origin: 'http://evil.example' }, { 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' }, { origin: 'null' }];
    for (const headers of foreign) {
      const reply = await call('POST', '/reset', undefined, headers);
      expect(reply).toMatchObject({ status: 403, json: { error: 'the control API refuses requests from a page on another origin' } });
    }
    const planted = await call('POST', '/users', { username: 'planted' }, { origin: 'http://evil.example' });
    expect(planted.status).toBe(403);
    expect(emu.users).toEqual([jane]);
  });

  it('answers a page of its own origin', async () => {
    const reply = await call('GET', '/users', undefined, { origin: emu.url, 'sec-fetch-site': 'same-origin' });
    expect(reply.status).toBe(200);
  });

  it('refuses a Host that a web page could own (DNS rebinding) when no admin token is set', async () => {
    const rebound = await rawGet('/__emulator/users', { host: `evil.example:${emu.port}` });
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.body).error).toMatch(/Host of localhost or an IP address/);
    expect((await rawGet('/__emulator/users', { host: `localhost:${emu.port}` })).status).toBe(200);
  });

  it('requires the admin token when one is set', async () => {
    await start({ adminToken: 'tok-123-'.repeat(4) });
    const missing = await call('GET', '/users');
    expect(missing).toMatchObject({ status: 401, json: { error: 'the control API requires Authorization: Bearer <admin token>' } });
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    expect((await call('GET', '/users', undefined, { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await call('GET', '/users', undefined, { authorization: `Bearer ${'tok-123-'.repeat(4)}` })).status).toBe(200);
    // With a token, any Host name works: the token, not the name, proves the caller.
    expect((await rawGet('/__emulator/users', { host: 'kvixi:4000', authorization: `Bearer ${'tok-123-'.repeat(4)}` })).status).toBe(200);
  });

  it('is off on a host beyond loopback without a token, and on with one', async () => {
    await start({ host: '0.0.0.0' });
    const off = await call('GET', '/users');
    expect(off.status).toBe(404);
    expect((off.json as { error: string }).error).toMatch(/control API is off.*admin token/);
    await start({ host: '0.0.0.0', adminToken: 'tok-456-'.repeat(4) });
    expect((await call('GET', '/users', undefined, { authorization: `Bearer ${'tok-456-'.repeat(4)}` })).status).toBe(200);
  });

  it('refuses an admin token that is not a plain string', async () => {
    await expect(startEmulator({ adminToken: 'has space'.repeat(4) })).rejects.toThrow(/adminToken to be a string of visible ASCII/);
  });
});
