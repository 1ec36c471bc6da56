import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  KvixiAPIError,
  KvixiClient,
  KvixiError,
  KvixiFetchError,
  KvixiUnexpectedResponseError,
  KvixiUserNotFoundError,
} from '../lib/index.js';
import {
  ACCESS_TOKEN,
  APP_ID,
  APP_SECRET,
  AUTH_KEY,
  BASE_URL,
  mockGetExchange,
  mockPostExchange,
  mockPostIgnored,
  mockUserInfo,
  phpJSON,
  providerError,
  sampleUserInfo,
} from './support/provider.js';
import { startSilentServer } from './support/silent-server.js';

function client(options: Partial<ConstructorParameters<typeof KvixiClient>[0]> = {}): KvixiClient {
  return new KvixiClient({ appId: APP_ID, appSecret: APP_SECRET, baseURL: BASE_URL, ...options });
}

async function rejection(promise: Promise<unknown>): Promise<KvixiError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(KvixiError);
    return err as KvixiError;
  }
  throw new Error('expected the promise to reject');
}

/** Every place a secret could surface from an error a user logs or returns. */
function everythingVisible(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    parts.push(current.message, current.stack ?? '', JSON.stringify(current), String(current));
    current = current.cause;
  }
  return parts.join('\n');
}

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});
afterEach(() => {
  nock.cleanAll();
});
afterAll(() => {
  nock.enableNetConnect();
});

describe('authorization URL', () => {
  it('points the browser at /api/oauth with the app id', () => {
    expect(client().authorizationURL()).toBe(`${BASE_URL}/api/oauth?app_id=${APP_ID}`);
  });

  it('adds the site language when lang is set', () => {
    expect(client({ lang: 'en_us' }).authorizationURL()).toBe(`${BASE_URL}/api/oauth?app_id=${APP_ID}&lang=en_us`);
  });

  it('keeps the path of a site installed in a folder', () => {
    expect(client({ baseURL: 'https://example.org/social/' }).authorizationURL()).toBe(
      `https://example.org/social/api/oauth?app_id=${APP_ID}`,
    );
  });
});

describe('token exchange', () => {
  it('sends a form-encoded POST, as Sngine 4.0.4 and later require', async () => {
    const scope = mockPostExchange();
    const before = Date.now();
    const tokens = await client().exchangeAuthKey(AUTH_KEY);
    expect(tokens.accessToken).toBe(ACCESS_TOKEN);
    expect(tokens.expiresAt.getTime()).toBeGreaterThanOrEqual(before + 3600_000);
    expect(tokens.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 3600_000);
    scope.done();
  });

  it('falls back to the query string once when an older server answers "invalid app_id"', async () => {
    const ignored = mockPostIgnored();
    const legacy = mockGetExchange();
    await expect(client().exchangeAuthKey(AUTH_KEY)).resolves.toMatchObject({ accessToken: ACCESS_TOKEN });
    ignored.done();
    legacy.done();
  });

  it('remembers that the server reads the query string and goes there first next time', async () => {
    const kvixi = client();
    mockPostIgnored();
    mockGetExchange();
    await kvixi.exchangeAuthKey(AUTH_KEY);
    const second = mockGetExchange({ authKey: 'second-key' });
    await expect(kvixi.exchangeAuthKey('second-key')).resolves.toMatchObject({ accessToken: ACCESS_TOKEN });
    second.done();
  });

  it('reports "invalid app_id" when neither form is accepted', async () => {
    mockPostIgnored();
    nock(BASE_URL).get('/api/authorize').query(true).reply(200, providerError('Bad Request, invalid app_id'));
    const err = await rejection(client().exchangeAuthKey(AUTH_KEY));
    expect(err).toBeInstanceOf(KvixiAPIError);
    expect((err as KvixiAPIError).providerMessage).toBe('Bad Request, invalid app_id');
  });

  it('sends an auth_key full of URL syntax as one literal value', async () => {
    const strange = 'a&app_secret=x#y z';
    const scope = mockPostExchange({ authKey: strange });
    await expect(client().exchangeAuthKey(strange)).resolves.toMatchObject({ accessToken: ACCESS_TOKEN });
    scope.done();
  });

  it('computes expiresAt from accessTokenTTL', async () => {
    mockPostExchange();
    const before = Date.now();
    const tokens = await client({ accessTokenTTL: 60 }).exchangeAuthKey(AUTH_KEY);
    expect(tokens.expiresAt.getTime() - before).toBeGreaterThanOrEqual(60_000);
    expect(tokens.expiresAt.getTime() - before).toBeLessThan(61_000);
  });

  it('refuses an empty auth_key without calling the provider', async () => {
    await expect(client().exchangeAuthKey('  ')).rejects.toThrow(TypeError);
  });

  it('treats a reply without access_token as unexpected', async () => {
    mockPostExchange({}, phpJSON({ ok: true }));
    const err = await rejection(client().exchangeAuthKey(AUTH_KEY));
    expect(err).toBeInstanceOf(KvixiUnexpectedResponseError);
    expect(err.code).toBe('ERR_KVIXI_UNEXPECTED_RESPONSE');
    expect(err.message).toMatch(/no access_token/);
  });

  it('accepts JSON that a misconfigured PHP server printed after an HTML warning', async () => {
    const warning = '<br />\n<b>Warning</b>:  session_start(): open failed in <b>/var/www/x.php</b> on line <b>3</b><br />\n';
    mockPostExchange({}, warning + phpJSON({ access_token: ACCESS_TOKEN }));
    await expect(client().exchangeAuthKey(AUTH_KEY)).resolves.toMatchObject({ accessToken: ACCESS_TOKEN });
  });
});

describe('provider errors', () => {
  const authorizeMessages = [
    'Bad Request, invalid app_secret',
    'Bad Request, invalid auth_key',
    'The developers module has been disabled by the admin',
    "We're sorry, but the application you're trying to use doesn't exist or has been disabled",
    'Bad Request, invalid parameters',
  ];
  it.each(authorizeMessages)('authorize answering "%s" becomes a KvixiAPIError with that message', async (message) => {
    mockPostExchange({}, providerError(message));
    const err = await rejection(client().exchangeAuthKey(AUTH_KEY));
    expect(err).toBeInstanceOf(KvixiAPIError);
    expect(err.code).toBe('ERR_KVIXI_API');
    expect((err as KvixiAPIError).providerMessage).toBe(message);
    expect((err as KvixiAPIError).endpoint).toBe('authorize');
  });

  it.each(['Bad Request, invalid access_token', 'Bad Request, expired access_token'])(
    'get_user_info answering "%s" becomes a KvixiAPIError',
    async (message) => {
      mockUserInfo(providerError(message));
      const err = await rejection(client().getUserInfo(ACCESS_TOKEN));
      expect(err).toBeInstanceOf(KvixiAPIError);
      expect((err as KvixiAPIError).providerMessage).toBe(message);
      expect((err as KvixiAPIError).endpoint).toBe('get_user_info');
    },
  );
});

describe('user info', () => {
  it('fetches user_info with the token in the query string', async () => {
    const scope = mockUserInfo();
    await expect(client().getUserInfo(ACCESS_TOKEN)).resolves.toEqual(sampleUserInfo());
    scope.done();
  });

  it('asks for the site language when lang is set', async () => {
    const scope = mockUserInfo(undefined, { access_token: ACCESS_TOKEN, lang: 'en_us' });
    await client({ lang: 'en_us' }).getUserInfo(ACCESS_TOKEN);
    scope.done();
  });

  it('returns the body as received next to the parsed user', async () => {
    const body = phpJSON({ user_info: sampleUserInfo() });
    mockUserInfo(body);
    const reply = await client().getUserInfoReply(ACCESS_TOKEN);
    expect(reply.raw).toBe(body);
    expect(reply.userInfo.profile_picture).toBe('https://kvixi.test/content/uploads/photos/2024/05/sngine_0f3c.jpg');
  });

  it('keeps every value a string or null even when a server sends numbers', async () => {
    mockUserInfo(JSON.stringify({ user_info: { user_id: 5, user_name: 'jane', user_verified: 1 } }));
    const info = await client().getUserInfo(ACCESS_TOKEN);
    expect(info.user_id).toBe('5');
    expect(info.user_verified).toBe('1');
    expect(info.user_email).toBeNull();
  });

  it('reports [] (the account was deleted) with its own code and class', async () => {
    mockUserInfo('[]');
    const err = await rejection(client().getUserInfo(ACCESS_TOKEN));
    expect(err).toBeInstanceOf(KvixiUserNotFoundError);
    expect(err.code).toBe('ERR_KVIXI_USER_NOT_FOUND');
    expect(err.message).toMatch(/^This Kvixi account no longer exists/);
  });

  it('keeps the prototype of user_info when the reply holds __proto__, constructor or prototype keys', async () => {
    mockUserInfo('{"user_info":{"user_id":"5","__proto__":null,"constructor":"x","prototype":{"polluted":true}}}');
    const info = await client().getUserInfo(ACCESS_TOKEN);
    expect(Object.getPrototypeOf(info)).toBe(Object.prototype);
    expect(Object.hasOwn(info, '__proto__')).toBe(false);
    expect(Object.hasOwn(info, 'constructor')).toBe(false);
    expect(Object.hasOwn(info, 'prototype')).toBe(false);
    expect(info.user_id).toBe('5');
  });

  it('reports a user_info without user_id as an unexpected response', async () => {
    mockUserInfo(phpJSON({ user_info: { user_name: 'jane' } }));
    await expect(client().getUserInfo(ACCESS_TOKEN)).rejects.toBeInstanceOf(KvixiUnexpectedResponseError);
  });
});

describe('unexpected replies', () => {
  it('reports an HTML error page with its status and a short excerpt', async () => {
    nock(BASE_URL).post('/api/authorize').reply(200, '<html><body><h1>Fatal error</h1></body></html>');
    const err = (await rejection(client().exchangeAuthKey(AUTH_KEY))) as KvixiUnexpectedResponseError;
    expect(err).toBeInstanceOf(KvixiUnexpectedResponseError);
    expect(err.providerStatus).toBe(200);
    expect(err.excerpt).toContain('Fatal error');
    expect(err.message).toMatch(/not JSON/);
  });

  it('rejects a hostile HTML reply in linear time', async () => {
    nock(BASE_URL).post('/api/authorize').reply(200, `<b>${'{'.repeat(500_000)}<`);
    const started = performance.now();
    await expect(client().exchangeAuthKey(AUTH_KEY)).rejects.toBeInstanceOf(KvixiUnexpectedResponseError);
    // Quadratic scanning took minutes on this input; linear takes milliseconds.
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('reports malformed JSON', async () => {
    nock(BASE_URL).post('/api/authorize').reply(200, '{"access_token":');
    await expect(client().exchangeAuthKey(AUTH_KEY)).rejects.toBeInstanceOf(KvixiUnexpectedResponseError);
  });

  it('reports a status other than 200', async () => {
    nock(BASE_URL).get('/api/get_user_info').query(true).reply(502, 'Bad Gateway');
    const err = (await rejection(client().getUserInfo(ACCESS_TOKEN))) as KvixiUnexpectedResponseError;
    expect(err.providerStatus).toBe(502);
    expect(err.endpoint).toBe('get_user_info');
  });

  it('names the endpoint and says to check baseURL when the site has no Sngine API (404)', async () => {
    nock(BASE_URL).post('/api/authorize').reply(404, '<h1>Not Found</h1>', { 'content-type': 'text/html' });
    const err = (await rejection(client().exchangeAuthKey(AUTH_KEY))) as KvixiUnexpectedResponseError;
    expect(err).toBeInstanceOf(KvixiUnexpectedResponseError);
    expect(err.providerStatus).toBe(404);
    expect(err.status).toBe(502);
    expect(err.message).toContain(`${BASE_URL}/api/authorize does not exist`);
    expect(err.message).toMatch(/check that baseURL is the address of a Sngine site/);
    expect(everythingVisible(err)).not.toMatch(new RegExp(`${APP_SECRET}|${AUTH_KEY}|app_secret=|auth_key=`));
  });

  it('names the endpoint without the access token when get_user_info is not found', async () => {
    nock(BASE_URL).get('/api/get_user_info').query(true).reply(404, 'Not Found');
    const err = (await rejection(client().getUserInfo(ACCESS_TOKEN))) as KvixiUnexpectedResponseError;
    expect(err.message).toContain(`${BASE_URL}/api/get_user_info does not exist`);
    expect(everythingVisible(err)).not.toContain(ACCESS_TOKEN);
  });

  it('reports a redirect with its target origin instead of following it', async () => {
    nock(BASE_URL).post('/api/authorize').reply(301, '', { Location: 'https://www.kvixi.test/api/authorize' });
    const err = (await rejection(client().exchangeAuthKey(AUTH_KEY))) as KvixiUnexpectedResponseError;
    expect(err.providerStatus).toBe(301);
    expect(err.message).toContain('https://www.kvixi.test/api/authorize');
    expect(err.message).toMatch(/baseURL/);
  });

  it('stops reading a reply larger than any Kvixi sends', async () => {
    nock(BASE_URL).post('/api/authorize').reply(200, 'x'.repeat(2 * 1024 * 1024));
    const err = await rejection(client().exchangeAuthKey(AUTH_KEY));
    expect(err).toBeInstanceOf(KvixiUnexpectedResponseError);
    expect(err.message).toMatch(/larger than/);
  });
});

describe('network failures', () => {
  let silent: Awaited<ReturnType<typeof startSilentServer>>;
  beforeAll(async () => {
    silent = await startSilentServer();
  });
  afterAll(() => silent.close());

  it('gives up after the timeout with ERR_KVIXI_TIMEOUT', async () => {
    const started = Date.now();
    const err = await rejection(client({ baseURL: silent.url, timeout: 200 }).exchangeAuthKey(AUTH_KEY));
    expect(err).toBeInstanceOf(KvixiFetchError);
    expect(err.code).toBe('ERR_KVIXI_TIMEOUT');
    expect(err.message).toMatch(/200 ms/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('reports a refused connection as ERR_KVIXI_FETCH with the cause kept', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const err = await rejection(client({ baseURL: `http://127.0.0.1:${port}` }).getUserInfo(ACCESS_TOKEN));
    expect(err).toBeInstanceOf(KvixiFetchError);
    expect(err.code).toBe('ERR_KVIXI_FETCH');
    expect(err.message).toMatch(/ECONNREFUSED/);
    expect(err.cause).toBeInstanceOf(Error);
  });
});

describe('secrets', () => {
  it('never shows app_secret or auth_key in a provider error', async () => {
    mockPostExchange({}, providerError(`Bad Request, invalid app_secret ${APP_SECRET}`));
    const err = await rejection(client().exchangeAuthKey(AUTH_KEY));
    const visible = everythingVisible(err);
    expect(visible).not.toContain(APP_SECRET);
    expect(visible).not.toContain(AUTH_KEY);
  });

  it('never shows secrets from an unexpected reply that echoes the request', async () => {
    const echo = `<pre>GET /api/authorize?app_id=${APP_ID}&app_secret=${APP_SECRET}&auth_key=${AUTH_KEY}</pre>`;
    nock(BASE_URL).post('/api/authorize').reply(500, echo);
    const err = await rejection(client().exchangeAuthKey(AUTH_KEY));
    const visible = everythingVisible(err) + (err as KvixiUnexpectedResponseError).excerpt;
    expect(visible).not.toContain(APP_SECRET);
    expect(visible).not.toContain(AUTH_KEY);
    expect((err as KvixiUnexpectedResponseError).excerpt).toContain('[redacted]');
  });

  it('never shows the access token from a malformed user info reply', async () => {
    mockUserInfo(`{"access_token":"${ACCESS_TOKEN}", "user_info": 5}`);
    const err = await rejection(client().getUserInfo(ACCESS_TOKEN));
    expect(everythingVisible(err) + (err as KvixiUnexpectedResponseError).excerpt).not.toContain(ACCESS_TOKEN);
  });

  it.each([
    ['an array', `{"access_token":["${ACCESS_TOKEN}"]}`],
    ['an object', `{"access_token":{"value":"${ACCESS_TOKEN}","again":["${ACCESS_TOKEN.toUpperCase()}"]}}`],
  ])('never shows an access token the exchange reply sends as %s', async (_shape, reply) => {
    mockPostExchange({}, reply);
    const err = (await rejection(client().exchangeAuthKey(AUTH_KEY))) as KvixiUnexpectedResponseError;
    expect(err.code).toBe('ERR_KVIXI_UNEXPECTED_RESPONSE');
    expect(err.excerpt).toContain('[redacted]');
    const shown = `${everythingVisible(err)}${err.excerpt}${inspect(err, { depth: Infinity })}`;
    expect(shown).not.toContain(ACCESS_TOKEN);
    expect(shown).not.toContain(ACCESS_TOKEN.toUpperCase());
  });

  it('never shows the auth_key or app_secret a provider message echoes in another letter case', async () => {
    mockPostExchange({}, providerError(`Bad Request, invalid auth_key ${AUTH_KEY.toUpperCase()} for ${APP_SECRET.toUpperCase()}`));
    const err = (await rejection(client().exchangeAuthKey(AUTH_KEY))) as KvixiAPIError;
    expect(err.providerMessage).toBe('Bad Request, invalid auth_key [redacted] for [redacted]');
    const shown = `${everythingVisible(err)}${inspect(err, { depth: Infinity })}`.toLowerCase();
    expect(shown).not.toContain(AUTH_KEY);
    expect(shown).not.toContain(APP_SECRET);
  });

  it('never shows the access token a user info error echoes upper-cased inside JSON', async () => {
    mockUserInfo(`{"error":true,"message":"expired access_token ${ACCESS_TOKEN.toUpperCase()}"}`);
    const err = (await rejection(client().getUserInfo(ACCESS_TOKEN))) as KvixiAPIError;
    expect(everythingVisible(err).toLowerCase()).not.toContain(ACCESS_TOKEN);
  });

  it.each([
    ['backslashes, which begin escapes of their own', '\\'.repeat(256), '\\'.repeat(1024 * 1024 - 1)],
    ['a long near-match', `${'a'.repeat(255)}b`, 'a'.repeat(1024 * 1024 - 1)],
  ])('redacts a 1 MiB reply against an auth_key of %s in linear time', async (_case, authKey, reply) => {
    nock(BASE_URL).post('/api/authorize').reply(500, reply);
    const started = performance.now();
    const err = (await rejection(client().exchangeAuthKey(authKey))) as KvixiUnexpectedResponseError;
    expect(err.excerpt.length).toBeLessThanOrEqual(201);
    // Trying every way to split the text took minutes on these inputs.
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('removes the request URL from the message of a custom fetch that failed', async () => {
    const leakyFetch: typeof fetch = async (input) => {
      throw new Error(`request to ${String(input)} failed, reason: socket hang up`, {
        cause: new Error(`while reading ${String(input)}`),
      });
    };
    const kvixi = client({ fetch: leakyFetch });
    const exchange = await rejection(kvixi.exchangeAuthKey(AUTH_KEY));
    const userInfo = await rejection(kvixi.getUserInfo(ACCESS_TOKEN));
    for (const err of [exchange, userInfo]) {
      expect(err).toBeInstanceOf(KvixiFetchError);
      const visible = everythingVisible(err);
      expect(visible).not.toContain(APP_SECRET);
      expect(visible).not.toContain(AUTH_KEY);
      expect(visible).not.toContain(ACCESS_TOKEN);
      expect(visible).toContain('socket hang up');
    }
  });

  it('keeps no property of a foreign fetch error, where a request body could hide', async () => {
    const leakyFetch: typeof fetch = async (input, init) => {
      throw Object.assign(new Error('request failed'), { code: 'EPROXY', request: { url: String(input), body: init?.body } });
    };
    const err = await rejection(client({ fetch: leakyFetch }).exchangeAuthKey(AUTH_KEY));
    const shown = inspect(err, { depth: 8 });
    expect(shown).not.toContain(APP_SECRET);
    expect(shown).not.toContain(AUTH_KEY);
    expect((err.cause as { code?: string }).code).toBe('EPROXY');
  });

  describe('when a custom fetch rejects with something odd', () => {
    const secretBody = `app_id=${APP_ID}&app_secret=${APP_SECRET}&auth_key=${AUTH_KEY}`;
    const secretURL = `${BASE_URL}/api/authorize?${secretBody}`;
    function deepChain(levels: number): Error {
      let err = new Error(`innermost ${secretURL}`, { cause: { url: secretURL, body: secretBody } });
      for (let i = 0; i < levels; i++) err = new Error(`level ${i}`, { cause: err });
      return err;
    }
    it.each([
      ['a string', () => secretURL],
      ['a plain object', () => ({ url: secretURL, body: secretBody })],
      ['an Error whose cause is a plain object', () => new Error('failed', { cause: { url: secretURL, body: secretBody } })],
      ['an Error whose cause is a string', () => new Error('failed', { cause: secretBody })],
      ['a cause chain deeper than the redaction limit', () => deepChain(12)],
    ])('keeps no secret from %s in any view of the error', async (_case, rejectWith) => {
      const oddFetch: typeof fetch = async () => {
        throw rejectWith();
      };
      const err = await rejection(client({ fetch: oddFetch }).exchangeAuthKey(AUTH_KEY));
      expect(err).toBeInstanceOf(KvixiFetchError);
      const views = [
        inspect(err, { depth: Infinity, showHidden: true }),
        JSON.stringify(err),
        String(err),
        err.stack ?? '',
        everythingVisible(err),
      ].join('\n');
      expect(views).not.toContain(APP_SECRET);
      expect(views).not.toContain(AUTH_KEY);
      expect(views).not.toContain(encodeURIComponent(AUTH_KEY));
      // Each cause in the chain is an Error made here, never the value the fetch threw.
      for (let cause = err.cause; cause !== undefined; cause = (cause as Error).cause) {
        expect(cause).toBeInstanceOf(Error);
      }
    });
  });

  it('does not show the app secret when the client is logged or serialised', () => {
    const kvixi = client();
    expect(JSON.stringify(kvixi)).not.toContain(APP_SECRET);
    expect(Object.values(kvixi).join(' ')).not.toContain(APP_SECRET);
  });
});

describe('options', () => {
  it.each([
    [{ appId: '', appSecret: APP_SECRET }, /appId/],
    [{ appId: undefined, appSecret: APP_SECRET }, /appId/],
    [{ appId: 'abc', appSecret: APP_SECRET }, /numeric app_id/],
    [{ appId: APP_ID, appSecret: '' }, /appSecret/],
    [{ appId: APP_ID, appSecret: '   ' }, /appSecret/],
    [{ appId: APP_ID, appSecret: APP_SECRET, baseURL: 'kvixi.com' }, /baseURL/],
    [{ appId: APP_ID, appSecret: APP_SECRET, baseURL: 'ftp://kvixi.com' }, /baseURL/],
    [{ appId: APP_ID, appSecret: APP_SECRET, baseURL: 'https://user:pw@kvixi.com' }, /baseURL/],
    [{ appId: APP_ID, appSecret: APP_SECRET, timeout: 0 }, /timeout/],
    [{ appId: APP_ID, appSecret: APP_SECRET, timeout: Number.NaN }, /timeout/],
    [{ appId: APP_ID, appSecret: APP_SECRET, accessTokenTTL: -1 }, /accessTokenTTL/],
    [{ appId: APP_ID, appSecret: APP_SECRET, lang: 'en_us&x=1' }, /lang/],
    [{ appId: APP_ID, appSecret: APP_SECRET, fetch: 'fetch' }, /fetch/],
  ])('rejects %o with a TypeError naming the option', (options, name) => {
    expect(() => new KvixiClient(options as never)).toThrow(TypeError);
    expect(() => new KvixiClient(options as never)).toThrow(name);
  });

  it('never repeats the value of a rejected option in its message', () => {
    const options = { appId: APP_ID, appSecret: APP_SECRET, baseURL: `https://kvixi.test/?key=${APP_SECRET}` };
    expect(() => new KvixiClient(options)).toThrow(/baseURL must not carry credentials, a query or a fragment/);
    expect(() => new KvixiClient(options)).not.toThrow(APP_SECRET);
  });
});
