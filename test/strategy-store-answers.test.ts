import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { KvixiConsumeResult, KvixiPendingLoginStore, KvixiVerify } from '../lib/index.js';
import { appCodeHost } from './support/app-code-host.js';
import { AUTH_KEY } from './support/provider.js';

// A custom store whose consume() answers something that is no KvixiConsumeResult is the store's
// bug: the login stops there, as an error naming the store method, before the auth_key leaves the
// process and before verify (a database upsert) runs. No provider is mocked and the network is
// closed: a request to Kvixi would show in `fetches` and fail differently.
beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

function storeAnswering(answer: unknown): KvixiPendingLoginStore {
  return {
    add: async () => undefined,
    consume: async () => answer as KvixiConsumeResult,
    clear: async () => undefined,
  };
}

describe("a custom store's bad answer to consume()", () => {
  it.each([
    ['an unknown status', { status: 'valid', login: { nonce: 'n', createdAt: Date.now() } }, 'returned status "valid": it must resolve'],
    ['found without a login', { status: 'found' }, "returned status 'found' without a login"],
    ['found with a login without its nonce', { status: 'found', login: { createdAt: Date.now() } }, "returned status 'found' without a login"],
    ['found with a login whose createdAt is no number', { status: 'found', login: { nonce: 'n', createdAt: '2026-01-01' } }, "returned status 'found' without a login"],
    ['an object without a status', { found: true }, 'returned an object without a status'],
    ['nothing', undefined, 'returned undefined: it must resolve'],
    ['a bare string', 'found', 'returned found: it must resolve'],
  ])('%s is a TypeError naming store.consume(), before Kvixi is asked or verify runs', async (_what, answer, message) => {
    let verifyRuns = 0;
    const verify: KvixiVerify = async (_tokens, profile) => {
      verifyRuns++;
      return { id: profile.id };
    };
    const { agent, errors, fetches } = appCodeHost(verify, { store: storeAnswering(answer) });
    await agent.get('/auth/kvixi').expect(302);
    const res = await agent.get(`/auth/kvixi/callback?auth_key=${AUTH_KEY}`);
    expect(res.status).toBe(500);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(TypeError);
    expect(errors[0]?.message).toContain(`KvixiStrategy store.consume() ${message}`);
    expect({ fetches, verifyRuns }).toEqual({ fetches: [], verifyRuns: 0 });
  });

  it('still lets a well-formed answer through, with fields of its own', async () => {
    const { agent } = appCodeHost(async () => false, {
      store: storeAnswering({ status: 'expired', reason: 'a field a newer store adds' }),
    });
    await agent.get('/auth/kvixi').expect(302);
    expect((await agent.get(`/auth/kvixi/callback?auth_key=${AUTH_KEY}`)).status).toBe(401);
  });
});
