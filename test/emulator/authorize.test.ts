import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorApp, type EmulatorUser, type KvixiEmulator } from '../../lib/emulator/index.js';

let emu: KvixiEmulator;
let app: EmulatorApp;
let user: EmulatorUser;

async function authorize(params: Record<string, string>, how: 'query' | 'body' = 'body', target = emu): Promise<{ status: number; type: string | null; json: unknown }> {
  const search = new URLSearchParams(params);
  const res = how === 'body'
    ? await fetch(`${target.url}/api/authorize`, { method: 'POST', body: search })
    : await fetch(`${target.url}/api/authorize?${search}`);
  return { status: res.status, type: res.headers.get('content-type'), json: await res.json() };
}

const refused = (message: string) => ({ error: true, message });
const credentials = () => ({ app_id: app.appId, app_secret: app.appSecret, auth_key: emu.issueAuthKey({ appId: app.appId, userId: user.userId }) });

beforeEach(async () => {
  emu = await startEmulator();
  app = emu.registerApp({ name: 'Test app', redirectURL: 'http://localhost:3000/cb' });
  user = emu.addUser({ firstname: 'Jane' });
});
afterEach(() => emu.close());

describe('registered apps', () => {
  it('get an app_id of decimal digits and a 32-character lowercase hex app_secret', () => {
    expect(app.appId).toMatch(/^[1-9]\d{12,13}$/);
    expect(app.appSecret).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('/api/authorize checks, in the real server order', () => {
  it('answers "invalid app_id" first when every parameter is missing', async () => {
    expect(await authorize({})).toEqual({ status: 200, type: 'application/json', json: refused('Bad Request, invalid app_id') });
  });

  it('treats an app_id of white space as blank', async () => {
    expect((await authorize({ ...credentials(), app_id: ' \t ' })).json).toEqual(refused('Bad Request, invalid app_id'));
  });

  it('answers "invalid app_secret" when only the secret is blank', async () => {
    expect((await authorize({ ...credentials(), app_secret: '  ' })).json).toEqual(refused('Bad Request, invalid app_secret'));
  });

  it('answers "invalid auth_key" when only the auth key is missing', async () => {
    expect((await authorize({ app_id: app.appId, app_secret: app.appSecret })).json).toEqual(refused('Bad Request, invalid auth_key'));
  });

  it('answers that the developers module is disabled after the blank checks', async () => {
    const disabled = await startEmulator({ developersEnabled: false });
    try {
      expect((await authorize({ app_id: '1', app_secret: 'x', auth_key: 'y' }, 'body', disabled)).json)
        .toEqual(refused('The developers module has been disabled by the admin'));
      expect((await authorize({ app_id: '1', app_secret: 'x' }, 'body', disabled)).json).toEqual(refused('Bad Request, invalid auth_key'));
    } finally {
      await disabled.close();
    }
  });

  it('answers "doesn\'t exist or has been disabled" for an unknown app', async () => {
    expect((await authorize({ ...credentials(), app_id: '999' })).json)
      .toEqual(refused("We're sorry, but the application you're trying to use doesn't exist or has been disabled"));
  });

  it('answers "invalid app_secret" for a secret that differs only in case', async () => {
    expect((await authorize({ ...credentials(), app_secret: app.appSecret.toUpperCase() })).json)
      .toEqual(refused('Bad Request, invalid app_secret'));
  });

  it('answers "invalid auth_key" for an invented key', async () => {
    expect((await authorize({ ...credentials(), auth_key: 'f'.repeat(32) })).json).toEqual(refused('Bad Request, invalid auth_key'));
  });

  it('applies PHP intval() to app_id, so "123xyz" finds app 123', async () => {
    const numbered = emu.registerApp({ name: 'App 123', redirectURL: 'http://localhost/cb', appId: '123' });
    const authKey = emu.issueAuthKey({ appId: '123', userId: user.userId });
    const { json } = await authorize({ app_id: '123xyz', app_secret: numbered.appSecret, auth_key: authKey });
    expect(json).toEqual({ access_token: expect.stringMatching(/^[0-9a-f]{32}$/) });
  });

  it('reads the last of repeated parameters, as PHP does', async () => {
    const good = credentials();
    const body = `app_id=1&app_id=${good.app_id}&app_secret=${good.app_secret}&auth_key=nope&auth_key=${good.auth_key}`;
    const res = await fetch(`${emu.url}/api/authorize`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    expect(await res.json()).toEqual({ access_token: expect.any(String) });
  });
});

describe('auth keys', () => {
  it('exchange for {"access_token": 32 hex} and nothing else', async () => {
    const { status, json } = await authorize(credentials());
    expect(status).toBe(200);
    expect(Object.keys(json as object)).toEqual(['access_token']);
    expect((json as { access_token: string }).access_token).toMatch(/^[0-9a-f]{32}$/);
  });

  it('work once: a second exchange of the same key is refused', async () => {
    const params = credentials();
    expect(await authorize(params)).toMatchObject({ json: { access_token: expect.any(String) } });
    expect((await authorize(params)).json).toEqual(refused('Bad Request, invalid auth_key'));
  });

  it('are not used up by a wrong secret', async () => {
    const params = credentials();
    expect((await authorize({ ...params, app_secret: '0'.repeat(32) })).json).toEqual(refused('Bad Request, invalid app_secret'));
    expect((await authorize(params)).json).toEqual({ access_token: expect.any(String) });
  });

  it('match case-insensitively', async () => {
    const params = credentials();
    expect((await authorize({ ...params, auth_key: params.auth_key.toUpperCase() })).json).toEqual({ access_token: expect.any(String) });
  });

  it("are refused for another app even with that app's right secret", async () => {
    const other = emu.registerApp({ name: 'Other', redirectURL: 'http://localhost/other' });
    const params = credentials();
    expect((await authorize({ app_id: other.appId, app_secret: other.appSecret, auth_key: params.auth_key })).json)
      .toEqual(refused('Bad Request, invalid auth_key'));
  });
});

describe('unused auth keys', () => {
  it('are kept five per app and user: a sixth makes the oldest stop working', async () => {
    const keys = Array.from({ length: 6 }, () => emu.issueAuthKey({ appId: app.appId, userId: user.userId }));
    const exchange = (authKey: string) => authorize({ app_id: app.appId, app_secret: app.appSecret, auth_key: authKey });
    expect((await exchange(keys[0]!)).json).toEqual(refused('Bad Request, invalid auth_key'));
    for (const key of keys.slice(1)) expect((await exchange(key)).json).toEqual({ access_token: expect.any(String) });
  });

  it('are counted per user: keys of another user stay valid', async () => {
    const other = emu.addUser({ firstname: 'Omar' });
    const theirs = emu.issueAuthKey({ appId: app.appId, userId: other.userId });
    for (let i = 0; i < 10; i++) emu.issueAuthKey({ appId: app.appId, userId: user.userId });
    expect((await authorize({ app_id: app.appId, app_secret: app.appSecret, auth_key: theirs })).json).toEqual({ access_token: expect.any(String) });
  });

  it('free their place once used, so a key issued after five used ones still works alongside', async () => {
    for (let i = 0; i < 5; i++) {
      expect((await authorize(credentials())).json).toEqual({ access_token: expect.any(String) });
    }
    const waiting = Array.from({ length: 5 }, () => emu.issueAuthKey({ appId: app.appId, userId: user.userId }));
    for (const key of waiting) {
      expect((await authorize({ app_id: app.appId, app_secret: app.appSecret, auth_key: key })).json).toEqual({ access_token: expect.any(String) });
    }
  });
});

describe('access tokens', () => {
  it('come back the same while the previous one is still valid', async () => {
    const first = (await authorize(credentials())).json;
    emu.advance(3599);
    expect((await authorize(credentials())).json).toEqual(first);
  });

  it('are replaced once expired, and the old one then stops working', async () => {
    const { access_token: old } = (await authorize(credentials())).json as { access_token: string };
    emu.advance(3600);
    const { access_token: renewed } = (await authorize(credentials())).json as { access_token: string };
    expect(renewed).not.toBe(old);
    const info = await fetch(`${emu.url}/api/get_user_info?access_token=${old}`);
    expect(await info.json()).toEqual(refused('Bad Request, invalid access_token'));
  });
});

describe('authorizeMethods', () => {
  it("['POST'] reads the form body only, like Sngine 4.0.4 and later", async () => {
    const post = await startEmulator({ authorizeMethods: ['POST'] });
    try {
      const a = post.registerApp({ name: 'A', redirectURL: 'http://localhost/cb' });
      const u = post.addUser();
      const params = () => ({ app_id: a.appId, app_secret: a.appSecret, auth_key: post.issueAuthKey({ appId: a.appId, userId: u.userId }) });
      expect((await authorize(params(), 'query', post)).json).toEqual(refused('Bad Request, invalid app_id'));
      const queryOnPost = await fetch(`${post.url}/api/authorize?${new URLSearchParams(params())}`, { method: 'POST' });
      expect(await queryOnPost.json()).toEqual(refused('Bad Request, invalid app_id'));
      expect((await authorize(params(), 'body', post)).json).toEqual({ access_token: expect.any(String) });
    } finally {
      await post.close();
    }
  });

  it("['GET'] reads the query string only, on GET and POST alike, like Sngine up to 4.0.3", async () => {
    const get = await startEmulator({ authorizeMethods: ['GET'] });
    try {
      const a = get.registerApp({ name: 'A', redirectURL: 'http://localhost/cb' });
      const u = get.addUser();
      const params = () => ({ app_id: a.appId, app_secret: a.appSecret, auth_key: get.issueAuthKey({ appId: a.appId, userId: u.userId }) });
      expect((await authorize(params(), 'body', get)).json).toEqual(refused('Bad Request, invalid app_id'));
      const queryOnPost = await fetch(`${get.url}/api/authorize?${new URLSearchParams(params())}`, { method: 'POST' });
      expect(await queryOnPost.json()).toEqual({ access_token: expect.any(String) });
      expect((await authorize(params(), 'query', get)).json).toEqual({ access_token: expect.any(String) });
    } finally {
      await get.close();
    }
  });

  it('reads both by default', async () => {
    expect((await authorize(credentials(), 'query')).json).toEqual({ access_token: expect.any(String) });
    expect((await authorize(credentials(), 'body')).json).toEqual({ access_token: expect.any(String) });
  });

  it('reads a multipart form body too, as PHP does', async () => {
    const data = new FormData();
    for (const [name, value] of Object.entries(credentials())) data.append(name, value);
    const res = await fetch(`${emu.url}/api/authorize`, { method: 'POST', body: data });
    expect(await res.json()).toEqual({ access_token: expect.any(String) });
  });

  it('reads a form body only on POST, as PHP fills $_POST for POST alone', async () => {
    const res = await fetch(`${emu.url}/api/authorize`, {
      method: 'PUT', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(credentials()).toString(),
    });
    expect(await res.json()).toEqual(refused('Bad Request, invalid app_id'));
  });

  it('never reads a JSON body, as PHP fills $_POST from forms only', async () => {
    const res = await fetch(`${emu.url}/api/authorize`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(credentials()),
    });
    expect(await res.json()).toEqual(refused('Bad Request, invalid app_id'));
  });
});
