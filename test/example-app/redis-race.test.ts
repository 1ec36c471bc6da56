import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import { connectRedisSessions, type RedisSessions } from '../../example-app/redis.js';
import { KvixiRedisClaimStore } from 'passport-kvixi';
import { withDeadline } from '../support/deadline.js';
import { HttpBrowser } from '../support/http-browser.js';
import { listen, startProvider, startSite, stopSite, type ExampleSite } from './support/site.js';
import { freePort, skipRedisTests, startRedis, stopRedis } from './support/redis.js';

// Callbacks racing on one pending login, each with its own valid auth_key (Kvixi's single-use
// keys alone would stop racing copies of one key): a forged link racing the real one, a double
// submit through two instances. Exactly one may sign in, whichever instance each reaches.

const root = new URL('../..', import.meta.url).pathname;
const tsx = join(root, 'node_modules/.bin/tsx');
const TRIES = 20;
const APP_ID = '1732698123456';
const APP_SECRET = '0123456789abcdef0123456789abcdef';

/** Spawns a process and resolves once its output contains `ready`; a crash or 20 s of silence fails. */
async function startProcess(command: string, args: string[], env: NodeJS.ProcessEnv, ready: string): Promise<ChildProcess> {
  const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  await withDeadline(
    new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes(ready)) resolve();
      });
      child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}: ${err}`)));
    }),
    20_000,
    `${args.join(' ')} to start`,
  );
  return child;
}

async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await withDeadline(exited, 10_000, 'a child process to stop on SIGTERM');
}

/**
 * One browser starts a login on `start`, then sends `count` callbacks at once, alternating between
 * `sites`, each with a fresh auth_key of Jane's; answers how many of them signed in.
 */
async function race(start: string, sites: string[], count: number, issueAuthKey: () => Promise<string>): Promise<{ signedIn: number; statuses: number[] }> {
  const browser = new HttpBrowser();
  const started = await browser.go(`${start}/auth/kvixi`);
  expect(started.status).toBe(302);
  const keys = await Promise.all(Array.from({ length: count }, issueAuthKey));
  const answers = await withDeadline(
    Promise.all(keys.map((key, i) => browser.go(`${sites[i % sites.length]}/auth/kvixi/callback?auth_key=${key}`))),
    10_000,
    'racing callbacks',
  );
  const signedIn = answers.filter((answer) => answer.status === 302 && answer.location?.endsWith('/profile')).length;
  return { signedIn, statuses: answers.map((answer) => answer.status) };
}

describe.skipIf(skipRedisTests)('callbacks racing on one pending login, several instances on one Redis', () => {
  let dir: string;
  let redisPort: number;
  let redis: ChildProcess | undefined;
  const children: ChildProcess[] = [];
  let emulatorURL: string;
  let siteA: string;
  let siteB: string;
  let janeId: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kvixi-race-'));
    redisPort = await freePort();
    redis = await startRedis(redisPort, dir);
    const [emulatorPort, portA, portB] = [await freePort(), await freePort(), await freePort()];
    emulatorURL = `http://127.0.0.1:${emulatorPort}`;
    siteA = `http://127.0.0.1:${portA}`;
    siteB = `http://127.0.0.1:${portB}`;
    const env = { ...process.env };
    for (const name of ['ENV_FILE', 'KVIXI_APP_ID', 'EMULATOR_PORT', 'HOST']) delete env[name];
    // One emulator on its own, as the README's "Several instances on Redis" runs it (the example
    // app needs the build anyway, for passport-kvixi).
    children.push(
      await startProcess(
        process.execPath,
        ['dist/emulator/cli.js', '--port', String(emulatorPort), '--redirect-url', `${siteB}/auth/kvixi/callback`, '--app-id', APP_ID, '--app-secret', APP_SECRET],
        env,
        'listening on',
      ),
    );
    const siteEnv = (port: number): NodeJS.ProcessEnv => ({
      ...env,
      ENV_FILE: join(dir, 'no.env'),
      PORT: String(port),
      PUBLIC_URL: siteB,
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      KVIXI_BASE_URL: emulatorURL,
      KVIXI_APP_ID: APP_ID,
      KVIXI_APP_SECRET: APP_SECRET,
      SESSION_SECRET: 'one secret for both instances',
      DATABASE_FILE: join(dir, 'app.db'),
    });
    const [a, b] = await Promise.all([
      startProcess(tsx, ['example-app/server.ts'], siteEnv(portA), 'Example site:'),
      startProcess(tsx, ['example-app/server.ts'], siteEnv(portB), 'Example site:'),
    ]);
    children.push(a, b);
    const users = (await (await fetch(`${emulatorURL}/__emulator/users`)).json()) as Array<{ userId: string; username: string }>;
    janeId = users.find((user) => user.username === 'jane')!.userId;
  }, 60_000);

  afterAll(async () => {
    for (const child of children.reverse()) await stopProcess(child);
    await stopRedis(redis);
    rmSync(dir, { recursive: true, force: true });
  });

  const issueAuthKey = async (): Promise<string> => {
    const res = await fetch(`${emulatorURL}/__emulator/auth-keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ appId: APP_ID, userId: janeId }),
    });
    return ((await res.json()) as { authKey: string }).authKey;
  };

  it(`signs in exactly one of 2 to 4 racing callbacks on two example-app processes, in each of ${TRIES} tries`, async () => {
    const outcomes: Array<{ count: number; signedIn: number; statuses: number[] }> = [];
    for (let i = 0; i < TRIES; i++) {
      const count = 2 + (i % 3);
      outcomes.push({ count, ...(await race(i % 2 === 0 ? siteA : siteB, [siteA, siteB], count, issueAuthKey)) });
    }
    console.log(`racing callbacks, two processes: ${outcomes.map((o) => `${o.signedIn}/${o.count}`).join(' ')}`);
    expect(outcomes.filter((o) => o.signedIn !== 1)).toEqual([]);
    // The others are refused as a used login (303 to the stable failure page), not as an error.
    expect(outcomes.flatMap((o) => o.statuses).filter((status) => status !== 302 && status !== 303)).toEqual([]);
  });
});

describe.skipIf(skipRedisTests)('KvixiRedisClaimStore on a real redis-server', () => {
  let dir: string;
  let port: number;
  let redis: ChildProcess | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kvixi-claims-'));
    port = await freePort();
    redis = await startRedis(port, dir);
  });

  afterAll(async () => {
    await stopRedis(redis);
    rmSync(dir, { recursive: true, force: true });
  });

  it('claims an id once across connections, for the time asked', async () => {
    const clients = await Promise.all([0, 1].map(() => createClient({ url: `redis://127.0.0.1:${port}` }).connect()));
    try {
      const [one, two] = clients.map((client) => new KvixiRedisClaimStore(client, { prefix: 'test:' }));
      const claims = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? one! : two!).claim('login-1', 60_000)));
      expect(claims.filter(Boolean)).toHaveLength(1);
      const ttl = await clients[0]!.pTTL('test:login-1');
      expect(ttl).toBeGreaterThan(55_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
      expect(await one!.claim('login-2', 50)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 120));
      // Expired in Redis: the strategy by then refuses that login as expired anyway.
      expect(await two!.claim('login-2', 50)).toBe(true);
    } finally {
      for (const client of clients) client.destroy();
    }
  });

  it('rejects a claim while Redis is down, so the login is an error', async () => {
    const client = createClient({ url: `redis://127.0.0.1:${port}`, disableOfflineQueue: true, socket: { reconnectStrategy: 50 } });
    client.on('error', () => undefined);
    await client.connect();
    try {
      await stopRedis(redis);
      await expect(new KvixiRedisClaimStore(client).claim('login-3', 60_000)).rejects.toThrow();
    } finally {
      client.destroy();
      redis = await startRedis(port, dir);
    }
  });
});

describe.skipIf(skipRedisTests)('two strategy instances in one process sharing Redis', () => {
  let dir: string;
  let port: number;
  let redis: ChildProcess | undefined;
  let emu: Awaited<ReturnType<typeof startProvider>>;
  let a: ExampleSite;
  let b: ExampleSite;
  let sessions: RedisSessions[] = [];
  let appId: string;
  let janeId: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kvixi-race-'));
    port = await freePort();
    redis = await startRedis(port, dir);
    emu = await startProvider();
    janeId = emu.users.find((u) => u.username === 'jane')!.userId;
    const listeningA = await listen();
    const listeningB = await listen();
    const app = emu.registerApp({ name: 'Example', redirectURL: `${listeningB.url}/auth/kvixi/callback` });
    appId = app.appId;
    // Each instance with its own connection and its own KvixiRedisClaimStore, as the app sets them up.
    sessions = await Promise.all([0, 1].map(() => connectRedisSessions(`redis://127.0.0.1:${port}`)));
    const dbFile = join(dir, 'app.db');
    a = await startSite(emu, { ...app, listening: listeningA, dbFile, sessionStore: sessions[0]!.store, claimStore: sessions[0]!.claimStore });
    b = await startSite(emu, { ...app, listening: listeningB, dbFile, sessionStore: sessions[1]!.store, claimStore: sessions[1]!.claimStore });
  });

  afterAll(async () => {
    await stopSite(a);
    await stopSite(b);
    for (const session of sessions) await session.close();
    await emu?.close();
    await stopRedis(redis);
    rmSync(dir, { recursive: true, force: true });
  });

  it(`signs in exactly one of 2 to 4 racing callbacks, in each of ${TRIES} tries`, async () => {
    const outcomes: Array<{ count: number; signedIn: number }> = [];
    for (let i = 0; i < TRIES; i++) {
      const count = 2 + (i % 3);
      const { signedIn } = await race(a.url, [a.url, b.url], count, async () => emu.issueAuthKey({ appId, userId: janeId }));
      outcomes.push({ count, signedIn });
    }
    console.log(`racing callbacks, two strategies in one process: ${outcomes.map((o) => `${o.signedIn}/${o.count}`).join(' ')}`);
    expect(outcomes.filter((o) => o.signedIn !== 1)).toEqual([]);
  });
});
