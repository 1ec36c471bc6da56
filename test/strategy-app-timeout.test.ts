import session from 'express-session';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KvixiSessionStore, KvixiStrategy, type KvixiPendingLoginStore, type KvixiVerify } from '../lib/index.js';
import { appCodeHost } from './support/app-code-host.js';
import { withDeadline } from './support/deadline.js';
import { APP_ID, APP_SECRET, AUTH_KEY, mockSuccessfulLogin } from './support/provider.js';

// appTimeout bounds the app's own code: a verify or a store call that never settles ends the
// login in one clear error instead of a request that hangs; whatever it does later is ignored.
// The deadline, well past appTimeout, fails a test whose request hangs.
beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

const APP_TIMEOUT = 150;
const never = () => new Promise<never>(() => undefined);
const later = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

type Host = ReturnType<typeof appCodeHost>;

async function callback(host: Host) {
  await host.agent.get('/auth/kvixi').expect(302);
  mockSuccessfulLogin();
  const res = await withDeadline(Promise.resolve(host.agent.get(`/auth/kvixi/callback?auth_key=${AUTH_KEY}`)), 2_000, 'the callback');
  return { status: res.status, code: (res.body as { error?: { code?: string } }).error?.code };
}

/** After a late outcome had time to arrive: how many errors the app saw, and who is signed in. */
async function afterLateOutcome(host: Host) {
  await new Promise((resolve) => setTimeout(resolve, 400));
  return { errors: host.errors.length, signedIn: ((await host.agent.get('/me')).body as { user: unknown }).user };
}

describe('a verify that never finishes', () => {
  it('ends in ERR_KVIXI_VERIFY_TIMEOUT when its promise settles too late, and the late user is not signed in', async () => {
    const host = appCodeHost(() => later(300, { id: 'late' }), { appTimeout: APP_TIMEOUT });
    expect(await callback(host)).toEqual({ status: 500, code: 'ERR_KVIXI_VERIFY_TIMEOUT' });
    expect(host.errors[0]?.message).toBe(
      'verify did not finish within 150 ms (appTimeout): call done, or return the user, false or a promise of one',
    );
    expect(await afterLateOutcome(host)).toEqual({ errors: 1, signedIn: null });
  });

  it('ends in ERR_KVIXI_VERIFY_TIMEOUT when it returns a thenable that never settles', async () => {
    const host = appCodeHost((() => ({ then: () => undefined })) as unknown as KvixiVerify, { appTimeout: APP_TIMEOUT });
    expect(await callback(host)).toEqual({ status: 500, code: 'ERR_KVIXI_VERIFY_TIMEOUT' });
  });

  it('ends in ERR_KVIXI_VERIFY_TIMEOUT when it never calls done, and a late done is ignored', async () => {
    const host = appCodeHost(
      (_tokens, profile, done) => {
        setTimeout(() => done(null, { id: profile.id }), 300);
      },
      { appTimeout: APP_TIMEOUT },
    );
    expect(await callback(host)).toEqual({ status: 500, code: 'ERR_KVIXI_VERIFY_TIMEOUT' });
    expect(await afterLateOutcome(host)).toEqual({ errors: 1, signedIn: null });
  });

  it('ends in ERR_KVIXI_VERIFY_TIMEOUT when a late rejection follows, without an unhandled rejection', async () => {
    const host = appCodeHost(
      () => later(300, undefined).then(() => Promise.reject(new Error('database gave up'))),
      { appTimeout: APP_TIMEOUT },
    );
    expect(await callback(host)).toEqual({ status: 500, code: 'ERR_KVIXI_VERIFY_TIMEOUT' });
    // Vitest fails the run on an unhandled rejection.
    expect(await afterLateOutcome(host)).toEqual({ errors: 1, signedIn: null });
  });
});

/** A custom store that works, except for the one method that never settles. */
function storeHanging(method: keyof KvixiPendingLoginStore): KvixiPendingLoginStore {
  const inner = new KvixiSessionStore();
  return {
    add: method === 'add' ? never : (req, login, context) => inner.add(req, login, context),
    consume: method === 'consume' ? never : (req, context) => inner.consume(req, context),
    clear: method === 'clear' ? never : (req, context) => inner.clear(req, context),
  };
}

const keepUser: KvixiVerify = async (_tokens, profile) => ({ id: profile.id });

describe('a store call that never settles', () => {
  it('at the start: ERR_KVIXI_STORE_TIMEOUT, and no redirect to Kvixi', async () => {
    const host = appCodeHost(keepUser, { appTimeout: APP_TIMEOUT, store: storeHanging('add') });
    const res = await withDeadline(Promise.resolve(host.agent.get('/auth/kvixi')), 2_000, 'the start');
    expect({ status: res.status, code: res.body.error?.code, location: res.headers.location }).toEqual({
      status: 500,
      code: 'ERR_KVIXI_STORE_TIMEOUT',
      location: undefined,
    });
    expect(host.errors[0]?.message).toMatch(/^KvixiStrategy store\.add\(\) did not settle within 150 ms \(appTimeout\)/);
  });

  it('consuming the pending login: ERR_KVIXI_STORE_TIMEOUT, before anything is sent to Kvixi', async () => {
    const host = appCodeHost(keepUser, { appTimeout: APP_TIMEOUT, store: storeHanging('consume') });
    expect(await callback(host)).toEqual({ status: 500, code: 'ERR_KVIXI_STORE_TIMEOUT' });
    expect(host.errors[0]?.message).toMatch(/^KvixiStrategy store\.consume\(\) did not settle/);
    expect(host.fetches).toEqual([]);
  });

  it('clearing after verify: ERR_KVIXI_STORE_TIMEOUT, and nobody is signed in', async () => {
    const host = appCodeHost(keepUser, { appTimeout: APP_TIMEOUT, store: storeHanging('clear') });
    expect(await callback(host)).toEqual({ status: 500, code: 'ERR_KVIXI_STORE_TIMEOUT' });
    expect(await afterLateOutcome(host)).toEqual({ errors: 1, signedIn: null });
  });

  // The strategy calls KvixiSessionStore's own methods without a timer (they settle at once):
  // a subclass's override is the app's code again, and gets appTimeout.
  it.each(['add', 'consume', 'clear'] as const)('in a KvixiSessionStore subclass whose %s never settles: ERR_KVIXI_STORE_TIMEOUT', async (method) => {
    class Hanging extends KvixiSessionStore {}
    Object.defineProperty(Hanging.prototype, method, { value: never });
    const host = appCodeHost(keepUser, { appTimeout: APP_TIMEOUT, store: new Hanging() });
    if (method === 'add') {
      const res = await withDeadline(Promise.resolve(host.agent.get('/auth/kvixi')), 2_000, 'the start');
      expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 500, code: 'ERR_KVIXI_STORE_TIMEOUT' });
    } else {
      expect(await callback(host)).toEqual({ status: 500, code: 'ERR_KVIXI_STORE_TIMEOUT' });
    }
    expect(host.errors.map((err) => err.message.split(' did not')[0])).toEqual([`KvixiStrategy store.${method}()`]);
  });

  it("with the default store, a session store whose save never calls back: ERR_KVIXI_STORE_TIMEOUT at the start", async () => {
    class SaveNeverAnswers extends session.Store {
      get(_sid: string, callback: (err: unknown, session?: session.SessionData | null) => void) {
        callback(null, null);
      }
      set() {
        // Never calls back: a database connection that hangs.
      }
      destroy(_sid: string, callback?: (err?: unknown) => void) {
        callback?.();
      }
    }
    const host = appCodeHost(keepUser, { appTimeout: APP_TIMEOUT }, new SaveNeverAnswers());
    const res = await withDeadline(Promise.resolve(host.agent.get('/auth/kvixi')), 2_000, 'the start');
    expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 500, code: 'ERR_KVIXI_STORE_TIMEOUT' });
    expect(host.errors[0]?.message).toContain("with the default store, the session's save() did not call back");
  });
});

describe('the appTimeout option', () => {
  it.each([0, -1, Number.POSITIVE_INFINITY, Number.NaN, '30000', 2_147_483_648])('refuses %s with a TypeError naming it', (appTimeout) => {
    const construct = () => new KvixiStrategy({ appId: APP_ID, appSecret: APP_SECRET, appTimeout: appTimeout as number }, keepUser);
    expect(construct).toThrow(TypeError);
    expect(construct).toThrow(/^KvixiStrategy appTimeout must be a positive number no greater than 2147483647, got /);
  });
});
