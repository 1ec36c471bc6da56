import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KvixiEmulator } from '../../lib/emulator/index.js';
import { withDeadline } from '../support/deadline.js';
import { HttpBrowser } from '../support/http-browser.js';
import { listen, logIn, pageText, startProvider, startSite, stopSite, type ExampleSite } from './support/site.js';

const betterSqlite = createRequire(import.meta.url).resolve('better-sqlite3');

/** Another process holding the write lock on `file` (BEGIN EXCLUSIVE) until `release()`. */
async function lockDatabase(file: string): Promise<{ release: () => Promise<void> }> {
  const script = `
    const Database = require(${JSON.stringify(betterSqlite)});
    const db = new Database(${JSON.stringify(file)});
    db.exec('BEGIN EXCLUSIVE');
    process.stdout.write('locked\\n');
    process.stdin.on('end', () => { db.exec('ROLLBACK'); db.close(); process.exit(0); });
    process.stdin.resume();
  `;
  const child: ChildProcess = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  await withDeadline(
    new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('locked') && resolve());
      child.once('exit', (code) => reject(new Error(`the locking process exited with ${code}`)));
    }),
    10_000,
    'the locking process',
  );
  return {
    release: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.stdin!.end();
      await withDeadline(exited, 10_000, 'the locking process to exit');
    },
  };
}

describe('a SQLite file locked by another process', () => {
  let dir: string;
  let emu: KvixiEmulator;
  let site: ExampleSite;
  let appId: string;
  let janeId: string;
  let joseId: string;
  let lock: { release: () => Promise<void> } | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kvixi-sqlite-'));
    emu = await startProvider();
    const listening = await listen();
    const app = emu.registerApp({ name: 'Example', redirectURL: `${listening.url}/auth/kvixi/callback` });
    appId = app.appId;
    site = await startSite(emu, { ...app, listening, dbFile: join(dir, 'app.db') });
    janeId = emu.users.find((u) => u.username === 'jane')!.userId;
    joseId = emu.users.find((u) => u.username === 'jose')!.userId;
  });
  afterAll(async () => {
    await lock?.release();
    await stopSite(site);
    await emu?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 "busy" to logins at once while other pages keep answering, and recovers', async () => {
    const signedIn = new HttpBrowser();
    await logIn(signedIn, site, emu, appId, janeId);

    lock = await lockDatabase(join(dir, 'app.db'));
    const started = performance.now();
    const logins = [janeId, joseId].map((userId) => logIn(new HttpBrowser(), site, emu, appId, userId).then(({ callback }) => callback));
    const others = [signedIn.go(`${site.url}/`), signedIn.go(`${site.url}/profile`), new HttpBrowser().go(`${site.url}/`)];
    const [first, second, home, profile, visitorHome] = await withDeadline(Promise.all([...logins, ...others]), 3000, 'logins on a locked database');
    const elapsed = performance.now() - started;
    console.log(`locked SQLite: two logins answered ${first!.status} and ${second!.status}, other pages ${home!.status}/${profile!.status}/${visitorHome!.status}, all within ${elapsed.toFixed(0)} ms`);

    for (const callback of [first!, second!]) {
      expect(callback.status).toBe(503);
      expect(pageText(callback.text).title).toBe('The site is busy');
      expect(pageText(callback.text).buttons).toContain('Try again');
    }
    expect(home!.status).toBe(200);
    expect(profile!.status).toBe(200);
    expect(profile!.text).toContain('Jane O&#39;Brien');
    expect(visitorHome!.status).toBe(200);

    await lock.release();
    const { callback } = await logIn(new HttpBrowser(), site, emu, appId, joseId);
    expect(callback.location).toBe(`${site.url}/profile`);
  });
});

describe('a database made before the previous-login column', () => {
  it('gets the column on the next start and keeps its accounts', async () => {
    const { default: Database } = await import('better-sqlite3');
    const { openDatabase } = await import('../../example-app/db.js');
    const dir = mkdtempSync(join(tmpdir(), 'kvixi-schema-'));
    try {
      const file = join(dir, 'old.db');
      const old = new Database(file);
      old.exec(`CREATE TABLE users (id INTEGER PRIMARY KEY, kvixi_id TEXT NOT NULL UNIQUE, username TEXT, display_name TEXT NOT NULL,
        email TEXT, picture_url TEXT, profile_url TEXT, gender TEXT, birthday TEXT, verified INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL, last_login_at TEXT NOT NULL, login_count INTEGER NOT NULL DEFAULT 1);
        INSERT INTO users (kvixi_id, display_name, created_at, last_login_at) VALUES ('5', 'Jane', '2024-01-01T00:00:00.000Z', '2024-01-02T00:00:00.000Z');`);
      old.close();
      const db = openDatabase(file);
      try {
        expect(db.findUser(1)?.previousLoginAt).toBeNull();
        const again = db.saveKvixiUser({ id: '5', displayName: 'Jane', _json: { user_verified: '0' } } as never, new Date('2024-02-01T00:00:00Z'));
        expect(again.previousLoginAt).toBe('2024-01-02T00:00:00.000Z');
        expect(again.lastLoginAt).toBe('2024-02-01T00:00:00.000Z');
      } finally {
        db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
