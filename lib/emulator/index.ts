import { randomBytes } from 'node:crypto';
import { adminTokenProblem, isLoopbackHost, type AdminAccess } from './access.js';
import { retryWhileBusy } from './data-file.js';
import { FaultQueue, type EmulatorFault, type FaultEndpoint } from './faults.js';
import { LoginQueue, loginDecisions, type QueuedLogin } from './login-queue.js';
import { RequestLog, type RecordedRequest } from './request-log.js';
import { startServer, type RunningServer } from './server.js';
import { genderNames, sngineVersions, type Site, type SiteLanguage, type SngineVersion } from './site.js';
import {
  appProblem, Store, userProblem, type EmulatorApp, type EmulatorUser, type NewApp, type NewUser,
} from './store.js';

export { DataFileBusy } from './data-file.js';
export type { EmulatorFault, FaultEndpoint } from './faults.js';
export type { LoginDecision, QueuedLogin } from './login-queue.js';
export type { RecordedRequest } from './request-log.js';
export { EMULATOR_CHANNELS } from './api-calls.js';
export type { EmulatorApiCall } from './api-calls.js';
export type { SiteLanguage, SngineVersion } from './site.js';
export type {
  EmulatorApp, EmulatorGender, EmulatorRelationship, EmulatorUser, NewApp, NewUser,
} from './store.js';

/**
 * Where `/api/authorize` reads its parameters: `GET` the query string, `POST` the form body.
 *
 * @example
 * ```ts
 * const sngine404 = await startEmulator({ authorizeMethods: ['POST'] });
 * ```
 */
export type AuthorizeMethod = 'GET' | 'POST';

/**
 * Options for {@link startEmulator}. Every one is optional.
 *
 * @example
 * ```ts
 * const emu = await startEmulator({ accessTokenTTL: 60, authorizeMethods: ['POST'] });
 * ```
 */
export interface EmulatorOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to listen on. Default `127.0.0.1`. */
  host?: string;
  /** Users to create at start. Skipped when a user with that username is already in `dataFile`. */
  users?: readonly NewUser[];
  /** Apps to register at start. Skipped when the app is already in `dataFile`. */
  apps?: readonly NewApp[];
  /** Access token lifetime in seconds. Default 3600 as documented; real Sngine servers use 60. */
  accessTokenTTL?: number;
  /**
   * The Sngine release to answer as: `'2.7'`, `'3.11'`, `'4.0.3'` or `'4.2'`. It sets where
   * `/api/authorize` reads its parameters (query string up to 4.0.3, form body from 4.0.4), the
   * form of `user_gender` (`female`, `2`, `Female`) and whether `profile_picture` and
   * `profile_cover` are sent (4.x only). Unset: 4.x answers, and `/api/authorize` reads both.
   */
  sngineVersion?: SngineVersion;
  /**
   * Where `/api/authorize` reads `app_id`, `app_secret` and `auth_key`; overrides what
   * `sngineVersion` implies. Default both.
   * `['GET']` acts like Sngine up to 4.0.3 (query string only), `['POST']` like 4.0.4 and later
   * (form body only). Parameters sent the other way are not read, so the answer is
   * "Bad Request, invalid app_id".
   */
  authorizeMethods?: readonly AuthorizeMethod[];
  /** The clock, in milliseconds. Default `Date.now`. `advance()` moves it further. */
  now?: () => number;
  /** A JSON file that keeps apps and users across restarts; created when missing. */
  dataFile?: string;
  /** The site's name on its pages ("Log in With Kvixi"). Default `Kvixi`. */
  siteName?: string;
  /** The site language, which names genders in `get_user_info` unless the request sends `lang`. Default `en_us`. */
  language?: SiteLanguage;
  /** False makes the site answer as when the admin disabled the developers module. Default true. */
  developersEnabled?: boolean;
  /** Largest request body in bytes; larger ones get 413. Default 64 KiB. */
  bodyLimit?: number;
  /** How many recent requests `requests` keeps. Default 1000. */
  requestLogLimit?: number;
  /**
   * Redirect a user who approved the app before without showing the consent page again, as
   * Sngine does. Default true; false shows the consent page on every login.
   */
  rememberApprovals?: boolean;
  /**
   * Requires `Authorization: Bearer <adminToken>` on every call to the HTTP control API
   * (`/__emulator/…`). Without it the control API is on only when `host` is a loopback address.
   */
  adminToken?: string;
}

/**
 * A running emulator. Close it when done: `close()` ends every connection.
 *
 * @example
 * ```ts
 * const emu = await startEmulator();
 * const app = emu.registerApp({ name: 'My app', redirectURL: 'http://localhost:3000/cb' });
 * const user = emu.addUser({ firstname: 'Jane' });
 * const authKey = emu.issueAuthKey({ appId: app.appId, userId: user.userId });
 * emu.enqueueLogin({ userId: user.userId }); // the next visit to /api/oauth: Jane approves
 * emu.reset();                               // between tests: back to the state after start
 * await emu.close();
 * ```
 */
export interface KvixiEmulator {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:53412`. */
  readonly url: string;
  readonly port: number;
  /** Recent requests, oldest first, with `app_secret`, `auth_key`, `access_token` and passwords as `***`. */
  readonly requests: readonly RecordedRequest[];
  /** Every app, as the dashboard lists them. */
  readonly apps: readonly EmulatorApp[];
  /** Every user, as the sign-in page lists them. */
  readonly users: readonly EmulatorUser[];
  /** Registers an app as the developers dashboard would; returns its `appId` and `appSecret`. */
  registerApp(app: NewApp): EmulatorApp;
  /** Creates a user; fields left out get generated values. */
  addUser(user?: NewUser): EmulatorUser;
  /** Deletes a user: their still-valid tokens then get `[]` from `get_user_info`. Returns false when unknown. */
  deleteUser(userId: string): boolean;
  /**
   * Approves the app for the user and returns the `auth_key` the redirect would have carried.
   * At most 5 unused keys are kept per app and user: a sixth makes the oldest stop working.
   */
  issueAuthKey(grant: { appId: string; userId: string }): string;
  /**
   * Queues a login: the next browser visit to `/api/oauth` is answered as if this user had signed
   * in and chosen `decision`. `'approve'` (the default) is one 302 to the app's redirect URL with
   * a fresh `auth_key`; `'cancel'` is where the Cancel link leads, the site's home page. Queued
   * logins are used first in, first out; the browser is not left signed in.
   */
  enqueueLogin(login: QueuedLogin): void;
  /**
   * Forgets that the user approved the app, so their next login shows the consent page again.
   * Without an argument, forgets every approval. Returns false when there was none to forget.
   */
  revokeApproval(grant?: { appId: string; userId: string }): boolean;
  /** Makes the next call to `endpoint` misbehave; several calls queue several faults. */
  failNext(endpoint: FaultEndpoint, fault: EmulatorFault): void;
  /** Drops every queued fault. */
  clearFaults(): void;
  /**
   * Back to the state right after `startEmulator()` returned: the seeded users and apps (those
   * added since are removed), no approvals, auth keys, tokens, sessions, faults, queued logins or
   * recorded requests, and the clock offset back to 0.
   */
  reset(): void;
  /** Moves the emulator's clock forward, e.g. past the access token lifetime. */
  advance(seconds: number): void;
  /**
   * The emulator's clock in milliseconds. Bound, so it can be handed on as a clock:
   * `new KvixiStrategy({ …, now: emu.now }, verify)` makes `advance()` move the strategy's clock too.
   */
  now(): number;
  /** Forgets the recorded requests. */
  clearRequests(): void;
  /** Stops listening and destroys every connection, keep-alive and hung ones included. */
  close(): Promise<void>;
}

function checkOptions(options: EmulatorOptions): void {
  const { port, accessTokenTTL, authorizeMethods, language, bodyLimit, sngineVersion, rememberApprovals, adminToken } = options;
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    throw new TypeError('startEmulator() requires port to be an integer from 0 to 65535');
  }
  if (accessTokenTTL !== undefined && !(Number.isFinite(accessTokenTTL) && accessTokenTTL > 0)) {
    throw new TypeError('startEmulator() requires accessTokenTTL to be a positive number of seconds');
  }
  if (authorizeMethods !== undefined && (authorizeMethods.length === 0 || authorizeMethods.some((m) => m !== 'GET' && m !== 'POST'))) {
    throw new TypeError("startEmulator() requires authorizeMethods to list 'GET', 'POST' or both");
  }
  if (language !== undefined && !Object.hasOwn(genderNames, language)) {
    throw new TypeError(`startEmulator() requires language to be one of ${Object.keys(genderNames).join(', ')}`);
  }
  if (bodyLimit !== undefined && !(Number.isInteger(bodyLimit) && bodyLimit > 0)) {
    throw new TypeError('startEmulator() requires bodyLimit to be a positive number of bytes');
  }
  if (sngineVersion !== undefined && !Object.hasOwn(sngineVersions, sngineVersion)) {
    throw new TypeError(`startEmulator() requires sngineVersion to be one of ${Object.keys(sngineVersions).join(', ')}`);
  }
  if (rememberApprovals !== undefined && typeof rememberApprovals !== 'boolean') {
    throw new TypeError('startEmulator() requires rememberApprovals to be true or false');
  }
  const tokenProblem = adminToken === undefined ? undefined : adminTokenProblem(adminToken);
  if (tokenProblem) throw new TypeError(`startEmulator() requires adminToken to be ${tokenProblem}`);
  for (const list of ['users', 'apps'] as const) {
    if (options[list] !== undefined && !Array.isArray(options[list])) throw new TypeError(`startEmulator() requires ${list} to be an array`);
  }
  // Every seed is checked before any is stored, so a bad one leaves no half-seeded data file.
  options.users?.forEach((user, i) => {
    const problem = userProblem(user, `users[${i}].`);
    if (problem) throw new TypeError(`startEmulator() requires ${problem}`);
  });
  options.apps?.forEach((app, i) => {
    const problem = appProblem(app, `apps[${i}].`);
    if (problem) throw new TypeError(`startEmulator() requires ${problem}`);
  });
}

/** Seeds while another emulator may be saving the same data file: waits for it without blocking. */
async function seed(store: Store, options: EmulatorOptions): Promise<void> {
  for (const user of options.users ?? []) await retryWhileBusy(() => store.seedUser(user));
  for (const app of options.apps ?? []) await retryWhileBusy(() => store.seedApp(app));
}

/** The control API is on for loopback hosts, or anywhere with a token, never open to a network. */
function controlAccess(host: string, adminToken: string | undefined): AdminAccess {
  if (adminToken !== undefined) return { adminToken };
  if (isLoopbackHost(host)) return {};
  return { off: `the control API is off: the emulator listens on ${host}, beyond this machine, without an admin token (adminToken, --admin-token)` };
}

function checkGrant(fn: string, grant: unknown): { appId: string; userId: string } {
  const { appId, userId } = (grant ?? {}) as Record<string, unknown>;
  if (typeof appId !== 'string') throw new TypeError(`${fn} requires appId (a string)`);
  if (typeof userId !== 'string') throw new TypeError(`${fn} requires userId (a string)`);
  return { appId, userId };
}

function baseURL(host: string, port: number): string {
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}

/**
 * Starts a local Kvixi (Sngine) provider that behaves like the real server, quirks included:
 * the "Log in with" pages, `/api/authorize`, `/api/get_user_info` and an apps dashboard.
 *
 * @example
 * ```ts
 * import { startEmulator } from 'passport-kvixi/emulator';
 *
 * const emu = await startEmulator({
 *   users: [{ username: 'jane', firstname: 'Jane', lastname: "O'Brien" }],
 *   apps: [{ name: 'Test app', redirectURL: 'http://localhost:3000/auth/kvixi/callback' }],
 * });
 * const [app] = emu.apps;
 * console.log(`${emu.url}/api/oauth?app_id=${app.appId}`);
 * await emu.close();
 * ```
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<KvixiEmulator> {
  checkOptions(options);
  const host = options.host ?? '127.0.0.1';
  const store = new Store({
    now: options.now ?? Date.now,
    accessTokenTTL: options.accessTokenTTL ?? 3600,
    dataFile: options.dataFile,
  });
  await seed(store, options);
  store.markInitial();
  const version = options.sngineVersion === undefined ? undefined : sngineVersions[options.sngineVersion];
  const site: Site = {
    store,
    name: options.siteName ?? 'Kvixi',
    url: '',
    language: options.language ?? 'en_us',
    developersEnabled: options.developersEnabled ?? true,
    authorizeMethods: new Set(options.authorizeMethods ?? version?.authorizeMethods ?? ['GET', 'POST']),
    generation: version?.generation ?? 4,
    rememberApprovals: options.rememberApprovals ?? true,
    logins: new LoginQueue(),
    csrfToken: randomBytes(16).toString('hex'),
  };
  const faults = new FaultQueue();
  const log = new RequestLog(options.requestLogLimit ?? 1000);
  let running: RunningServer | undefined;
  let port = options.port ?? 0;

  const emulator: KvixiEmulator = {
    get url() {
      return site.url;
    },
    get port() {
      return port;
    },
    get requests() {
      return log.list();
    },
    get apps() {
      return [...store.apps.values()].map((app) => ({ ...app }));
    },
    get users() {
      return [...store.users.values()].map((user) => ({ ...user }));
    },
    registerApp: (app) => store.registerApp(app),
    addUser: (user) => store.addUser(user),
    deleteUser: (userId) => store.deleteUser(userId),
    issueAuthKey: (grant) => {
      const { appId, userId } = checkGrant('issueAuthKey()', grant);
      return store.approve(appId, userId);
    },
    enqueueLogin: (login) => {
      const { userId, decision = 'approve' } = (login ?? {}) as Partial<QueuedLogin>;
      if (typeof userId !== 'string' || !store.users.has(userId)) {
        throw new TypeError(`enqueueLogin() requires userId to be the userId of an existing user`);
      }
      if (!loginDecisions.includes(decision)) throw new TypeError(`enqueueLogin() requires decision to be one of ${loginDecisions.join(', ')}`);
      site.logins.add({ userId, decision });
    },
    revokeApproval: (grant) => store.revokeApproval(grant === undefined ? undefined : checkGrant('revokeApproval()', grant)),
    failNext: (endpoint, fault) => faults.add(endpoint, fault),
    clearFaults: () => faults.clear(),
    reset: () => {
      store.reset();
      faults.clear();
      site.logins.clear();
      log.clear();
    },
    advance: (seconds) => store.advance(seconds),
    now: () => store.now(),
    clearRequests: () => log.clear(),
    close: () => running?.close() ?? Promise.resolve(),
  };

  running = await startServer(
    { site, faults, log, bodyLimit: options.bodyLimit ?? 64 * 1024, control: { target: emulator, ...controlAccess(host, options.adminToken) } },
    port,
    host,
  );
  const address = running.server.address();
  if (typeof address === 'object' && address) port = address.port;
  site.url = baseURL(host, port);
  return emulator;
}
