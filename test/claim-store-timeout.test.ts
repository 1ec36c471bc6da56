import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KvixiMemoryClaimStore, KvixiRedisClaimStore, type KvixiClaimStore, type KvixiVerify } from '../lib/index.js';
import { appCodeHost } from './support/app-code-host.js';
import { withDeadline } from './support/deadline.js';
import { freePort, skipRedisTests, startRedis, stopRedis } from './example-app/support/redis.js';
import { AUTH_KEY, mockSuccessfulLogin } from './support/provider.js';

// A claim is the app's own code too (its database, its Redis): one that never answers ends the
// callback after appTimeout in ERR_KVIXI_STORE_TIMEOUT, before the auth_key goes anywhere, instead
// of a request that hangs. The deadline, well past appTimeout, fails a test whose request hangs.
beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

const APP_TIMEOUT = 200;
const keepUser: KvixiVerify = async (_tokens, profile) => ({ id: profile.id });

async function startAndCallBack(claimStore: KvixiClaimStore) {
  const host = appCodeHost(keepUser, { appTimeout: APP_TIMEOUT, claimStore });
  await host.agent.get('/auth/kvixi').expect(302);
  mockSuccessfulLogin();
  const res = await withDeadline(Promise.resolve(host.agent.get(`/auth/kvixi/callback?auth_key=${AUTH_KEY}`)), 3_000, 'the callback');
  const signedIn = ((await host.agent.get('/me')).body as { user: unknown }).user;
  return { host, status: res.status, code: (res.body as { error?: { code?: string } }).error?.code, signedIn };
}

describe('a claim store that never answers', () => {
  it('ends the callback in ERR_KVIXI_STORE_TIMEOUT naming claimStore.claim(), without asking Kvixi', async () => {
    const { host, status, code, signedIn } = await startAndCallBack({ claim: () => new Promise<boolean>(() => undefined) });
    expect({ status, code, signedIn }).toEqual({ status: 500, code: 'ERR_KVIXI_STORE_TIMEOUT', signedIn: null });
    expect(host.errors.map((err) => err.message)).toEqual([
      'KvixiStrategy claimStore.claim() did not settle within 200 ms (appTimeout)',
    ]);
    expect(host.fetches).toEqual([]);
  });

  it('ends the callback in ERR_KVIXI_STORE_TIMEOUT when a KvixiMemoryClaimStore subclass overrides claim with one that hangs', async () => {
    // The default store's own claim settles at once and gets no timer; an override is the app's code.
    class Hanging extends KvixiMemoryClaimStore {
      override claim(): Promise<boolean> {
        return new Promise<boolean>(() => undefined);
      }
    }
    const { host, code, signedIn } = await startAndCallBack(new Hanging());
    expect({ code, signedIn }).toEqual({ code: 'ERR_KVIXI_STORE_TIMEOUT', signedIn: null });
    expect(host.fetches).toEqual([]);
  });

  it("ends the callback in ERR_KVIXI_STORE_TIMEOUT when claiming the browser's other logins after verify hangs, and nobody is signed in", async () => {
    let claims = 0;
    const host = appCodeHost(keepUser, {
      appTimeout: APP_TIMEOUT,
      claimStore: { claim: async () => (++claims === 1 ? true : new Promise<boolean>(() => undefined)) },
    });
    await host.agent.get('/auth/kvixi').expect(302);
    await host.agent.get('/auth/kvixi').expect(302);
    mockSuccessfulLogin();
    const res = await withDeadline(Promise.resolve(host.agent.get(`/auth/kvixi/callback?auth_key=${AUTH_KEY}`)), 3_000, 'the callback');
    expect({ status: res.status, code: (res.body as { error?: { code?: string } }).error?.code }).toEqual({
      status: 500,
      code: 'ERR_KVIXI_STORE_TIMEOUT',
    });
    expect(((await host.agent.get('/me')).body as { user: unknown }).user).toBeNull();
  });
});

describe.skipIf(skipRedisTests)('KvixiRedisClaimStore on a Redis that stops answering (SIGSTOP)', () => {
  let redis: ChildProcess | undefined;
  let dir: string;
  let port: number;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kvixi-claim-timeout-'));
    port = await freePort();
    redis = await startRedis(port, dir);
  });
  afterAll(async () => {
    redis?.kill('SIGCONT');
    await stopRedis(redis);
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers the callback with ERR_KVIXI_STORE_TIMEOUT after appTimeout, without asking Kvixi, and signs in once Redis resumes', async () => {
    // The README's client: node-redis sets no command timeout, so a stopped Redis never answers.
    const client = await createClient({ url: `redis://127.0.0.1:${port}`, disableOfflineQueue: true }).connect();
    try {
      redis!.kill('SIGSTOP');
      let stopped;
      try {
        stopped = await startAndCallBack(new KvixiRedisClaimStore(client));
      } finally {
        redis!.kill('SIGCONT');
      }
      expect({ status: stopped.status, code: stopped.code, signedIn: stopped.signedIn }).toEqual({
        status: 500,
        code: 'ERR_KVIXI_STORE_TIMEOUT',
        signedIn: null,
      });
      expect(stopped.host.fetches).toEqual([]);

      const resumed = await startAndCallBack(new KvixiRedisClaimStore(client));
      expect({ status: resumed.status, signedIn: resumed.signedIn }).toEqual({ status: 200, signedIn: { id: '5' } });
    } finally {
      await client.quit();
    }
  });
});
