import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataFileBusy, startEmulator, type KvixiEmulator } from '../../lib/emulator/index.js';

// The --data file holds app secrets and passwords: private from the start, its mode and its
// symbolic link kept, and a lock another process holds never freezes the emulator.

let dir: string;
let dataFile: string;
const running: KvixiEmulator[] = [];
const holders: ChildProcess[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kvixi-data-'));
  dataFile = join(dir, 'data.json');
});
afterEach(async () => {
  for (const holder of holders.splice(0)) if (holder.exitCode === null) holder.kill('SIGKILL');
  await Promise.all(running.splice(0).map((emu) => emu.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function start(): Promise<KvixiEmulator> {
  const emu = await startEmulator({ dataFile, apps: [{ name: 'Acme', redirectURL: 'http://localhost:3000/cb' }] });
  running.push(emu);
  return emu;
}

const mode = (file: string): number => statSync(file).mode & 0o777;

describe('the data file on disk', () => {
  it('is created readable by its owner only (0600)', async () => {
    await start();
    expect(mode(dataFile).toString(8)).toBe('600');
  });

  it('keeps the mode its owner gave it across saves', async () => {
    const emu = await start();
    chmodSync(dataFile, 0o640);
    emu.addUser({ username: 'kept' });
    expect(mode(dataFile).toString(8)).toBe('640');
    expect(JSON.parse(readFileSync(dataFile, 'utf8')).users.map((u: { username: string }) => u.username)).toEqual(['kept']);
  });

  it('writes through a symbolic link to its target, leaving the link a link', async () => {
    mkdirSync(join(dir, 'real'));
    const target = join(dir, 'real', 'target.json');
    writeFileSync(target, JSON.stringify({ apps: [], users: [] }), { mode: 0o600 });
    symlinkSync(target, dataFile);
    const emu = await start();
    emu.addUser({ username: 'through' });
    expect(lstatSync(dataFile).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(target, 'utf8')).users.map((u: { username: string }) => u.username)).toEqual(['through']);
    expect(mode(target).toString(8)).toBe('600');
  });
});

/** A real second process that takes the lock as an emulator does and holds it `ms`, refreshing it so it never looks stale. */
function holdLock(lock: string, ms: number): Promise<ChildProcess> {
  const code = `
    const fs = require('node:fs');
    fs.closeSync(fs.openSync(${JSON.stringify(lock)}, 'wx'));
    const fresh = setInterval(() => { const now = new Date(); fs.utimesSync(${JSON.stringify(lock)}, now, now); }, 500);
    process.stdout.write('locked\\n');
    setTimeout(() => { clearInterval(fresh); fs.rmSync(${JSON.stringify(lock)}); process.exit(0); }, ${ms});`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  holders.push(child);
  return new Promise((done, fail) => {
    child.stdout!.once('data', () => done(child));
    child.once('exit', (status) => fail(new Error(`the lock holder exited with ${status}`)));
  });
}

/** The longest pause between ticks of a 10 ms timer while `work` runs: how long the event loop was blocked. */
async function longestPause<T>(work: Promise<T>): Promise<{ result: T; pauseMs: number }> {
  let last = performance.now();
  let pauseMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    pauseMs = Math.max(pauseMs, now - last);
    last = now;
  }, 10);
  try {
    return { result: await work, pauseMs };
  } finally {
    clearInterval(timer);
  }
}

describe('while another process holds the lock', () => {
  it('a sign-up waits for it without freezing the emulator, which answers other requests meanwhile', async () => {
    const emu = await start();
    await holdLock(`${dataFile}.lock`, 1500);
    const started = performance.now();
    const signUp = fetch(`${emu.url}/signup`, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ firstname: 'Waited', username: 'waited' }) });
    const { result: home, pauseMs } = await longestPause(fetch(`${emu.url}/`));
    expect(home.status).toBe(200);
    expect(performance.now() - started).toBeLessThan(1000);
    const { result: signedUp, pauseMs: pauseWhileWaiting } = await longestPause(signUp);
    expect(signedUp.status).toBe(302);
    expect(performance.now() - started).toBeGreaterThanOrEqual(1400);
    expect(Math.max(pauseMs, pauseWhileWaiting)).toBeLessThan(500);
    expect(JSON.parse(readFileSync(dataFile, 'utf8')).users.map((u: { username: string }) => u.username)).toEqual(['waited']);
  }, 20_000);

  it('the in-process API throws a clear error at once, changing nothing', async () => {
    const emu = await start();
    await holdLock(`${dataFile}.lock`, 3000);
    const started = performance.now();
    expect(() => emu.addUser({ username: 'refused' })).toThrow(DataFileBusy);
    expect(() => emu.addUser({ username: 'refused' })).toThrow(expect.objectContaining({
      name: 'DataFileBusy',
      message: `the emulator data file ${dataFile} is being written by another emulator; try again (the pages and the HTTP control API wait for it)`,
    }));
    expect(performance.now() - started).toBeLessThan(100);
    expect(emu.users).toEqual([]);
  });

  it('a control call that waits past 10 s answers 503 naming the lock, and the emulator stays responsive', async () => {
    const emu = await start();
    await holdLock(`${dataFile}.lock`, 15_000);
    const call = fetch(`${emu.url}/__emulator/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"username":"late"}' });
    const { result, pauseMs } = await longestPause(call);
    expect(result.status).toBe(503);
    expect(await result.json()).toEqual({ error: `the emulator data file ${dataFile} stayed locked for 10 s; remove ${dataFile}.lock if no emulator uses it` });
    expect(pauseMs).toBeLessThan(500);
    expect((await fetch(`${emu.url}/__emulator/users`)).status).toBe(200);
    expect(emu.users).toEqual([]);
  }, 30_000);
});
