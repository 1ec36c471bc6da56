import { FaultQueue, type EmulatorFault, type FaultEndpoint } from './faults.js';
import { RequestLog, type RecordedRequest } from './request-log.js';
import { startServer } from './server.js';
import { genderNames, type Site, type SiteLanguage } from './site.js';
import { Store, type EmulatorApp, type EmulatorUser, type NewApp, type NewUser } from './store.js';

export type { EmulatorFault, FaultEndpoint } from './faults.js';
export type { RecordedRequest } from './request-log.js';
export type { SiteLanguage } from './site.js';
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
   * Where `/api/authorize` reads `app_id`, `app_secret` and `auth_key`. Default both.
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
  /** Approves the app for the user and returns the `auth_key` the redirect would have carried. */
  issueAuthKey(grant: { appId: string; userId: string }): string;
  /** Makes the next call to `endpoint` misbehave; several calls queue several faults. */
  failNext(endpoint: FaultEndpoint, fault: EmulatorFault): void;
  /** Moves the emulator's clock forward, e.g. past the access token lifetime. */
  advance(seconds: number): void;
  /** The emulator's clock in milliseconds. */
  now(): number;
  /** Forgets the recorded requests. */
  clearRequests(): void;
  /** Stops listening and destroys every connection, keep-alive and hung ones included. */
  close(): Promise<void>;
}

function checkOptions(options: EmulatorOptions): void {
  const { port, accessTokenTTL, authorizeMethods, language, bodyLimit } = options;
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
}

function seed(store: Store, options: EmulatorOptions): void {
  for (const user of options.users ?? []) {
    const known = (user.userId !== undefined && store.users.has(user.userId))
      || (user.username !== undefined && store.findByLogin(user.username));
    if (!known) store.addUser(user);
  }
  for (const app of options.apps ?? []) {
    const known = [...store.apps.values()].some((a) => a.appId === app.appId
      || (app.appId === undefined && a.name === app.name && a.redirectURL === app.redirectURL));
    if (!known) store.registerApp(app);
  }
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
  seed(store, options);
  const site: Site = {
    store,
    name: options.siteName ?? 'Kvixi',
    url: '',
    language: options.language ?? 'en_us',
    developersEnabled: options.developersEnabled ?? true,
    authorizeMethods: new Set(options.authorizeMethods ?? ['GET', 'POST']),
  };
  const faults = new FaultQueue();
  const log = new RequestLog(options.requestLogLimit ?? 1000);
  const running = await startServer({ site, faults, log, bodyLimit: options.bodyLimit ?? 64 * 1024 }, options.port ?? 0, host);
  const address = running.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 0);
  site.url = baseURL(host, port);

  return {
    url: site.url,
    port,
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
    issueAuthKey: ({ appId, userId }) => store.approve(appId, userId),
    failNext: (endpoint, fault) => faults.add(endpoint, fault),
    advance: (seconds) => store.advance(seconds),
    now: () => store.now(),
    clearRequests: () => log.clear(),
    close: () => running.close(),
  };
}
