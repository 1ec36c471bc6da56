import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { KvixiProfile, KvixiVerify } from '../lib/index.js';
import { appCodeHost } from './support/app-code-host.js';
import { withDeadline } from './support/deadline.js';
import { AUTH_KEY, mockSuccessfulLogin } from './support/provider.js';

// A synchronous verify that returns its outcome (`(tokens, profile) => users.upsert(profile)`,
// as with better-sqlite3) instead of calling done: the value is the outcome, as a promise's would
// be. Before, such a login hung forever; the deadline fails the test instead.
beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

async function logIn(verify: KvixiVerify) {
  const { agent, errors } = appCodeHost(verify);
  await agent.get('/auth/kvixi').expect(302);
  mockSuccessfulLogin();
  const res = await withDeadline(Promise.resolve(agent.get(`/auth/kvixi/callback?auth_key=${AUTH_KEY}`)), 2_000, 'the callback');
  const me = await agent.get('/me');
  return { status: res.status, body: res.body as unknown, signedIn: (me.body as { user: unknown }).user, errors: errors.length };
}

/** A synchronous database, as better-sqlite3 gives: upsert returns the row. */
const users = {
  rows: new Map<string, { id: string; name: string }>(),
  upsert(profile: KvixiProfile) {
    const row = { id: profile.id, name: profile.displayName };
    this.rows.set(row.id, row);
    return row;
  },
};

describe('a verify that returns its outcome without calling done', () => {
  it('signs in the user it returns', async () => {
    expect(await logIn((_tokens, profile) => users.upsert(profile))).toEqual({
      status: 200,
      body: { user: { id: '5', name: "Jane O'Brien" } },
      signedIn: { id: '5', name: "Jane O'Brien" },
      errors: 0,
    });
  });

  it('refuses the login when it returns false', async () => {
    expect(await logIn(() => false)).toEqual({ status: 401, body: { failed: true }, signedIn: null, errors: 0 });
  });

  it('signs in with an id it returns, as done(null, id) would (JavaScript)', async () => {
    const returnsId = ((_tokens: unknown, profile: KvixiProfile) => Number(profile.id)) as unknown as KvixiVerify;
    expect(await logIn(returnsId)).toEqual({ status: 200, body: { user: 5 }, signedIn: 5, errors: 0 });
  });

  it('keeps the first outcome when it calls done and then returns something else', async () => {
    const both = ((_tokens: unknown, profile: KvixiProfile, done: (err: unknown, user: unknown) => void) => {
      done(null, { id: profile.id, via: 'done' });
      return { id: profile.id, via: 'return' };
    }) as unknown as KvixiVerify;
    expect(await logIn(both)).toMatchObject({ status: 200, signedIn: { id: '5', via: 'done' } });
  });
});
