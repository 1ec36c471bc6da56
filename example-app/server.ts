// Starts the example site. Without KVIXI_APP_ID it also starts a Kvixi emulator in the same process,
// with demo users and an app whose redirect URL is this site's callback. See .env.example.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Store } from 'express-session';
import type { KvixiClaimStore } from 'passport-kvixi';
import { startEmulator, type KvixiEmulator } from 'passport-kvixi/emulator';
import { createApp } from './app.js';
import type { KvixiSettings } from './auth.js';
import { openDatabase } from './db.js';
import type { RedisSessions } from './redis.js';
import { logLoginOutcomes } from './telemetry.js';

// Variables already set in the environment win over the file.
const envFile = process.env.ENV_FILE ?? new URL('./.env', import.meta.url).pathname;
if (existsSync(envFile)) process.loadEnvFile(envFile);

const env = process.env;
logLoginOutcomes();
const port = Number(env.PORT || 3000);
const publicURL = (env.PUBLIC_URL || `http://localhost:${port}`).replace(/\/+$/, '');
const secure = publicURL.startsWith('https:');

function fail(message: string): never {
  console.error(`example-app: ${message}`);
  process.exit(1);
}

let sessionSecret = env.SESSION_SECRET;
if (!sessionSecret) {
  sessionSecret = randomBytes(32).toString('hex');
  console.warn('example-app: SESSION_SECRET is not set; using a random one, so sessions end when the app restarts.');
}

let emulator: KvixiEmulator | undefined;
let kvixi: KvixiSettings;
if (env.KVIXI_APP_ID) {
  if (!env.KVIXI_APP_SECRET) fail('KVIXI_APP_ID is set but KVIXI_APP_SECRET is not.');
  kvixi = { appId: env.KVIXI_APP_ID, appSecret: env.KVIXI_APP_SECRET, baseURL: env.KVIXI_BASE_URL || 'https://kvixi.com' };
} else {
  emulator = await startEmulator({
    port: Number(env.EMULATOR_PORT || 4000),
    accessTokenTTL: 60,
    users: [
      { username: 'jane', firstname: 'Jane', lastname: "O'Brien", email: 'jane@example.com', gender: 'female',
        birthdate: '1990-05-17', picture: 'photos/2024/05/jane.jpg', verified: true, biography: 'Café owner' },
      { username: 'jose', firstname: 'José', lastname: 'García', email: 'jose@example.com', gender: 'male',
        birthdate: '1985-11-02', picture: 'photos/2024/06/jose.jpg' },
      { username: 'alex', firstname: 'Alex', lastname: 'Kim', gender: 'other' },
    ],
    apps: [{ name: 'Harbor (example app)', redirectURL: `${publicURL}/auth/kvixi/callback` }],
  }).catch((err: Error) => fail(`the embedded Kvixi emulator could not start (${err.message}); set EMULATOR_PORT to a free port`));
  const [app] = emulator.apps;
  if (!app) fail('the embedded Kvixi emulator has no app');
  kvixi = { appId: app.appId, appSecret: app.appSecret, baseURL: emulator.url };
}

let sessionStore: Store | undefined;
let claimStore: KvixiClaimStore | undefined;
let redis: RedisSessions | undefined;
if (env.REDIS_URL) {
  // Loaded only when used, so a start without Redis does not pay for the client.
  const { connectRedisSessions } = await import('./redis.js');
  redis = await connectRedisSessions(env.REDIS_URL, (err) => console.warn(`example-app: Redis: ${err.message}`)).catch((err: Error) =>
    fail(`cannot connect to REDIS_URL (${err.message})`),
  );
  sessionStore = redis.store;
  // Several instances on one Redis share the record of used logins too, so a login succeeds once.
  claimStore = redis.claimStore;
}

const db = openDatabase(env.DATABASE_FILE || new URL('./data/app.db', import.meta.url).pathname);
const app = createApp({
  db,
  kvixi,
  sessionSecret,
  sessionStore,
  claimStore,
  secureCookies: secure,
  trustProxy: trustProxySetting(env.TRUST_PROXY),
  emulatorURL: emulator?.url,
  // The emulator signs out with the button in its header (a POST from its own page); a real
  // Sngine site signs out at {baseURL}/signout, the default.
  kvixiSignOutURL: emulator ? `${emulator.url}/` : undefined,
  siteContact: env.SITE_CONTACT || undefined,
});

const server = createServer(app);
server.on('error', (err) => fail(`cannot listen on port ${port} (${err.message}); set PORT`));
server.listen(port, env.HOST || '127.0.0.1', () => {
  console.log(`Example site:   ${publicURL}`);
  if (emulator) console.log(`Kvixi emulator: ${emulator.url}  (demo users: jane, jose, alex)`);
  else console.log(`Kvixi:          ${kvixi.baseURL}`);
});

/** Express's `trust proxy`: a hop count, true/false, or addresses such as `loopback`. */
function trustProxySetting(value: string | undefined): boolean | number | string {
  if (value === undefined || value === '' || value === 'false') return false;
  if (value === 'true') return true;
  return /^\d+$/.test(value) ? Number(value) : value;
}

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await emulator?.close();
  await redis?.close().catch(() => undefined);
  db.close();
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
