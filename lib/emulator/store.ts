import { randomBytes, randomInt } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { DataFileBusy, realFile, tryLock, writeWhole } from './data-file.js';

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
  /** The highest userId ever given, so a deleted user's id is never given again (Sngine's auto-increment). */
  lastUserId: number;
}

export interface StoreOptions {
  now: () => number;
  accessTokenTTL: number;
  dataFile?: string | undefined;
}

const hex32 = (): string => randomBytes(16).toString('hex');
const pairKey = (appId: string, userId: string): string => `${appId}:${userId}`;
const appRecord = (appId: string): string => `app:${appId}`;
const userRecord = (userId: string): string => `user:${userId}`;

/** How long a sign-in on the emulator's pages lasts, in seconds of its clock: a day. */
export const sessionTTL = 86_400;
/** Users the sign-up page creates at most: anyone can use it, so it must not grow the site without end. */
export const maxSignupUsers = 10_000;
/** Sign-ins kept at most; one more signs the oldest out. */
export const maxSessions = 10_000;

/** Unused auth keys kept per (app, user); issuing one more makes the oldest stop working. */
export const maxUnusedAuthKeys = 5;

const genders: readonly string[] = ['male', 'female', 'other'];
const relationships: readonly string[] = ['single', 'relationship', 'married', 'complicated', 'separated', 'divorced', 'widowed'];
const controlCharacters = /[\u0000-\u001f\u007f]/;

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

type FieldRule = (value: unknown) => string | undefined;

const text = (what = 'a string'): FieldRule => (value) =>
  typeof value === 'string' && !controlCharacters.test(value) ? undefined : what;
const nonBlank = (what: string): FieldRule => (value) =>
  typeof value === 'string' && value.trim() !== '' && !controlCharacters.test(value) ? undefined : what;
const nullable = (rule: FieldRule): FieldRule => (value) => (value === null ? undefined : rule(value));
const pattern = (re: RegExp, what: string): FieldRule => (value) => (typeof value === 'string' && re.test(value) ? undefined : what);
const oneOf = (allowed: readonly string[]): FieldRule => (value) =>
  typeof value === 'string' && allowed.includes(value) ? undefined : `one of ${allowed.join(', ')}`;

const userRules: Record<keyof EmulatorUser, FieldRule> = {
  userId: pattern(/^[1-9]\d{0,14}$/, 'a decimal number as a string, e.g. "5"'),
  username: nonBlank('a non-blank string'),
  email: nonBlank('a non-blank string'),
  password: text(),
  firstname: text(),
  lastname: text(),
  gender: oneOf(genders),
  birthdate: nullable(pattern(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD or null')),
  picture: nullable(nonBlank('a path under the uploads URL or null')),
  cover: nullable(nonBlank('a path under the uploads URL or null')),
  registered: pattern(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/, 'YYYY-MM-DD HH:MM:SS'),
  verified: (value) => (typeof value === 'boolean' ? undefined : 'true or false'),
  relationship: nullable(oneOf(relationships)),
  biography: nullable(text('a string or null')),
  website: nullable(text('a string or null')),
};

const appRules: Record<keyof NewApp, FieldRule> = {
  name: nonBlank('a non-blank string'),
  redirectURL: (value) => (typeof value === 'string' && isWebURL(value) ? undefined : 'an absolute http or https URL without control characters'),
  domain: text(),
  description: text(),
  // Lookups go through PHP intval() done in doubles here, exact up to 15 digits.
  appId: pattern(/^[1-9]\d{0,14}$/, 'a decimal number of at most 15 digits, as a string, without leading zeros'),
  appSecret: pattern(/^[\x21-\x7e]+$/, 'a non-blank string of visible ASCII characters'),
};

/** What is wrong with the first bad field, e.g. `username to be a non-blank string, got a number`. */
function fieldProblem(input: unknown, rules: Record<string, FieldRule>, required: readonly string[], at: string): string | undefined {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return `${at ? at.replace(/\.$/, '') : 'its argument'} to be an object, got ${typeName(input)}`;
  }
  for (const name of Object.keys(input)) {
    if (!Object.hasOwn(rules, name)) return `known field names, got ${at}${name}`;
  }
  for (const [name, rule] of Object.entries(rules)) {
    const value = (input as Record<string, unknown>)[name];
    if (value === undefined) {
      if (required.includes(name)) return `${at}${name}, which is missing`;
      continue;
    }
    const wanted = rule(value);
    // Never echo the value: it may be a secret.
    if (wanted !== undefined) return `${at}${name} to be ${wanted}, got ${typeof value === 'string' ? 'another string' : typeName(value)}`;
  }
  return undefined;
}

/** Why a user's fields cannot be stored, or undefined when they can. `at` prefixes field names (`users[0].`). */
export function userProblem(input: unknown, at = ''): string | undefined {
  return fieldProblem(input, userRules, [], at);
}

/** Why an app's fields cannot be registered, or undefined when they can. */
export function appProblem(input: unknown, at = ''): string | undefined {
  return fieldProblem(input, appRules, ['name', 'redirectURL'], at);
}

function isWebURL(text: string): boolean {
  if (controlCharacters.test(text)) return false;
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * A redirect URL as it can travel in a `Location` header: one with characters beyond visible
 * ASCII (`/€/cb`, an IDN host) is stored percent-encoded (and punycoded) as a browser would send it.
 */
export function encodeRedirectURL(url: string): string {
  return /[^\x21-\x7e]/.test(url) && isWebURL(url) ? new URL(url).href : url;
}

/** `YYYY-MM-DD HH:MM:SS` in UTC, as Sngine stores dates. */
export function sqlDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** The range of MySQL's DATETIME, where Sngine keeps dates. */
const earliestTime = Date.UTC(1000, 0, 1);
const latestTime = Date.UTC(9999, 11, 31, 23, 59, 59);

/** Apps, users, approvals, auth keys and tokens of one emulated site, on one clock. */
export class Store {
  readonly apps = new Map<string, EmulatorApp>();
  readonly users = new Map<string, EmulatorUser>();
  private readonly approvals = new Set<string>();
  private readonly authKeys = new Map<string, Grant>();
  /** Each pair's unused auth keys, oldest first, so old ones can be dropped. */
  private readonly authKeysByPair = new Map<string, string[]>();
  private readonly tokensByPair = new Map<string, IssuedToken>();
  private readonly tokens = new Map<string, IssuedToken>();
  /** Signed-in browsers, oldest first: a session lasts `sessionTTL` on the emulator's clock. */
  private readonly sessions = new Map<string, { userId: string; startedAt: number }>();
  /** Users by lowercased username and by lowercased e-mail; rebuilt after a removal. */
  private byUsername = new Map<string, EmulatorUser>();
  private byEmail = new Map<string, EmulatorUser>();
  private loginIndexStale = false;
  /** The records the data file held when this store last read or wrote it. */
  private seenOnDisk = new Set<string>();
  private clockOffset = 0;
  /** Only goes up, except on reset(): a new user never gets a deleted user's id, approvals and all. */
  private lastUserId = 0;
  private initial: { apps: EmulatorApp[]; users: EmulatorUser[]; lastUserId: number } = { apps: [], users: [], lastUserId: 0 };

  constructor(private readonly options: StoreOptions) {
    if (options.dataFile && existsSync(options.dataFile)) this.load(options.dataFile);
  }

  /** Remembers the current apps and users as the state `reset()` returns to. */
  markInitial(): void {
    this.initial = { apps: [...this.apps.values()], users: [...this.users.values()], lastUserId: this.lastUserId };
  }

  /** Back to the marked apps and users, with no approvals, keys, tokens or sessions, on the real clock. */
  reset(): void {
    this.mutate(() => this.restoreInitial());
  }

  private restoreInitial(): void {
    this.apps.clear();
    this.users.clear();
    for (const app of this.initial.apps) this.apps.set(app.appId, app);
    for (const user of this.initial.users) this.users.set(user.userId, user);
    this.loginIndexStale = true;
    this.lastUserId = this.initial.lastUserId;
    this.approvals.clear();
    this.authKeys.clear();
    this.authKeysByPair.clear();
    this.tokensByPair.clear();
    this.tokens.clear();
    this.sessions.clear();
    this.clockOffset = 0;
  }

  now(): number {
    return this.options.now() + this.clockOffset;
  }

  advance(seconds: number): void {
    if (!Number.isFinite(seconds)) throw new TypeError('advance() requires a finite number of seconds');
    const next = this.now() + seconds * 1000;
    // Past these, sqlDate() and every user created would fail (or Date itself, past year 275760).
    if (!(next >= earliestTime && next <= latestTime)) {
      throw new TypeError(`advance(${seconds}) would move the clock outside 1000-01-01 to 9999-12-31 (UTC), the dates Sngine stores`);
    }
    this.clockOffset += seconds * 1000;
  }

  registerApp(input: NewApp): EmulatorApp {
    const problem = appProblem(input);
    if (problem) throw new TypeError(`registerApp() requires ${problem}`);
    return this.mutate(() => this.insertApp(input));
  }

  addUser(input: NewUser = {}): EmulatorUser {
    const problem = userProblem(input);
    if (problem) throw new TypeError(`addUser() requires ${problem}`);
    return this.mutate(() => this.insertUser(input));
  }

  /** Adds a seed user unless one with its userId or username exists, in memory or in the data file. */
  seedUser(input: NewUser): void {
    this.mutate(() => {
      const known = (input.userId !== undefined && this.users.has(input.userId))
        || (input.username !== undefined && this.findByLogin(input.username));
      if (!known) this.insertUser(input);
    });
  }

  /** Adds a seed app unless it exists: the same appId, or without one the same name and redirect URL. */
  seedApp(input: NewApp): void {
    this.mutate(() => {
      const redirectURL = encodeRedirectURL(input.redirectURL);
      const known = [...this.apps.values()].some((a) => a.appId === input.appId
        || (input.appId === undefined && a.name === input.name && a.redirectURL === redirectURL));
      if (!known) this.insertApp(input);
    });
  }

  deleteUser(userId: string): boolean {
    return this.mutate(() => {
      const deleted = this.users.delete(userId);
      if (deleted) this.loginIndexStale = true;
      return deleted;
    });
  }

  private insertApp(input: NewApp): EmulatorApp {
    const appId = input.appId ?? this.newAppId();
    if (this.apps.has(appId)) throw new TypeError(`an app with appId ${appId} already exists`);
    const app: EmulatorApp = {
      appId,
      appSecret: input.appSecret ?? hex32(),
      name: input.name,
      domain: input.domain ?? hostOf(input.redirectURL),
      redirectURL: encodeRedirectURL(input.redirectURL),
      description: input.description ?? '',
    };
    this.apps.set(appId, app);
    return { ...app };
  }

  private insertUser(input: NewUser): EmulatorUser {
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
    this.index(user);
    this.lastUserId = Math.max(this.lastUserId, Number(userId));
    return { ...user };
  }

  /** Finds a user by username or e-mail, case-insensitively as MySQL compares them. */
  findByLogin(login: string): EmulatorUser | undefined {
    const wanted = login.trim().toLowerCase();
    this.refreshLoginIndex();
    return this.byUsername.get(wanted) ?? this.byEmail.get(wanted);
  }

  /** Finds a user by username only, as a profile URL names them. */
  findByUsername(username: string): EmulatorUser | undefined {
    this.refreshLoginIndex();
    return this.byUsername.get(username.toLowerCase());
  }

  private index(user: EmulatorUser): void {
    // The first user with a name keeps it, as a scan in insertion order would find them.
    const username = user.username.toLowerCase();
    const email = user.email.toLowerCase();
    if (!this.byUsername.has(username)) this.byUsername.set(username, user);
    if (!this.byEmail.has(email)) this.byEmail.set(email, user);
  }

  private refreshLoginIndex(): void {
    if (!this.loginIndexStale) return;
    this.byUsername = new Map();
    this.byEmail = new Map();
    for (const user of this.users.values()) this.index(user);
    this.loginIndexStale = false;
  }

  hasApproved(appId: string, userId: string): boolean {
    return this.approvals.has(pairKey(appId, userId));
  }

  /** Forgets approvals: one pair's, or every one. Returns false when that pair had none. */
  revokeApproval(grant?: Grant): boolean {
    if (grant === undefined) {
      const had = this.approvals.size > 0;
      this.approvals.clear();
      return had;
    }
    return this.approvals.delete(pairKey(grant.appId, grant.userId));
  }

  /** Records the user's approval and creates the auth key the redirect carries. */
  approve(appId: string, userId: string): string {
    if (!this.apps.has(appId)) throw new TypeError(`no app with appId ${appId}`);
    if (!this.users.has(userId)) throw new TypeError(`no user with userId ${userId}`);
    const pair = pairKey(appId, userId);
    this.approvals.add(pair);
    const authKey = hex32();
    this.authKeys.set(authKey, { appId, userId });
    const unused = this.authKeysByPair.get(pair) ?? [];
    unused.push(authKey);
    // Keys nobody exchanges would otherwise pile up for as long as the emulator runs.
    if (unused.length > maxUnusedAuthKeys) this.authKeys.delete(unused.shift()!);
    this.authKeysByPair.set(pair, unused);
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
    const unused = this.authKeysByPair.get(pair);
    if (unused) {
      unused.splice(unused.indexOf(key), 1);
      if (unused.length === 0) this.authKeysByPair.delete(pair);
    }

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

  /** Signs a browser in. Anyone can, so the oldest sessions make room past `maxSessions`, and expired ones go first. */
  startSession(userId: string): string {
    for (const [id, session] of this.sessions) {
      if (this.sessions.size < maxSessions && !this.sessionExpired(session)) break;
      this.sessions.delete(id);
    }
    const id = hex32();
    this.sessions.set(id, { userId, startedAt: this.now() });
    return id;
  }

  sessionUser(sessionId: string | undefined): EmulatorUser | undefined {
    const session = sessionId === undefined ? undefined : this.sessions.get(sessionId);
    if (!session) return undefined;
    if (this.sessionExpired(session)) {
      this.sessions.delete(sessionId!);
      return undefined;
    }
    return this.users.get(session.userId);
  }

  private sessionExpired(session: { startedAt: number }): boolean {
    return this.now() - session.startedAt >= sessionTTL * 1000;
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
    return this.lastUserId + 1;
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
    // A hand-edited file is checked like a seed: a wrong type is named now, not a crash later.
    const problem = (Array.isArray(state.users) ? state.users : []).map((user, i) => userProblem(user, `users[${i}].`)).find(Boolean)
      ?? (Array.isArray(state.apps) ? state.apps : []).map((app, i) => appProblem(app, `apps[${i}].`)).find(Boolean);
    if (problem) throw new TypeError(`the emulator data file ${file} needs ${problem}`);
    if (state.lastUserId !== undefined && !(Number.isSafeInteger(state.lastUserId) && state.lastUserId >= 0)) {
      throw new TypeError(`the emulator data file ${file} needs lastUserId to be a whole number`);
    }
    this.absorb(state);
  }

  /**
   * Takes in what other emulators sharing the data file changed since this store last wrote it:
   * the records they added, and the removal of records it held then.
   */
  private absorb(state: Partial<PersistedState>): void {
    const apps = Array.isArray(state.apps) ? state.apps : [];
    const users = Array.isArray(state.users) ? state.users : [];
    const onDisk = new Set([...apps.map((a) => appRecord(a.appId)), ...users.map((u) => userRecord(u.userId))]);
    for (const record of this.seenOnDisk) {
      if (onDisk.has(record)) continue;
      const [kind, id] = [record.slice(0, record.indexOf(':')), record.slice(record.indexOf(':') + 1)];
      if (kind === 'app') this.apps.delete(id);
      else if (this.users.delete(id)) this.loginIndexStale = true;
    }
    // Records that another writer got wrong are left out rather than served.
    for (const app of apps) {
      if (!this.apps.has(app.appId) && !appProblem(app)) this.apps.set(app.appId, { ...app, redirectURL: encodeRedirectURL(app.redirectURL) });
    }
    for (const user of users) {
      if (!this.users.has(user.userId) && !userProblem(user)) {
        this.users.set(user.userId, user);
        this.index(user);
      }
    }
    // Another emulator's newest id counts even when it deleted that user since.
    const theirs = Number.isSafeInteger(state.lastUserId) ? state.lastUserId! : 0;
    this.lastUserId = users.reduce((last, u) => Math.max(last, Number(u.userId) || 0), Math.max(this.lastUserId, theirs));
    this.seenOnDisk = onDisk;
  }

  /**
   * Runs a change to apps or users. With a data file, under its lock: first take in what other
   * emulators (worker threads, other processes) wrote, then change, then write the whole file.
   * While another emulator holds the lock it throws DataFileBusy at once, having changed nothing:
   * waiting here would freeze every request (see retryWhileBusy).
   */
  private mutate<T>(change: () => T): T {
    if (!this.options.dataFile) return change();
    const file = realFile(this.options.dataFile);
    const release = tryLock(file);
    if (!release) throw new DataFileBusy(this.options.dataFile);
    try {
      if (existsSync(file)) {
        try {
          this.absorb(JSON.parse(readFileSync(file, 'utf8')) as Partial<PersistedState>);
        } catch {
          // Unreadable now (edited by hand mid-run): this store's own state is the best there is.
        }
      }
      const result = change();
      this.write(file);
      return result;
    } finally {
      release();
    }
  }

  private write(file: string): void {
    const state: PersistedState = { apps: [...this.apps.values()], users: [...this.users.values()], lastUserId: this.lastUserId };
    writeWhole(file, JSON.stringify(state, null, 2) + '\n');
    this.seenOnDisk = new Set([...state.apps.map((a) => appRecord(a.appId)), ...state.users.map((u) => userRecord(u.userId))]);
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '';
  }
}
