import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisStore } from 'connect-redis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KvixiEmulator } from '../../lib/emulator/index.js';
import { listen, logIn, startProvider, startSite, stopSite, type ExampleSite } from './support/site.js';
import { HttpBrowser } from '../support/http-browser.js';

const redisServer = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((path) => existsSync(path));
const redisRequired = process.env.CI === 'true' || process.env.KVIXI_REQUIRE_REDIS === '1';
const skipRedisTests = !redisServer && !redisRequired;
if (skipRedisTests) console.warn('Skipping the Redis tests: redis-server is not installed (apt-get install redis-server). CI requires it.');

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** A throwaway redis-server on loopback that keeps nothing on disk. */
async function startRedis(port: number, dir: string): Promise<ChildProcess> {
  if (!redisServer) throw new Error('redis-server is not installed: apt-get install redis-server');
  const child = spawn(redisServer, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('redis-server did not start within 10 s')), 10_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with code ${code}`));
    });
  });
  return child;
}

async function stopRedis(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** Each instance has its own connection, as separate processes would. */
function redisStore(port: number) {
  const client = createClient({
    url: `redis://127.0.0.1:${port}`,
    disableOfflineQueue: true,
    socket: { reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 500) },
  });
  client.on('error', () => undefined);
  return { client, store: new RedisStore({ client, prefix: 'kvixi-example:' }) };
}

describe.skipIf(skipRedisTests)('several instances sharing sessions in Redis', () => {
  let dir: string;
  let port: number;
  let redis: ChildProcess | undefined;
  let emu: KvixiEmulator;
  let a: ExampleSite;
  let b: ExampleSite;
  let clients: Array<ReturnType<typeof redisStore>['client']> = [];
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
    const storeA = redisStore(port);
    const storeB = redisStore(port);
    clients = [storeA.client, storeB.client];
    await Promise.all(clients.map((client) => client.connect()));
    a = await startSite(emu, { ...app, listening: listeningA, dbFile, sessionStore: storeA.store });
    b = await startSite(emu, { ...app, listening: listeningB, dbFile, sessionStore: storeB.store });
  });

  afterAll(async () => {
    await stopSite(a);
    await stopSite(b);
    for (const client of clients) client.destroy();
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
    expect(down.text).toContain('Sign-in is unavailable right now');
    expect((await browser.go(`${b.url}/`)).status).toBe(503);

    redis = await startRedis(port, dir);
    let status = 503;
    for (let i = 0; i < 50 && status === 503; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = (await browser.go(`${a.url}/`)).status;
    }
    expect(status).toBe(200);
    // Redis kept nothing on disk, so the old session is gone: the user logs in again and it works.
    expect((await browser.go(`${a.url}/profile`)).status).toBe(302);
    const { callback } = await logIn(browser, a, emu, appId, janeId, '/auth/kvixi', b);
    expect(callback.location).toBe(`${b.url}/profile`);
    expect((await browser.go(`${a.url}/profile`)).status).toBe(200);
  });
});
