import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
    await fetch(`${first.url}/developers/apps`, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ app_name: 'From page', app_redirect_url: 'http://localhost/cb' }) });
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
    });
  });

  it('refuses to start on a corrupt file rather than overwrite it', async () => {
    writeFileSync(dataFile, '{ not json');
    await expect(start()).rejects.toThrow(/cannot read the emulator data file/);
    expect(readFileSync(dataFile, 'utf8')).toBe('{ not json');
  });
});
