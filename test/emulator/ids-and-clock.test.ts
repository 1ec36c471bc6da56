import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorOptions, type KvixiEmulator } from '../../lib/emulator/index.js';

const running: KvixiEmulator[] = [];
async function start(options: EmulatorOptions = {}): Promise<KvixiEmulator> {
  const emu = await startEmulator({ users: [{ username: 'jane', firstname: 'Jane' }], apps: [{ name: 'Acme', redirectURL: 'http://localhost:3000/cb' }], ...options });
  running.push(emu);
  return emu;
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((emu) => emu.close()));
});

/** Signs in as the user on the login page and returns where /api/oauth leads: the consent page (200) or the app (302). */
async function loginAs(emu: KvixiEmulator, userId: string): Promise<number> {
  const signIn = await fetch(`${emu.url}/signin`, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ user_id: userId }) });
  const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
  return (await fetch(`${emu.url}/api/oauth?app_id=${emu.apps[0]!.appId}`, { redirect: 'manual', headers: { cookie } })).status;
}

describe('user ids, as Sngine auto-increments them', () => {
  it('never gives a deleted user id to a new user, who then sees the consent page again', async () => {
    const emu = await start();
    const newest = emu.addUser({ firstname: 'Omar' });
    emu.issueAuthKey({ appId: emu.apps[0]!.appId, userId: newest.userId });
    expect(await loginAs(emu, newest.userId)).toBe(302);
    emu.deleteUser(newest.userId);

    const next = emu.addUser({ firstname: 'Nadia' });
    expect(Number(next.userId)).toBe(Number(newest.userId) + 1);
    expect(await loginAs(emu, next.userId)).toBe(200);
  });

  it('keeps counting across a restart with the data file, and back from the seed only on reset()', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvixi-ids-'));
    try {
      const dataFile = join(dir, 'data.json');
      const first = await start({ dataFile });
      const omar = first.addUser({ firstname: 'Omar' });
      first.deleteUser(omar.userId);
      await first.close();
      expect(JSON.parse(readFileSync(dataFile, 'utf8')).lastUserId).toBe(Number(omar.userId));

      const second = await start({ dataFile });
      expect(second.addUser({ firstname: 'Nadia' }).userId).toBe(String(Number(omar.userId) + 1));
      second.reset();
      expect(second.addUser({ firstname: 'Nadia' }).userId).toBe(String(Number(omar.userId) + 1));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('starts again after the seed on reset()', async () => {
    const emu = await start();
    emu.addUser();
    emu.addUser();
    emu.reset();
    expect(emu.addUser().userId).toBe('2');
  });
});

describe('the clock stays within the dates Sngine stores', () => {
  it('refuses an advance past them in code, leaving the clock where it was', async () => {
    const emu = await start();
    const before = emu.now();
    expect(() => emu.advance(1e13)).toThrow(/advance\(10000000000000\) would move the clock outside 1000-01-01 to 9999-12-31/);
    expect(() => emu.advance(-1e11)).toThrow(TypeError);
    expect(emu.now() - before).toBeLessThan(60_000);
    expect(emu.addUser().registered).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
  });

  it('answers 400 with the reason over the control API, and users can still be created', async () => {
    const emu = await start();
    const res = await fetch(`${emu.url}/__emulator/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"advance":1e13}' });
    expect(res.status).toBe(400);
    expect((await res.json()) as unknown).toEqual({ error: expect.stringMatching(/outside 1000-01-01 to 9999-12-31/) });
    const created = await fetch(`${emu.url}/__emulator/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(created.status).toBe(201);
  });
});
