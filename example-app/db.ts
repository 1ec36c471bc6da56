import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { KvixiProfile } from 'passport-kvixi';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS users (
  id             INTEGER PRIMARY KEY,
  kvixi_id       TEXT    NOT NULL UNIQUE,
  username       TEXT,
  display_name   TEXT    NOT NULL,
  email          TEXT,
  picture_url    TEXT,
  profile_url    TEXT,
  gender         TEXT,
  birthday       TEXT,
  verified       INTEGER NOT NULL DEFAULT 0,
  created_at     TEXT    NOT NULL,
  last_login_at  TEXT    NOT NULL,
  previous_login_at TEXT,
  login_count    INTEGER NOT NULL DEFAULT 1
);
`;

/**
 * How long a statement waits for another connection's write lock, in milliseconds. better-sqlite3
 * is synchronous, so this wait blocks every visitor of this process: keep it short and answer
 * "busy" (503) instead.
 */
export const BUSY_TIMEOUT_MS = 100;

/** A local account, as the pages and `req.user` see it. */
export interface LocalUser {
  id: number;
  kvixiId: string;
  username: string | null;
  displayName: string;
  email: string | null;
  pictureUrl: string | null;
  profileUrl: string | null;
  gender: string | null;
  birthday: string | null;
  verified: boolean;
  createdAt: string;
  lastLoginAt: string;
  /** The login before this one; null on the first. */
  previousLoginAt: string | null;
  loginCount: number;
}

interface UserRow {
  id: number;
  kvixi_id: string;
  username: string | null;
  display_name: string;
  email: string | null;
  picture_url: string | null;
  profile_url: string | null;
  gender: string | null;
  birthday: string | null;
  verified: number;
  created_at: string;
  last_login_at: string;
  previous_login_at: string | null;
  login_count: number;
}

export interface AppDatabase {
  /** Finds or creates the local account for a Kvixi profile and refreshes what Kvixi sent. */
  saveKvixiUser(profile: KvixiProfile, now?: Date): LocalUser;
  findUser(id: number): LocalUser | undefined;
  deleteUser(id: number): boolean;
  close(): void;
}

/** True for the error SQLite raises when another connection holds the lock longer than the busy timeout. */
export function isDatabaseBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^SQLITE_(BUSY|LOCKED)/.test(code);
}

/**
 * The app's own accounts, keyed by Kvixi's user_id. `file` is a path (created with its folder on
 * first use) or ':memory:'.
 */
export function openDatabase(file: string): AppDatabase {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file, { timeout: BUSY_TIMEOUT_MS });
  // WAL: readers never wait for a writer, so a locked database still shows signed-in pages.
  db.pragma('journal_mode = WAL');
  db.exec(SCHEMA);
  // Databases created before the column existed get it on their next start.
  const columns = db.prepare<[], { name: string }>('PRAGMA table_info(users)').all();
  if (!columns.some((column) => column.name === 'previous_login_at')) db.exec('ALTER TABLE users ADD COLUMN previous_login_at TEXT');

  const upsert = db.prepare<Record<string, unknown>, UserRow>(`
    INSERT INTO users (kvixi_id, username, display_name, email, picture_url, profile_url, gender, birthday,
                       verified, created_at, last_login_at)
    VALUES (@kvixiId, @username, @displayName, @email, @pictureUrl, @profileUrl, @gender, @birthday,
            @verified, @now, @now)
    ON CONFLICT (kvixi_id) DO UPDATE SET
      username = excluded.username, display_name = excluded.display_name, email = excluded.email,
      picture_url = excluded.picture_url, profile_url = excluded.profile_url, gender = excluded.gender,
      birthday = excluded.birthday, verified = excluded.verified,
      previous_login_at = users.last_login_at, last_login_at = excluded.last_login_at, login_count = login_count + 1
    RETURNING *`);
  const byId = db.prepare<[number], UserRow>('SELECT * FROM users WHERE id = ?');
  const remove = db.prepare<[number]>('DELETE FROM users WHERE id = ?');

  return {
    saveKvixiUser(profile, now = new Date()) {
      const row = upsert.get({
        kvixiId: profile.id,
        username: profile.username ?? null,
        displayName: profile.displayName,
        email: profile.emails?.[0]?.value ?? null,
        pictureUrl: profile.photos?.[0]?.value ?? null,
        profileUrl: profile.profileUrl ?? null,
        gender: profile.gender ?? null,
        birthday: profile.birthday ?? null,
        verified: profile._json.user_verified === '1' ? 1 : 0,
        now: now.toISOString(),
      });
      if (!row) throw new Error('the account upsert returned no row');
      return toUser(row);
    },
    findUser(id) {
      const row = byId.get(id);
      return row ? toUser(row) : undefined;
    },
    deleteUser(id) {
      return remove.run(id).changes > 0;
    },
    close() {
      db.close();
    },
  };
}

function toUser(row: UserRow): LocalUser {
  return {
    id: row.id,
    kvixiId: row.kvixi_id,
    username: row.username,
    displayName: row.display_name,
    email: row.email,
    pictureUrl: row.picture_url,
    profileUrl: row.profile_url,
    gender: row.gender,
    birthday: row.birthday,
    verified: row.verified === 1,
    createdAt: row.created_at,
    lastLoginAt: row.last_login_at,
    previousLoginAt: row.previous_login_at,
    loginCount: row.login_count,
  };
}
