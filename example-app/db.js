import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

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
  login_count    INTEGER NOT NULL DEFAULT 1
);
`;

/**
 * The app's own accounts, keyed by Kvixi's user_id. `file` is a path (created with its folder on
 * first use) or ':memory:'.
 */
export function openDatabase(file) {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);

  const upsert = db.prepare(`
    INSERT INTO users (kvixi_id, username, display_name, email, picture_url, profile_url, gender, birthday,
                       verified, created_at, last_login_at)
    VALUES (@kvixiId, @username, @displayName, @email, @pictureUrl, @profileUrl, @gender, @birthday,
            @verified, @now, @now)
    ON CONFLICT (kvixi_id) DO UPDATE SET
      username = excluded.username, display_name = excluded.display_name, email = excluded.email,
      picture_url = excluded.picture_url, profile_url = excluded.profile_url, gender = excluded.gender,
      birthday = excluded.birthday, verified = excluded.verified,
      last_login_at = excluded.last_login_at, login_count = login_count + 1
    RETURNING *`);
  const byId = db.prepare('SELECT * FROM users WHERE id = ?');
  const remove = db.prepare('DELETE FROM users WHERE id = ?');

  return {
    /** Finds or creates the local account for a Kvixi profile and refreshes what Kvixi sent. */
    saveKvixiUser(profile, now = new Date()) {
      return toUser(
        upsert.get({
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
        }),
      );
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

function toUser(row) {
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
    loginCount: row.login_count,
  };
}
