import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import { connectRedisSessions, type RedisSessions } from '../../example-app/redis.js';
import { withDeadline } from '../support/deadline.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KvixiEmulator } from '../../lib/emulator/index.js';
import { listen, logIn, pageText, startProvider, startSite, stopSite, type ExampleSite } from './support/site.js';
import { HttpBrowser } from '../support/http-browser.js';
import { freePort, skipRedisTests, startRedis, stopRedis } from './support/redis.js';

/** Each instance has its own connection, as separate processes would, set up as the app sets it up. */
function redisStore(port: number) {
  return connectRedisSessions(`redis://127.0.0.1:${port}`);
}

/** The session id in a signed express-session cookie value (`s:<id>.<signature>`). */
function sessionIdOf(browser: HttpBrowser, url: string): string {
  const value = decodeURIComponent(browser.cookies(url).get('kvixi-example.sid') ?? '');
  return value.slice(2, value.lastIndexOf('.'));
}

/** Polls `url` while it answers 503; fails the test if it still does after 10 s. */
async function statusOnceRecovered(browser: HttpBrowser, url: string): Promise<number> {
  return withDeadline(
    (async () => {
      for (;;) {
        const { status } = await browser.go(url);
        if (status !== 503) return status;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })(),
    10_000,
    `${url} recovering after Redis returned`,
  );
}

describe.skipIf(skipRedisTests)('several instances sharing sessions in Redis', () => {
  let dir: string;
  let port: number;
  let redis: ChildProcess | undefined;
  let emu: KvixiEmulator;
  let a: ExampleSite;
  let b: ExampleSite;
  let sessions: RedisSessions[] = [];
  let appId: string;
  let janeId: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kvixi-redis-'));
    port = await freePort();
    redis = await startRedis(port, dir);
    emu = await startProvider();
    janeId = emu.users.find((u) => u.username === 'jane')!.userId;

    const listeningA = await listen();
    const listeningB = await listen();
    // Kvixi sends every callback to one redirect URL: here, instance B's.
    const app = emu.registerApp({ name: 'Example', redirectURL: `${listeningB.url}/auth/kvixi/callback` });
    appId = app.appId;
    const dbFile = join(dir, 'app.db');
    const [storeA, storeB] = await Promise.all([redisStore(port), redisStore(port)]);
    sessions = [storeA, storeB];
    a = await startSite(emu, { ...app, listening: listeningA, dbFile, sessionStore: storeA.store, claimStore: storeA.claimStore });
    b = await startSite(emu, { ...app, listening: listeningB, dbFile, sessionStore: storeB.store, claimStore: storeB.claimStore });
  });

  afterAll(async () => {
    await stopSite(a);
    await stopSite(b);
    for (const session of sessions) await session.close();
    await emu?.close();
    await stopRedis(redis);
    rmSync(dir, { recursive: true, force: true });
  });

  it('completes on instance B a login started on instance A, and both then show the profile', async () => {
    const browser = new HttpBrowser();
    const { callback } = await logIn(browser, a, emu, appId, janeId, '/auth/kvixi', b);
    expect(callback.location).toBe(`${b.url}/profile`);
    for (const site of [a, b]) {
      const profile = await browser.go(`${site.url}/profile`);
      expect(profile.status).toBe(200);
      expect(profile.text).toContain('Jane O&#39;Brien');
    }
  });

  it('shows a clear error while Redis is down and recovers when it returns', async () => {
    const browser = new HttpBrowser();
    await logIn(browser, a, emu, appId, janeId, '/auth/kvixi', b);
    expect((await browser.go(`${a.url}/profile`)).status).toBe(200);

    await stopRedis(redis);
    const down = await browser.go(`${a.url}/profile`);
    expect(down.status).toBe(503);
    expect(down.text).toContain('Logging in is unavailable right now');
    expect((await browser.go(`${b.url}/`)).status).toBe(503);

    redis = await startRedis(port, dir);
    expect(await statusOnceRecovered(browser, `${a.url}/`)).toBe(200);
    // Redis kept nothing on disk, so the old session is gone: the user logs in again and it works.
    expect((await browser.go(`${a.url}/profile`)).status).toBe(302);
    const { callback } = await logIn(browser, a, emu, appId, janeId, '/auth/kvixi', b);
    expect(callback.location).toBe(`${b.url}/profile`);
    expect((await browser.go(`${a.url}/profile`)).status).toBe(200);
  });
  it('answers 503 within 2 s while Redis stops answering (SIGSTOP), and recovers on SIGCONT', async () => {
    const browser = new HttpBrowser();
    await logIn(browser, a, emu, appId, janeId, '/auth/kvixi', b);
    expect((await browser.go(`${a.url}/profile`)).status).toBe(200);

    redis!.kill('SIGSTOP');
    try {
      const started = performance.now();
      const [profile, home] = await withDeadline(
        Promise.all([browser.go(`${a.url}/profile`), browser.go(`${b.url}/`)]),
        5000,
        'pages while Redis is stopped',
      );
      const elapsed = performance.now() - started;
      console.log(`Redis stopped (SIGSTOP): /profile on A answered ${profile.status}, / on B ${home.status}, within ${elapsed.toFixed(0)} ms`);
      expect(profile.status).toBe(503);
      expect(pageText(profile.text).title).toBe('Logging in is unavailable right now');
      expect(home.status).toBe(503);
      expect(elapsed).toBeLessThan(2000);
    } finally {
      redis!.kill('SIGCONT');
    }
    // Redis only paused: the session is still there.
    expect(await statusOnceRecovered(browser, `${a.url}/profile`)).toBe(200);
    expect((await browser.go(`${a.url}/profile`)).text).toContain('Jane O&#39;Brien');
  });

  it('answers 503, not 500, when Redis is killed in the middle of a callback, and recovers', async () => {
    const browser = new HttpBrowser();
    const started = await browser.go(`${a.url}/auth/kvixi`);
    expect(started.status).toBe(302);
    // The token exchange takes half a second; Redis dies while the callback waits for it.
    emu.failNext('authorize', { type: 'delay', ms: 500 });
    const authKey = emu.issueAuthKey({ appId, userId: janeId });
    const callback = browser.go(`${b.url}/auth/kvixi/callback?auth_key=${authKey}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const killed = new Promise((resolve) => redis!.once('exit', resolve));
    redis!.kill('SIGKILL');
    await killed;
    const answer = await withDeadline(callback, 5000, 'the callback after Redis was killed');
    expect(answer.status).toBe(503);
    expect(pageText(answer.text).title).toBe('Logging in is unavailable right now');
    expect(pageText(answer.text).buttons).toContain('Try again');

    redis = await startRedis(port, dir);
    // This browser has a session cookie, so its pages read the store: 200 means Redis is back.
    expect(await statusOnceRecovered(browser, `${a.url}/`)).toBe(200);
    const { callback: again } = await logIn(browser, a, emu, appId, janeId, '/auth/kvixi', b);
    expect(again.location).toBe(`${b.url}/profile`);
  });

  it('stores a session that never logs in only as long as its pending login', async () => {
    const browser = new HttpBrowser();
    await browser.go(`${a.url}/auth/kvixi`);
    const reader = createClient({ url: `redis://127.0.0.1:${port}` });
    await reader.connect();
    try {
      const ttl = await reader.ttl(`kvixi-example:${sessionIdOf(browser, a.url)}`);
      expect(ttl).toBeGreaterThan(500);
      expect(ttl).toBeLessThanOrEqual(600);
      await logIn(browser, a, emu, appId, janeId, '/auth/kvixi', b);
      const signedIn = await reader.ttl(`kvixi-example:${sessionIdOf(browser, b.url)}`);
      expect(signedIn).toBeGreaterThan(6 * 24 * 3600);
    } finally {
      reader.destroy();
    }
  });
});
