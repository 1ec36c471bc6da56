import nock from 'nock';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  KvixiStrategy,
  type KvixiProfile,
  type KvixiStrategyOptionsBase,
  type KvixiTokens,
  type KvixiVerify,
  type KvixiVerifyCallback,
} from '../lib/index.js';
import { buildApp, type TestAppOptions } from './support/app.js';
import {
  ACCESS_TOKEN,
  APP_ID,
  APP_SECRET,
  AUTH_KEY,
  BASE_URL,
  mockGetExchange,
  mockPostExchange,
  mockPostIgnored,
  mockSuccessfulLogin,
  mockUserInfo,
  providerError,
} from './support/provider.js';
import { startSilentServer } from './support/silent-server.js';

type LooseOptions = Omit<KvixiStrategyOptionsBase, 'appId' | 'appSecret'>;

const saveUser: KvixiVerify = (_tokens, profile, done) => done(null, { id: profile.id, name: profile.displayName });

function strategy(options: LooseOptions = {}, verify: KvixiVerify = saveUser): KvixiStrategy {
  return new KvixiStrategy(
    { appId: APP_ID, appSecret: APP_SECRET, baseURL: BASE_URL, callbackURL: '/auth/kvixi/callback', ...options } as never,
    verify as never,
  );
}

function agentFor(kvixi: KvixiStrategy, options?: TestAppOptions) {
  return request.agent(buildApp(kvixi, options));
}

async function start(agent: request.Agent, query = ''): Promise<request.Response> {
  const res = await agent.get(`/auth/kvixi${query}`);
  expect(res.status).toBe(302);
  return res;
}

function callback(agent: request.Agent, authKey = AUTH_KEY, path = '/auth/kvixi/callback') {
  return agent.get(`${path}?auth_key=${encodeURIComponent(authKey)}`);
}

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});
afterEach(() => {
  nock.cleanAll();
  vi.useRealTimers();
});
afterAll(() => {
  nock.enableNetConnect();
});

describe('starting a login', () => {
  it("redirects to the provider's login page with the app id", async () => {
    const res = await start(agentFor(strategy()));
    expect(res.headers.location).toBe(`${BASE_URL}/api/oauth?app_id=${APP_ID}`);
  });

  it('asks for the site language when lang is set', async () => {
    const res = await start(agentFor(strategy({ lang: 'en_us' })));
    expect(res.headers.location).toBe(`${BASE_URL}/api/oauth?app_id=${APP_ID}&lang=en_us`);
  });

  it('sets a session cookie so the callback can be matched to this browser', async () => {
    const res = await start(agentFor(strategy()));
    expect(String(res.headers['set-cookie'])).toMatch(/connect\.sid=/);
  });

  it('explains that session middleware is missing instead of redirecting', async () => {
    const res = await agentFor(strategy(), { withoutSession: true }).get('/auth/kvixi');
    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe('ERR_KVIXI_SESSION_REQUIRED');
    expect(res.body.error.message).toMatch(/express-session/);
  });

  it('answers a start request another site made with a page whose one button continues it, and records no login', async () => {
    const agent = agentFor(strategy());
    const res = await agent.get('/auth/kvixi?returnTo=%2Faccount').set('Sec-Fetch-Site', 'cross-site');
    expect(res.status).toBe(200);
    expect(res.headers.location).toBeUndefined();
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.text).toContain('<title>Continue to log in</title>');
    expect(res.text).toContain('<a href="/auth/kvixi?returnTo=%2Faccount">Continue with Kvixi</a>');
    expect(res.headers['set-cookie']).toBeUndefined();
    mockSuccessfulLogin();
    expect((await callback(agent)).body.failure.code).toBe('ERR_KVIXI_NO_PENDING_LOGIN');
  });

  it('fails a start request another site made with continueURL when continuePage is false', async () => {
    const res = await agentFor(strategy({ continuePage: false })).get('/auth/kvixi?returnTo=%2Fa').set('Sec-Fetch-Site', 'cross-site');
    expect(res.status).toBe(403);
    expect(res.text).toBe('Forbidden');
  });

  it('escapes the continue URL in the page', async () => {
    const res = await agentFor(strategy()).get('/auth/kvixi?x="><script>').set('Sec-Fetch-Site', 'cross-site');
    expect(res.text).not.toContain('<script>');
    expect(res.text).toContain('href="/auth/kvixi?x=%22%3E%3Cscript%3E"');
  });

  it('refuses continuePage values that are not booleans', () => {
    expect(() => strategy({ continuePage: 'yes' as never })).toThrow(/KvixiStrategy continuePage must be true or false/);
  });

  it('allows a start from the same site or typed in the address bar', async () => {
    const agent = agentFor(strategy());
    expect((await agent.get('/auth/kvixi').set('Sec-Fetch-Site', 'same-origin')).status).toBe(302);
    expect((await agent.get('/auth/kvixi').set('Sec-Fetch-Site', 'none')).status).toBe(302);
  });

  it('allows a cross-site start when allowCrossSiteStart is set', async () => {
    const res = await agentFor(strategy({ allowCrossSiteStart: true })).get('/auth/kvixi').set('Sec-Fetch-Site', 'cross-site');
    expect(res.status).toBe(302);
  });
});

describe('a complete login', () => {
  it('signs the user in and keeps them in the session until logout', async () => {
    const scopes = mockSuccessfulLogin();
    const agent = agentFor(strategy());
    await start(agent);
    const res = await callback(agent);
    expect(res.status).toBe(200);
    expect(res.body.user).toEqual({ id: '5', name: "Jane O'Brien" });
    for (const scope of scopes) scope.done();

    expect((await agent.get('/me')).body.user).toEqual({ id: '5', name: "Jane O'Brien" });
    expect((await agent.post('/logout')).status).toBe(200);
    expect((await agent.get('/me')).status).toBe(401);
  });

  it('works with a Sngine 4.0.3 server that reads the query string only', async () => {
    const ignored = mockPostIgnored();
    const legacy = mockGetExchange();
    const info = mockUserInfo();
    const agent = agentFor(strategy());
    await start(agent);
    expect((await callback(agent)).body.user.id).toBe('5');
    for (const scope of [ignored, legacy, info]) scope.done();
  });

  it('hands the app state back as info.state and req.authInfo.state', async () => {
    mockSuccessfulLogin();
    const agent = agentFor(strategy());
    await start(agent, '?returnTo=%2Faccount');
    expect((await callback(agent)).body.info.state).toEqual({ returnTo: '/account' });

    mockSuccessfulLogin();
    await start(agent, '?returnTo=%2Fsettings');
    const res = await callback(agent, AUTH_KEY, '/auth/kvixi/plain-callback');
    expect(res.body.authInfo.state).toEqual({ returnTo: '/settings' });
  });

  it('completes the first callback to arrive when two tabs started a login', async () => {
    const agent = agentFor(strategy());
    await start(agent);
    await start(agent);
    mockSuccessfulLogin();
    expect((await callback(agent)).status).toBe(200);
    const second = mockPostExchange({ authKey: 'second-key' });
    expect((await callback(agent, 'second-key')).body.info).toEqual({ alreadySignedIn: true });
    expect(second.isDone()).toBe(false);
  });

  it('uses the strategy name given in the options', async () => {
    const kvixi = strategy({ name: 'kvixi-staging' });
    expect(kvixi.name).toBe('kvixi-staging');
    mockSuccessfulLogin();
    const agent = agentFor(kvixi);
    await start(agent);
    expect((await callback(agent)).status).toBe(200);
  });
});

describe('login CSRF', () => {
  it('refuses a forged callback that this browser never started, without calling the provider', async () => {
    const scope = mockPostExchange();
    const res = await callback(agentFor(strategy()));
    expect(res.status).toBe(403);
    expect(res.body.failure).toEqual({
      code: 'ERR_KVIXI_NO_PENDING_LOGIN',
      reason: 'no-cookie',
      message:
        'This login came back without the cookies it started with: it may have started on another address ' +
        '(host, port or http/https) than the one it came back to, or this browser blocks cookies. Please start again.',
    });
    expect(scope.isDone()).toBe(false);
  });

  it('refuses a replayed callback because the pending login was consumed', async () => {
    const scopes = mockSuccessfulLogin();
    const agent = agentFor(strategy());
    await start(agent);
    expect((await callback(agent)).status).toBe(200);
    for (const scope of scopes) scope.done();
    await agent.post('/logout');

    const replay = mockPostExchange();
    const res = await callback(agent);
    expect(res.status).toBe(403);
    expect(res.body.failure.code).toBe('ERR_KVIXI_NO_PENDING_LOGIN');
    expect(replay.isDone()).toBe(false);
  });

  it('sends a signed-in user who replays the callback (Back, reload) on as themselves, without asking Kvixi', async () => {
    mockSuccessfulLogin();
    const agent = agentFor(strategy());
    await start(agent);
    const first = await callback(agent);
    expect(first.status).toBe(200);
    const replay = mockPostExchange();
    const res = await callback(agent);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ user: first.body.user, info: { alreadySignedIn: true } });
    expect(replay.isDone()).toBe(false);
  });

  it('keeps the session of a signed-in user whom another site sends to the callback (no second login, no regenerate)', async () => {
    mockSuccessfulLogin();
    const agent = agentFor(strategy());
    await start(agent);
    expect((await agent.get(`/auth/kvixi/redirect-callback?auth_key=${AUTH_KEY}`)).headers.location).toBe('/home');
    const forged = await agent
      .get('/auth/kvixi/redirect-callback?auth_key=0123456789abcdef0123456789abcdef')
      .set('Sec-Fetch-Site', 'cross-site')
      .set('Sec-Fetch-Mode', 'navigate')
      .set('Sec-Fetch-Dest', 'document');
    expect(forged.status).toBe(302);
    expect(forged.headers.location).toBe('/home');
    // passport 0.7's req.logIn would have regenerated the session and set a new cookie.
    expect(forged.headers['set-cookie']).toBeUndefined();
    expect((await agent.get('/me')).body.user).toMatchObject({ id: expect.any(String) });
  });

  it('redirects a signed-in reload of the plain callback route to successRedirect, not to the failure page', async () => {
    mockSuccessfulLogin();
    const agent = agentFor(strategy());
    await start(agent);
    const first = await agent.get(`/auth/kvixi/redirect-callback?auth_key=${AUTH_KEY}`);
    expect(first.status).toBe(302);
    expect(first.headers.location).toBe('/home');
    const replay = mockPostExchange();
    const again = await agent.get(`/auth/kvixi/redirect-callback?auth_key=${AUTH_KEY}`);
    expect(again.status).toBe(302);
    expect(again.headers.location).toBe('/home');
    expect(replay.isDone()).toBe(false);
    expect((await agent.get('/me')).body.user).toMatchObject({ id: expect.any(String) });
  });

  it('consumes the pending login even when the provider then refuses the key', async () => {
    mockPostExchange({}, providerError('Bad Request, invalid auth_key'));
    const agent = agentFor(strategy());
    await start(agent);
    expect((await callback(agent)).status).toBe(401);
    expect((await callback(agent)).body.failure.code).toBe('ERR_KVIXI_NO_PENDING_LOGIN');
  });

  it('refuses a callback after the pending login expired', async () => {
    const scope = mockPostExchange();
    const agent = agentFor(strategy({ pendingLoginTTL: 60 }));
    await start(agent);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 61_000);
    const res = await callback(agent);
    expect(res.status).toBe(401);
    expect(res.body.failure.code).toBe('ERR_KVIXI_PENDING_LOGIN_EXPIRED');
    expect(scope.isDone()).toBe(false);
  });

  it('accepts a callback just inside the pending-login lifetime', async () => {
    mockSuccessfulLogin();
    const agent = agentFor(strategy({ pendingLoginTTL: 60 }));
    await start(agent);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 55_000);
    expect((await callback(agent)).status).toBe(200);
  });

  it('sends a plain-middleware app to failureRedirect with the message', async () => {
    const agent = agentFor(strategy());
    const res = await callback(agent, AUTH_KEY, '/auth/kvixi/plain-callback');
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/login');
    expect((await agent.get('/login')).body.messages).toEqual([
      expect.stringContaining('This login came back without the cookies it started with'),
    ]);
  });
});

describe('callback input', () => {
  it('fails a callback without auth_key instead of looping back to the provider', async () => {
    const agent = agentFor(strategy());
    await start(agent);
    const res = await agent.get('/auth/kvixi/callback');
    expect(res.status).toBe(400);
    expect(res.body.failure.code).toBe('ERR_KVIXI_MISSING_AUTH_KEY');
  });

  it.each([
    ['repeated', 'auth_key=a&auth_key=b'],
    ['empty', 'auth_key='],
    ['blank', 'auth_key=%20%20'],
    ['over-long', `auth_key=${'a'.repeat(257)}`],
  ])('fails a %s auth_key without calling the provider', async (_kind, query) => {
    const scope = mockPostExchange();
    const agent = agentFor(strategy());
    await start(agent);
    const res = await agent.get(`/auth/kvixi/callback?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.failure.code).toBe('ERR_KVIXI_MALFORMED_AUTH_KEY');
    expect(scope.isDone()).toBe(false);
  });

  it('still completes the real callback after a malformed one', async () => {
    mockSuccessfulLogin();
    const agent = agentFor(strategy());
    await start(agent);
    expect((await agent.get('/auth/kvixi/callback?auth_key=a&auth_key=b')).status).toBe(400);
    expect((await callback(agent)).status).toBe(200);
  });
});

describe('provider answers', () => {
  it('fails cleanly when the provider says the auth_key is invalid', async () => {
    mockPostExchange({}, providerError('Bad Request, invalid auth_key'));
    const agent = agentFor(strategy());
    await start(agent);
    const res = await callback(agent);
    expect(res.status).toBe(401);
    expect(res.body.failure.code).toBe('ERR_KVIXI_AUTH_KEY_REJECTED');
  });

  it.each(['a', 'd', 'e'])('fails cleanly for a one-letter auth_key %s the provider refuses', async (key) => {
    mockPostExchange({ authKey: key }, providerError('Bad Request, invalid auth_key'));
    const agent = agentFor(strategy());
    await start(agent);
    const res = await callback(agent, key);
    expect(res.status).toBe(401);
    expect(res.body.failure.code).toBe('ERR_KVIXI_AUTH_KEY_REJECTED');
  });

  it('reports a verify rejection with a value that cannot become a string, without crashing', async () => {
    mockSuccessfulLogin();
    const agent = agentFor(strategy({}, async () => {
      throw Object.create(null);
    }));
    await start(agent);
    const res = await callback(agent);
    expect(res.status).toBe(500);
    expect(res.body.error.message).toBe('a value that is not an Error');
  });

  it.each([
    ['a wrong app secret', 'authorize', 'Bad Request, invalid app_secret'],
    ['a disabled developers module', 'authorize', 'The developers module has been disabled by the admin'],
    [
      'an unknown app',
      'authorize',
      "We're sorry, but the application you're trying to use doesn't exist or has been disabled",
    ],
    ['an expired access token', 'get_user_info', 'Bad Request, expired access_token'],
    ['an invalid access token', 'get_user_info', 'Bad Request, invalid access_token'],
  ])('reports %s as an application error with the provider message', async (_case, endpoint, message) => {
    if (endpoint === 'authorize') mockPostExchange({}, providerError(message));
    else {
      mockPostExchange();
      mockUserInfo(providerError(message));
    }
    const agent = agentFor(strategy());
    await start(agent);
    const res = await callback(agent);
    expect(res.status).toBe(500);
    expect(res.body.error.name).toBe('KvixiAPIError');
    expect(res.body.error.code).toBe('ERR_KVIXI_API');
    expect(res.body.error.message).toContain(message);
  });

  it('fails the login with its own code when the Kvixi account was deleted ([])', async () => {
    mockPostExchange();
    mockUserInfo('[]');
    const agent = agentFor(strategy());
    await start(agent);
    const res = await callback(agent);
    expect(res.status).toBe(403);
    expect(res.body.failure).toEqual({
      code: 'ERR_KVIXI_USER_NOT_FOUND',
      message: 'This Kvixi account no longer exists.',
    });
  });

  it.each([
    ['an HTML page', '<html><body>Error establishing a database connection</body></html>'],
    ['malformed JSON', '{"user_info":'],
  ])('reports %s as an unexpected response', async (_case, body) => {
    mockPostExchange();
    mockUserInfo(body);
    const agent = agentFor(strategy());
    await start(agent);
    const res = await callback(agent);
    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe('ERR_KVIXI_UNEXPECTED_RESPONSE');
  });

  it('puts no secret in what the app receives when the provider fails', async () => {
    nock(BASE_URL).post('/api/authorize').reply(500, `app_secret=${APP_SECRET}&auth_key=${AUTH_KEY}`);
    const agent = agentFor(strategy());
    await start(agent);
    const res = await callback(agent);
    expect(res.status).toBe(500);
    expect(res.text).not.toContain(APP_SECRET);
    expect(res.text).not.toContain(AUTH_KEY);
  });

  describe('when the provider never answers', () => {
    let silent: Awaited<ReturnType<typeof startSilentServer>>;
    beforeAll(async () => {
      silent = await startSilentServer();
    });
    afterAll(() => silent.close());

    it('reports a timeout after the configured time', async () => {
      const agent = agentFor(strategy({ baseURL: silent.url, timeout: 150 }));
      await start(agent);
      const res = await callback(agent);
      expect(res.status).toBe(500);
      expect(res.body.error.code).toBe('ERR_KVIXI_TIMEOUT');
    });
  });
});

describe('verify', () => {
  async function login(kvixi: KvixiStrategy): Promise<request.Response> {
    mockSuccessfulLogin();
    const agent = agentFor(kvixi);
    await start(agent);
    return callback(agent);
  }

  it('receives the tokens and the mapped profile', async () => {
    let seen: { tokens: KvixiTokens; profile: KvixiProfile } | undefined;
    await login(
      strategy({}, (tokens, profile, done) => {
        seen = { tokens, profile };
        done(null, { id: profile.id });
      }),
    );
    expect(seen?.tokens.accessToken).toBe(ACCESS_TOKEN);
    expect(seen?.tokens.expiresAt).toBeInstanceOf(Date);
    expect(seen?.profile).toMatchObject({ provider: 'kvixi', id: '5', username: 'jane', gender: 'female' });
  });

  it('may return a promise of the user', async () => {
    const res = await login(strategy({}, async (_tokens, profile) => ({ id: profile.id, via: 'promise' })));
    expect(res.body.user).toEqual({ id: '5', via: 'promise' });
  });

  it('may be async and call done before it resolves (the types steer to returning the user)', async () => {
    const asyncWithDone = async (_tokens: KvixiTokens, profile: KvixiProfile, done: KvixiVerifyCallback) => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      done(null, { id: profile.id, via: 'done' });
    };
    const res = await login(strategy({}, asyncWithDone as unknown as KvixiVerify));
    expect(res.body.user).toEqual({ id: '5', via: 'done' });
  });

  it('reports an async verify that forgot to return the user, instead of hanging', async () => {
    const forgetful = async (_tokens: KvixiTokens, profile: KvixiProfile, done: KvixiVerifyCallback) => {
      setTimeout(() => done(null, { id: profile.id }), 10);
    };
    const res = await login(strategy({}, forgetful as unknown as KvixiVerify));
    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe('ERR_KVIXI_VERIFY_NO_RESULT');
    expect(res.body.error.message).toMatch(/return the user, or false/);
  });

  it('refuses the login when the promise resolves to false', async () => {
    const res = await login(strategy({}, async () => false));
    expect(res.status).toBe(401);
    expect(res.body.failure.message).toBe('The application refused this login.');
  });

  it("passes the app's own failure info through", async () => {
    const res = await login(strategy({}, (_t, _p, done) => done(null, false, { message: 'Banned', reason: 'abuse' })));
    expect(res.status).toBe(401);
    expect(res.body.failure).toEqual({ message: 'Banned', reason: 'abuse' });
  });

  it('turns a rejection into an application error', async () => {
    const res = await login(
      strategy({}, async () => {
        throw Object.assign(new Error('database down'), { code: 'EDB' });
      }),
    );
    expect(res.status).toBe(500);
    expect(res.body.error).toMatchObject({ message: 'database down', code: 'EDB' });
  });

  it('turns a synchronous throw into an application error', async () => {
    const res = await login(
      strategy({}, () => {
        throw new Error('bug in verify');
      }),
    );
    expect(res.status).toBe(500);
    expect(res.body.error.message).toBe('bug in verify');
  });

  it('reports only the first outcome when verify both calls done and rejects', async () => {
    const res = await login(
      strategy({}, async (_t, profile, done) => {
        done(null, { id: profile.id });
        throw new Error('too late');
      }),
    );
    expect(res.status).toBe(200);
    expect(res.body.user).toEqual({ id: '5' });
  });

  it('reports only the first outcome when done is called twice', async () => {
    const res = await login(
      strategy({}, (_t, profile, done) => {
        done(null, { id: profile.id, call: 1 });
        done(null, { id: profile.id, call: 2 });
      }),
    );
    expect(res.body.user).toEqual({ id: '5', call: 1 });
  });

  it('works through a (...args) wrapper such as NestJS builds', async () => {
    const inner = async (tokens: KvixiTokens, profile: KvixiProfile) => ({ id: profile.id, token: tokens.accessToken });
    const wrapper = (...args: unknown[]) => inner(...(args as [KvixiTokens, KvixiProfile]));
    const res = await login(strategy({}, wrapper as KvixiVerify));
    expect(res.body.user).toEqual({ id: '5', token: ACCESS_TOKEN });
  });

  it('receives the request first with passReqToCallback', async () => {
    mockSuccessfulLogin();
    const kvixi = new KvixiStrategy(
      { appId: APP_ID, appSecret: APP_SECRET, baseURL: BASE_URL, passReqToCallback: true },
      (req, tokens, profile, done) => done(null, { id: profile.id, header: req.headers['x-tenant'], token: tokens.accessToken }),
    );
    const agent = agentFor(kvixi);
    await start(agent);
    const res = await callback(agent).set('X-Tenant', 'acme');
    expect(res.body.user).toEqual({ id: '5', header: 'acme', token: ACCESS_TOKEN });
  });

  it('skips get_user_info with skipUserProfile', async () => {
    const exchange = mockPostExchange();
    const userInfo = mockUserInfo();
    const kvixi = new KvixiStrategy(
      { appId: APP_ID, appSecret: APP_SECRET, baseURL: BASE_URL, skipUserProfile: true },
      (tokens, profile, done) => done(null, { token: tokens.accessToken, profile: profile ?? 'none' }),
    );
    const agent = agentFor(kvixi);
    await start(agent);
    const res = await callback(agent);
    expect(res.body.user).toEqual({ token: ACCESS_TOKEN, profile: 'none' });
    exchange.done();
    expect(userInfo.isDone()).toBe(false);
  });
});

describe('options', () => {
  it.each([
    [{ appSecret: APP_SECRET }, 'KvixiStrategy requires an appId option'],
    [{ appId: '', appSecret: APP_SECRET }, 'KvixiStrategy requires an appId option'],
    [{ appId: APP_ID }, 'KvixiStrategy requires an appSecret option'],
    [{ appId: APP_ID, appSecret: '' }, 'KvixiStrategy requires an appSecret option'],
    [{ appId: APP_ID, appSecret: APP_SECRET, pendingLoginTTL: 0 }, 'pendingLoginTTL'],
    [{ appId: APP_ID, appSecret: APP_SECRET, uploadsURL: '/uploads' }, 'uploadsURL'],
    [{ appId: APP_ID, appSecret: APP_SECRET, callbackURL: '' }, 'callbackURL'],
  ])('throws a TypeError naming the bad option for %o', (options, message) => {
    expect(() => new KvixiStrategy(options as never, saveUser)).toThrow(TypeError);
    expect(() => new KvixiStrategy(options as never, saveUser)).toThrow(message);
  });

  it('throws a TypeError without a verify function', () => {
    expect(() => new KvixiStrategy({ appId: APP_ID, appSecret: APP_SECRET }, undefined as never)).toThrow(
      'KvixiStrategy requires a verify function',
    );
  });

  it('defaults to the name kvixi and the real site', () => {
    const kvixi = new KvixiStrategy({ appId: APP_ID, appSecret: APP_SECRET }, saveUser);
    expect(kvixi.name).toBe('kvixi');
    expect(kvixi.client.authorizationURL()).toBe(`https://kvixi.com/api/oauth?app_id=${APP_ID}`);
  });

  it('resolves user_picture against uploadsURL when given', async () => {
    mockPostExchange();
    mockUserInfo(JSON.stringify({ user_info: { user_id: '5', user_picture: 'photos/a.jpg' } }));
    const kvixi = strategy({ uploadsURL: 'https://cdn.kvixi.test/u' }, (_t, profile, done) => done(null, { photos: profile.photos }));
    const agent = agentFor(kvixi);
    await start(agent);
    expect((await callback(agent)).body.user.photos).toEqual([{ value: 'https://cdn.kvixi.test/u/photos/a.jpg' }]);
  });
});
