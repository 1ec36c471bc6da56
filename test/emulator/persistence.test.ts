import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type KvixiEmulator } from '../../lib/emulator/index.js';

let dir: string;
let dataFile: string;
const running: KvixiEmulator[] = [];

async function start(options: Parameters<typeof startEmulator>[0] = {}): Promise<KvixiEmulator> {
  const emu = await startEmulator({ dataFile, ...options });
  running.push(emu);
  return emu;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kvixi-emulator-'));
  dataFile = join(dir, 'data.json');
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((emu) => emu.close()));
  rmSync(dir, { recursive: true, force: true });
});

describe('dataFile', () => {
  it('keeps apps and users across a restart', async () => {
    const first = await start();
    const app = first.registerApp({ name: 'Kept', redirectURL: 'http://localhost:3000/cb' });
    const user = first.addUser({ username: 'kept', firstname: 'Kept' });
    await first.close();

    const second = await start();
    expect(second.apps).toEqual([app]);
    expect(second.users).toEqual([user]);
    const authKey = second.issueAuthKey({ appId: app.appId, userId: user.userId });
    const res = await fetch(`${second.url}/api/authorize`, {
      method: 'POST', body: new URLSearchParams({ app_id: app.appId, app_secret: app.appSecret, auth_key: authKey }),
    });
    expect(await res.json()).toEqual({ access_token: expect.any(String) });
  });

  it('keeps an app created on the dashboard and a user created on the sign-in page', async () => {
    const first = await start();
    const form = await (await fetch(`${first.url}/developers/apps`)).text();
    const csrf = /name="csrf" value="([0-9a-f]+)"/.exec(form)![1]!;
    await fetch(`${first.url}/developers/apps`, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ csrf, app_name: 'From page', app_redirect_url: 'http://localhost/cb' }) });
    await fetch(`${first.url}/signup`, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ firstname: 'Signed', username: 'signed' }) });
    await first.close();
    const second = await start();
    expect(second.apps.map((a) => a.name)).toEqual(['From page']);
    expect(second.users.map((u) => u.username)).toEqual(['signed']);
  });

  it('does not seed the same users and apps twice', async () => {
    const seed = { users: [{ username: 'jane', firstname: 'Jane' }], apps: [{ name: 'Seeded', redirectURL: 'http://localhost/cb' }] };
    const first = await start(seed);
    const [app] = first.apps;
    await first.close();
    const second = await start(seed);
    expect(second.users.map((u) => u.username)).toEqual(['jane']);
    expect(second.apps).toEqual([app]);
  });

  it('forgets a deleted user', async () => {
    const first = await start();
    const user = first.addUser();
    first.deleteUser(user.userId);
    await first.close();
    expect((await start()).users).toEqual([]);
  });

  it('is plain JSON a person can read and edit', async () => {
    const emu = await start();
    emu.registerApp({ name: 'Readable', redirectURL: 'http://localhost/cb', appId: '1234567890123', appSecret: 'a'.repeat(32) });
    expect(JSON.parse(readFileSync(dataFile, 'utf8'))).toEqual({
      apps: [{ appId: '1234567890123', appSecret: 'a'.repeat(32), name: 'Readable', domain: 'localhost', redirectURL: 'http://localhost/cb', description: '' }],
      users: [],
      lastUserId: 0,
    });
  });

  it('lets two emulators in one process share the file without losing a user', async () => {
    const a = await start();
    const b = await start();
    const added = [a.addUser({ username: 'ann' }), b.addUser({ username: 'bob' }), a.addUser({ username: 'cat' }), b.addUser({ username: 'dan' })];
    expect(new Set(added.map((u) => u.userId)).size).toBe(4);
    b.registerApp({ name: 'From b', redirectURL: 'http://localhost/b' });
    a.deleteUser(added[2]!.userId);
    const third = await start();
    expect(third.users.map((u) => u.username).sort()).toEqual(['ann', 'bob', 'dan']);
    expect(third.apps.map((app) => app.name)).toEqual(['From b']);
    expect(readdirSync(dir)).toEqual(['data.json']);
  });

  it('lets emulators in two worker threads (one pid) add users to the file at the same time', async () => {
    // Worker threads run the built package: the test runner's transform does not reach them.
    const built = resolve('dist/emulator/index.cjs');
    if (!existsSync(built)) throw new Error(`${built} is missing: build first (npx tsup, or npm test which builds)`);
    const code = `
      const { workerData, parentPort } = require('node:worker_threads');
      const { startEmulator } = require(workerData.built);
      (async () => {
        const emu = await startEmulator({ dataFile: workerData.dataFile });
        // Both emulators are running before either adds a user, so their saves overlap.
        const barrier = new Int32Array(workerData.barrier);
        Atomics.add(barrier, 0, 1);
        while (Atomics.load(barrier, 0) < 2) Atomics.wait(barrier, 0, 1, 5);
        const errors = [];
        // The in-process API never waits for the other worker's lock: it throws DataFileBusy, having
        // changed nothing, and the caller tries again.
        for (let i = 0; i < 100; i++) {
          for (;;) {
            try { emu.addUser({ username: workerData.prefix + i }); break; } catch (error) {
              if (error.name !== 'DataFileBusy') { errors.push(error.message); break; }
              await new Promise((resolve) => setTimeout(resolve, 1));
            }
          }
        }
        await emu.close();
        parentPort.postMessage(errors);
      })();`;
    const barrier = new SharedArrayBuffer(4);
    const run = (prefix: string) => new Promise<string[]>((done, fail) => {
      const worker = new Worker(code, { eval: true, workerData: { built, dataFile, prefix, barrier } });
      worker.once('message', done);
      worker.once('error', fail);
    });
    expect(await Promise.all([run('a'), run('b')])).toEqual([[], []]);
    const after = await start();
    expect(after.users).toHaveLength(200);
    expect(new Set(after.users.map((u) => u.userId)).size).toBe(200);
  });

  it('writes the file whole while many saves interleave', async () => {
    const emulators = await Promise.all([start(), start(), start()]);
    for (let i = 0; i < 30; i++) emulators[i % 3]!.addUser({ username: `user${i}` });
    expect(JSON.parse(readFileSync(dataFile, 'utf8')).users).toHaveLength(30);
  });

  it('refuses to start on a file with a wrongly typed value, naming it', async () => {
    writeFileSync(dataFile, JSON.stringify({ apps: [], users: [{ userId: 5, username: 'five' }] }));
    await expect(start()).rejects.toThrow(`the emulator data file ${dataFile} needs users[0].userId to be a decimal number as a string`);
  });

  it('refuses to start on a corrupt file rather than overwrite it', async () => {
    writeFileSync(dataFile, '{ not json');
    await expect(start()).rejects.toThrow(/cannot read the emulator data file/);
    expect(readFileSync(dataFile, 'utf8')).toBe('{ not json');
  });
});
