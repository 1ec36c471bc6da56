import { randomBytes, randomInt } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

/** A gender as the user picked it; each Sngine generation sends it differently. */
export type EmulatorGender = 'male' | 'female' | 'other';

/** One of Sngine's relationship statuses. */
export type EmulatorRelationship =
  | 'single' | 'relationship' | 'married' | 'complicated' | 'separated' | 'divorced' | 'widowed';

/**
 * A user account on the emulated site. Text is stored as typed; the API entity-encodes it.
 *
 * @example
 * ```ts
 * const { userId, username, password } = emu.addUser();
 * ```
 */
export interface EmulatorUser {
  userId: string;
  username: string;
  email: string;
  password: string;
  firstname: string;
  lastname: string;
  gender: EmulatorGender;
  /** `YYYY-MM-DD`, or null. */
  birthdate: string | null;
  /** Path under the uploads URL, e.g. `photos/2024/05/sngine_….jpg`, or null for the default avatar. */
  picture: string | null;
  cover: string | null;
  /** `YYYY-MM-DD HH:MM:SS`, UTC. */
  registered: string;
  /** The verified badge, not a verified e-mail address. */
  verified: boolean;
  relationship: EmulatorRelationship | null;
  biography: string | null;
  website: string | null;
}

/**
 * What `addUser` accepts: any field may be left out and gets a generated value
 * (username from the first name, `{username}@example.com`, password `password`, gender male).
 *
 * @example
 * ```ts
 * const user = emu.addUser({ firstname: 'José', lastname: "O'Brien", gender: 'male' });
 * ```
 */
export type NewUser = Partial<EmulatorUser>;

/**
 * An app registered in the site's developers dashboard.
 *
 * @example
 * ```ts
 * const [app] = emu.apps;
 * const loginURL = `${emu.url}/api/oauth?app_id=${app.appId}`;
 * ```
 */
export interface EmulatorApp {
  /** Decimal string of up to 14 digits, e.g. `"1732698123456"`. */
  appId: string;
  /** 32 lowercase hex characters. */
  appSecret: string;
  name: string;
  domain: string;
  redirectURL: string;
  description: string;
}

/**
 * What `registerApp` accepts. `appId`/`appSecret` may be fixed, e.g. to match a test's config;
 * otherwise they are generated in Sngine's formats. `domain` defaults to the redirect URL's host.
 *
 * @example
 * ```ts
 * const { appId, appSecret } = emu.registerApp({ name: 'My app', redirectURL: 'http://localhost:3000/auth/kvixi/callback' });
 * ```
 */
export interface NewApp {
  name: string;
  redirectURL: string;
  domain?: string;
  description?: string;
  appId?: string;
  appSecret?: string;
}

interface Grant {
  appId: string;
  userId: string;
}

interface IssuedToken extends Grant {
  token: string;
  issuedAt: number;
}

/** The outcome of exchanging an auth key, in the order the real server checks. */
export type ExchangeResult =
  | { ok: true; accessToken: string }
  | { ok: false; reason: 'unknown_app' | 'wrong_secret' | 'unknown_auth_key' };

/** The outcome of looking up an access token. */
export type TokenLookup =
  | { ok: true; user: EmulatorUser | undefined }
  | { ok: false; reason: 'unknown_token' | 'expired_token' };

interface PersistedState {
  apps: EmulatorApp[];
  users: EmulatorUser[];
}

export interface StoreOptions {
  now: () => number;
  accessTokenTTL: number;
  dataFile?: string | undefined;
}

const hex32 = (): string => randomBytes(16).toString('hex');
const pairKey = (appId: string, userId: string): string => `${appId}:${userId}`;

/** `YYYY-MM-DD HH:MM:SS` in UTC, as Sngine stores dates. */
export function sqlDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** Apps, users, approvals, auth keys and tokens of one emulated site, on one clock. */
export class Store {
  readonly apps = new Map<string, EmulatorApp>();
  readonly users = new Map<string, EmulatorUser>();
  private readonly approvals = new Set<string>();
  private readonly authKeys = new Map<string, Grant>();
  private readonly tokensByPair = new Map<string, IssuedToken>();
  private readonly tokens = new Map<string, IssuedToken>();
  private readonly sessions = new Map<string, string>();
  private clockOffset = 0;

  constructor(private readonly options: StoreOptions) {
    if (options.dataFile && existsSync(options.dataFile)) this.load(options.dataFile);
  }

  now(): number {
    return this.options.now() + this.clockOffset;
  }

  advance(seconds: number): void {
    if (!Number.isFinite(seconds)) throw new TypeError('advance() requires a finite number of seconds');
    this.clockOffset += seconds * 1000;
  }

  registerApp(input: NewApp): EmulatorApp {
    if (!input.name?.trim()) throw new TypeError('registerApp() requires a name');
    if (!input.redirectURL?.trim()) throw new TypeError('registerApp() requires a redirectURL');
    // A control character would be dropped by URL parsing here yet break the Location header later.
    if (/[\u0000-\u001f\u007f]/.test(input.redirectURL)) {
      throw new TypeError('registerApp() requires a redirectURL without control characters');
    }
    const appId = input.appId ?? this.newAppId();
    // Lookups go through PHP intval() done in doubles here, exact up to 15 digits.
    if (!/^\d{1,15}$/.test(appId) || /^0./.test(appId)) {
      throw new TypeError('registerApp() requires appId to be a decimal number of at most 15 digits, without leading zeros');
    }
    if (this.apps.has(appId)) throw new TypeError(`an app with appId ${appId} already exists`);
    const app: EmulatorApp = {
      appId,
      appSecret: input.appSecret ?? hex32(),
      name: input.name,
      domain: input.domain ?? hostOf(input.redirectURL),
      redirectURL: input.redirectURL,
      description: input.description ?? '',
    };
    this.apps.set(appId, app);
    this.save();
    return { ...app };
  }

  addUser(input: NewUser = {}): EmulatorUser {
    const userId = input.userId ?? String(this.nextUserId());
    if (this.users.has(userId)) throw new TypeError(`a user with userId ${userId} already exists`);
    const username = input.username ?? this.freeUsername(input.firstname ?? `user${userId}`);
    if (this.findByLogin(username)) throw new TypeError(`the username ${username} is taken`);
    const user: EmulatorUser = {
      userId,
      username,
      email: input.email ?? `${username}@example.com`,
      password: input.password ?? 'password',
      firstname: input.firstname ?? 'Test',
      lastname: input.lastname ?? `User ${userId}`,
      gender: input.gender ?? 'male',
      birthdate: input.birthdate ?? null,
      picture: input.picture ?? null,
      cover: input.cover ?? null,
      registered: input.registered ?? sqlDate(this.now()),
      verified: input.verified ?? false,
      relationship: input.relationship ?? null,
      biography: input.biography ?? null,
      website: input.website ?? null,
    };
    this.users.set(userId, user);
    this.save();
    return { ...user };
  }

  deleteUser(userId: string): boolean {
    const deleted = this.users.delete(userId);
    if (deleted) this.save();
    return deleted;
  }

  /** Finds a user by username or e-mail, case-insensitively as MySQL compares them. */
  findByLogin(login: string): EmulatorUser | undefined {
    const wanted = login.trim().toLowerCase();
    for (const user of this.users.values()) {
      if (user.username.toLowerCase() === wanted || user.email.toLowerCase() === wanted) return user;
    }
    return undefined;
  }

  hasApproved(appId: string, userId: string): boolean {
    return this.approvals.has(pairKey(appId, userId));
  }

  /** Records the user's approval and creates the auth key the redirect carries. */
  approve(appId: string, userId: string): string {
    if (!this.apps.has(appId)) throw new TypeError(`no app with appId ${appId}`);
    if (!this.users.has(userId)) throw new TypeError(`no user with userId ${userId}`);
    this.approvals.add(pairKey(appId, userId));
    const authKey = hex32();
    this.authKeys.set(authKey, { appId, userId });
    return authKey;
  }

  exchangeAuthKey(appId: string, appSecret: string, authKey: string): ExchangeResult {
    const app = this.apps.get(appId);
    if (!app) return { ok: false, reason: 'unknown_app' };
    if (app.appSecret !== appSecret) return { ok: false, reason: 'wrong_secret' };
    // MySQL's default collation matches case-insensitively and ignores trailing spaces.
    const key = authKey.trimEnd().toLowerCase();
    const grant = this.authKeys.get(key);
    if (!grant || grant.appId !== appId) return { ok: false, reason: 'unknown_auth_key' };
    this.authKeys.delete(key);

    const pair = pairKey(grant.appId, grant.userId);
    const current = this.tokensByPair.get(pair);
    if (current && !this.isExpired(current)) return { ok: true, accessToken: current.token };
    if (current) this.tokens.delete(current.token);
    const issued: IssuedToken = { ...grant, token: hex32(), issuedAt: this.now() };
    this.tokensByPair.set(pair, issued);
    this.tokens.set(issued.token, issued);
    return { ok: true, accessToken: issued.token };
  }

  lookupToken(token: string): TokenLookup {
    const issued = this.tokens.get(token.trimEnd().toLowerCase());
    if (!issued) return { ok: false, reason: 'unknown_token' };
    if (this.isExpired(issued)) return { ok: false, reason: 'expired_token' };
    return { ok: true, user: this.users.get(issued.userId) };
  }

  startSession(userId: string): string {
    const id = hex32();
    this.sessions.set(id, userId);
    return id;
  }

  sessionUser(sessionId: string | undefined): EmulatorUser | undefined {
    const userId = sessionId === undefined ? undefined : this.sessions.get(sessionId);
    return userId === undefined ? undefined : this.users.get(userId);
  }

  endSession(sessionId: string | undefined): void {
    if (sessionId !== undefined) this.sessions.delete(sessionId);
  }

  private isExpired(issued: IssuedToken): boolean {
    return this.now() - issued.issuedAt >= this.options.accessTokenTTL * 1000;
  }

  private newAppId(): string {
    for (;;) {
      const id = String(randomInt(1_000_000_000_000, 10_000_000_000_000));
      if (!this.apps.has(id)) return id;
    }
  }

  private nextUserId(): number {
    let max = 0;
    for (const id of this.users.keys()) max = Math.max(max, Number(id) || 0);
    return max + 1;
  }

  private freeUsername(base: string): string {
    const stem = base.toLowerCase().normalize('NFD').replace(/[^a-z0-9_]/g, '') || 'user';
    let candidate = stem;
    for (let n = 2; this.findByLogin(candidate); n++) candidate = `${stem}${n}`;
    return candidate;
  }

  private load(file: string): void {
    let state: Partial<PersistedState>;
    try {
      state = JSON.parse(readFileSync(file, 'utf8')) as Partial<PersistedState>;
    } catch (cause) {
      throw new Error(`cannot read the emulator data file ${file}`, { cause });
    }
    for (const app of state.apps ?? []) this.apps.set(app.appId, app);
    for (const user of state.users ?? []) this.users.set(user.userId, user);
  }

  private save(): void {
    const file = this.options.dataFile;
    if (!file) return;
    const state: PersistedState = { apps: [...this.apps.values()], users: [...this.users.values()] };
    // Write then rename, so a crash mid-write never leaves a half file to load next time.
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(state, null, 2) + '\n');
    renameSync(temporary, file);
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '';
  }
}
