import diagnostics_channel from 'node:diagnostics_channel';
import { inspect } from 'node:util';
import nock from 'nock';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KVIXI_CHANNELS, KvixiStrategy, type KvixiLoginOutcome, type KvixiVerify } from '../lib/index.js';
import { buildApp } from './support/app.js';
import {
  ACCESS_TOKEN,
  APP_ID,
  APP_SECRET,
  AUTH_KEY,
  BASE_URL,
  mockPostExchange,
  mockSuccessfulLogin,
  mockUserInfo,
  phpJSON,
  providerError,
} from './support/provider.js';

// Every channel the strategy publishes on, watched during logins that succeed, fail and error.

const PHASES = ['start', 'callback', 'exchange', 'userInfo', 'verify'] as const;
const EVENTS = ['start', 'end', 'asyncStart', 'asyncEnd', 'error'] as const;

interface Published {
  channel: string;
  message: unknown;
  /** As the message read when it was published: a context object changes between events. */
  text: string;
}

let published: Published[] = [];
const unsubscribers: (() => void)[] = [];

function watchEveryChannel(): void {
  for (const phase of PHASES) {
    for (const event of EVENTS) {
      const name = `tracing:${KVIXI_CHANNELS[phase]}:${event}`;
      const listener = (message: unknown) => published.push({ channel: name, message, text: snapshot(message) });
      diagnostics_channel.subscribe(name, listener);
      unsubscribers.push(() => diagnostics_channel.unsubscribe(name, listener));
    }
  }
  const listener = (message: unknown) => published.push({ channel: KVIXI_CHANNELS.outcome, message, text: snapshot(message) });
  diagnostics_channel.subscribe(KVIXI_CHANNELS.outcome, listener);
  unsubscribers.push(() => diagnostics_channel.unsubscribe(KVIXI_CHANNELS.outcome, listener));
}

function snapshot(message: unknown): string {
  const error = (message as { error?: unknown } | null)?.error;
  return `${inspect(message, { depth: 8, showHidden: true })} ${JSON.stringify(message)} ${error instanceof Error ? `${error.stack} ${inspect(error.cause, { depth: 8 })}` : ''}`;
}

const outcomesOf = () => published.filter((p) => p.channel === KVIXI_CHANNELS.outcome).map((p) => p.message as KvixiLoginOutcome);
const eventsOf = (phase: (typeof PHASES)[number]) =>
  published.filter((p) => p.channel.startsWith(`tracing:${KVIXI_CHANNELS[phase]}:`)).map((p) => p.channel.split(':').pop());

const verify: KvixiVerify = (_tokens, profile, done) => done(null, { id: profile.id, name: profile.displayName });
const agentFor = (options: object = {}, verifyFn: KvixiVerify = verify) =>
  request.agent(
    buildApp(new KvixiStrategy({ appId: APP_ID, appSecret: APP_SECRET, baseURL: BASE_URL, callbackURL: '/auth/kvixi/callback', ...options }, verifyFn)),
  );

/** Nothing published may carry a secret or personal data, in any letter case. */
function expectNothingSecret(extra: string[] = []): void {
  const secrets = [APP_SECRET, AUTH_KEY, ACCESS_TOKEN, 'jane@example.com', 'Jane', "O'Brien", 'O&#039;Brien', 'connect.sid', ...extra];
  for (const { channel, text } of published) {
    for (const secret of secrets) {
      expect(text.toLowerCase(), `${channel} carried ${secret}`).not.toContain(secret.toLowerCase());
    }
  }
}

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});
beforeEach(() => {
  published = [];
  watchEveryChannel();
});
afterEach(() => {
  for (const unsubscribe of unsubscribers.splice(0)) unsubscribe();
  nock.cleanAll();
});
afterAll(() => nock.enableNetConnect());

describe('login telemetry on node:diagnostics_channel', () => {
  it('traces every phase of a successful login and publishes one success with the Kvixi user id', async () => {
    const agent = agentFor();
    await agent.get('/auth/kvixi').expect(302);
    mockSuccessfulLogin();
    const cookie = (await agent.get('/me')).headers['set-cookie'];
    await agent.get(`/auth/kvixi/callback?auth_key=${AUTH_KEY}`).expect(200);

    for (const phase of ['start', 'callback', 'exchange', 'userInfo', 'verify'] as const) {
      expect(eventsOf(phase), phase).toEqual(['start', 'end', 'asyncStart', 'asyncEnd']);
    }
    const outcomes = outcomesOf();
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]).toMatchObject({ strategy: 'kvixi', origin: BASE_URL, phase: 'callback', outcome: 'success', userId: '5' });
    expect(outcomes[0]!.durationMs).toBeGreaterThan(0);
    const context = published.find((p) => p.channel === `tracing:${KVIXI_CHANNELS.exchange}:start`)?.message;
    expect(context).toEqual({ strategy: 'kvixi', origin: BASE_URL, endpoint: 'authorize' });
    expectNothingSecret(typeof cookie?.[0] === 'string' ? [cookie[0].split(';')[0]!] : []);
  });

  it('publishes a failure with its code for a forged callback, and a refused start', async () => {
    const agent = agentFor();
    await agent.get(`/auth/kvixi/callback?auth_key=${AUTH_KEY}`).expect(403);
    await agent.get('/auth/kvixi').set('Sec-Fetch-Site', 'cross-site').expect(200);
    expect(outcomesOf().map(({ phase, outcome, code }) => ({ phase, outcome, code }))).toEqual([
      { phase: 'callback', outcome: 'failure', code: 'ERR_KVIXI_NO_PENDING_LOGIN' },
      { phase: 'start', outcome: 'failure', code: 'ERR_KVIXI_CROSS_SITE_START' },
    ]);
    expect(eventsOf('exchange')).toEqual([]);
    expectNothingSecret();
  });

  it('publishes a failure when verify refuses, and no user id', async () => {
    const agent = agentFor({}, (_tokens, _profile, done) => done(null, false));
    await agent.get('/auth/kvixi').expect(302);
    mockSuccessfulLogin();
    await agent.get(`/auth/kvixi/callback?auth_key=${AUTH_KEY}`).expect(401);
    expect(outcomesOf()).toMatchObject([{ outcome: 'failure', code: 'ERR_KVIXI_VERIFY_REFUSED' }]);
    expect(outcomesOf()[0]).not.toHaveProperty('userId');
  });

  it('publishes an error, and the phase error, when a hostile provider echoes every secret, none of which is published', async () => {
    const agent = agentFor();
    await agent.get('/auth/kvixi').expect(302);
    const echo = `Bad Request, invalid app_secret ${APP_SECRET} ${AUTH_KEY.toUpperCase()} for jane@example.com`;
    mockPostExchange({}, providerError(echo));
    await agent.get(`/auth/kvixi/callback?auth_key=${AUTH_KEY}`).expect(500);
    expect(eventsOf('exchange')).toEqual(['start', 'end', 'error', 'asyncStart', 'asyncEnd']);
    expect(outcomesOf()).toMatchObject([{ outcome: 'error', code: 'ERR_KVIXI_API', errorName: 'KvixiAPIError', endpoint: 'authorize' }]);
    expectNothingSecret();
  });

  it('publishes nothing secret when user info echoes the token in HTML, or the reply is not JSON', async () => {
    const agent = agentFor();
    await agent.get('/auth/kvixi').expect(302);
    mockPostExchange();
    mockUserInfo(`<b>Warning</b>: token ${ACCESS_TOKEN} for jane@example.com ${phpJSON({ nope: ACCESS_TOKEN })}`);
    await agent.get(`/auth/kvixi/callback?auth_key=${AUTH_KEY}`).expect(500);
    expect(eventsOf('userInfo')).toContain('error');
    expect(outcomesOf()).toMatchObject([{ outcome: 'error', code: 'ERR_KVIXI_UNEXPECTED_RESPONSE', endpoint: 'get_user_info', status: 502 }]);
    expectNothingSecret();
  });

  it('reports the error of a verify that throws on its own channel and as the outcome', async () => {
    const agent = agentFor({}, () => {
      throw Object.assign(new Error('database down'), { code: 'EDB' });
    });
    await agent.get('/auth/kvixi').expect(302);
    mockSuccessfulLogin();
    await agent.get(`/auth/kvixi/callback?auth_key=${AUTH_KEY}`).expect(500);
    expect(eventsOf('verify')).toEqual(['start', 'end', 'error', 'asyncStart', 'asyncEnd']);
    expect(outcomesOf()).toMatchObject([{ outcome: 'error', code: 'EDB', errorName: 'Error' }]);
    // The app's own message may hold anything: only its name and code are published.
    expectNothingSecret(['database down']);
  });

  it('publishes on no channel while nobody subscribes', async () => {
    for (const unsubscribe of unsubscribers.splice(0)) unsubscribe();
    for (const phase of PHASES) expect(diagnostics_channel.tracingChannel(KVIXI_CHANNELS[phase]).hasSubscribers).toBe(false);
    const agent = agentFor();
    await agent.get('/auth/kvixi').expect(302);
    mockSuccessfulLogin();
    await agent.get(`/auth/kvixi/callback?auth_key=${AUTH_KEY}`).expect(200);
    expect(published).toEqual([]);
  });
});
