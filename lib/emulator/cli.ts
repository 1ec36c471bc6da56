#!/usr/bin/env node
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  startEmulator, type AuthorizeMethod, type EmulatorOptions, type KvixiEmulator, type NewApp, type NewUser, type SiteLanguage,
  type SngineVersion,
} from './index.js';
import { adminTokenProblem, isLoopbackHost } from './access.js';
import { sngineVersions } from './site.js';
import { appProblem, userProblem } from './store.js';

const usage = `Usage: kvixi-emulator [options]

Runs a local Kvixi (Sngine) "Log in with" provider for development and tests.
Local emulator — not for production.

Options:
  --port <n>                 TCP port to listen on (default 4000; 0 picks a free one)
  --host <address>           interface to listen on (default 127.0.0.1)
  --seed <file.json>         users and apps to create: {"users": [...], "apps": [...]}
                             (default: a few demo users)
  --data <file.json>         keep apps and users in this file across restarts
  --token-ttl <seconds>      access token lifetime (default 3600 as documented;
                             60 is what real Sngine servers do)
  --sngine-version <v>       answer as Sngine 2.7, 3.11, 4.0.3 or 4.2 (where the token
                             exchange reads, user_gender's form, profile_picture);
                             default: 4.x answers, the exchange read both ways
  --authorize-methods <list> where /api/authorize reads its parameters: GET (query
                             string, Sngine <= 4.0.3), POST (form body, Sngine >= 4.0.4)
                             or GET,POST; overrides --sngine-version
  --redirect-url <url>       redirect URL of the ready-made app
                             (default http://localhost:3000/auth/kvixi/callback)
  --app-id <digits>          pin the ready-made app's app_id (default: a new one each start)
  --app-secret <secret>      pin the ready-made app's app_secret
  --admin-token [<token>]    require this token (32+ characters) on the HTTP control API
                             (Authorization: Bearer) and the apps dashboard (the browser
                             asks for it as a password); needed to turn both on when
                             --host is not a loopback address; without a value, a new
                             one is made and printed
  --site-name <name>         the site's name on its pages (default Kvixi)
  --language <code>          site language for gender names: en_us (default) or ar_sa
  -h, --help                 show this help

Stop it with Ctrl-C.
`;

const defaultRedirectURL = 'http://localhost:3000/auth/kvixi/callback';

const demoUsers: NewUser[] = [
  {
    username: 'jane', email: 'jane@example.com', firstname: 'Jane', lastname: "O'Brien", gender: 'female',
    birthdate: '1990-05-17', picture: 'photos/2024/05/sngine_0f3c5d1e2a4b6c8d9e0f1a2b3c4d5e6f.jpg',
    verified: true, relationship: 'single', biography: 'Café owner & baker',
  },
  { username: 'jose', email: 'jose@example.com', firstname: 'José', lastname: 'García', gender: 'male', website: 'https://example.com/?a=1&b=2' },
  { username: 'alex', email: 'alex@example.com', firstname: 'Alex', lastname: 'Kim', gender: 'other' },
];

class UsageError extends Error {}

function integer(flag: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got "${text}"`);
  return n;
}

/** Checks every seed entry first, so a wrong type is named here instead of failing later. */
function checkSeed(file: string, seed: { users?: unknown[]; apps?: unknown[] }): void {
  const problem = seed.users?.map((user, i) => userProblem(user, `users[${i}].`)).find(Boolean)
    ?? seed.apps?.map((app, i) => appProblem(app, `apps[${i}].`)).find(Boolean);
  if (problem) throw new UsageError(`the seed file ${file} needs ${problem}`);
}

/** How many apps a data file already holds; unreadable files are left for startEmulator to report. */
function appsInDataFile(file: string | undefined): number {
  if (!file || !existsSync(file)) return 0;
  try {
    const { apps } = JSON.parse(readFileSync(file, 'utf8')) as { apps?: unknown };
    return Array.isArray(apps) ? apps.length : 0;
  } catch {
    return 0;
  }
}

function readSeed(file: string): { users?: NewUser[]; apps?: NewApp[] } {
  let seed: unknown;
  try {
    seed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read the seed file ${file}: ${(error as Error).message}`);
  }
  const { users, apps } = (seed ?? {}) as Record<string, unknown>;
  if (typeof seed !== 'object' || seed === null || (users !== undefined && !Array.isArray(users)) || (apps !== undefined && !Array.isArray(apps))) {
    throw new UsageError(`the seed file ${file} must hold an object like {"users": [...], "apps": [...]}`);
  }
  checkSeed(file, seed as { users?: unknown[]; apps?: unknown[] });
  return seed as { users?: NewUser[]; apps?: NewApp[] };
}

/** `--admin-token` with no value after it (last, or before another flag) asks for a new token. */
function withGeneratedToken(argv: string[]): { args: string[]; generated?: string } {
  const at = argv.indexOf('--admin-token');
  if (at === -1 || (argv[at + 1] !== undefined && !argv[at + 1]!.startsWith('-'))) return { args: argv };
  const generated = randomBytes(32).toString('hex');
  return { args: [...argv.slice(0, at), `--admin-token=${generated}`, ...argv.slice(at + 1)], generated };
}

function optionsFrom(argv: string[]): EmulatorOptions | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        seed: { type: 'string' },
        data: { type: 'string' },
        'token-ttl': { type: 'string' },
        'authorize-methods': { type: 'string' },
        'redirect-url': { type: 'string' },
        'sngine-version': { type: 'string' },
        'app-id': { type: 'string' },
        'app-secret': { type: 'string' },
        'admin-token': { type: 'string' },
        'site-name': { type: 'string' },
        language: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return 'help';
  const methodsFlag = values['authorize-methods'];
  const methods = methodsFlag?.split(',').map((m) => m.trim().toUpperCase());
  if (methods?.some((m) => m !== 'GET' && m !== 'POST')) {
    throw new UsageError(`--authorize-methods must be GET, POST or GET,POST, got "${methodsFlag}"`);
  }
  const version = values['sngine-version'];
  if (version !== undefined && !Object.hasOwn(sngineVersions, version)) {
    throw new UsageError(`--sngine-version must be one of ${Object.keys(sngineVersions).join(', ')}, got "${version}"`);
  }
  const language = values.language ?? 'en_us';
  if (language !== 'en_us' && language !== 'ar_sa') throw new UsageError(`--language must be en_us or ar_sa, got "${language}"`);
  const redirectURL = values['redirect-url'];
  if (redirectURL !== undefined && appProblem({ name: 'x', redirectURL })) {
    throw new UsageError(`--redirect-url must be an http or https URL, got "${redirectURL}"`);
  }
  const appId = values['app-id'];
  if (appId !== undefined && appProblem({ name: 'x', redirectURL: defaultRedirectURL, appId })) {
    throw new UsageError(`--app-id must be a decimal number of at most 15 digits without leading zeros, got "${appId}"`);
  }
  const appSecret = values['app-secret'];
  // Never echo the secret: the terminal's scrollback may be shared.
  if (appSecret !== undefined && appProblem({ name: 'x', redirectURL: defaultRedirectURL, appSecret })) {
    throw new UsageError('--app-secret must be visible ASCII characters without spaces');
  }
  const adminToken = values['admin-token'];
  // Never echo the token.
  const tokenProblem = adminToken === undefined ? undefined : adminTokenProblem(adminToken);
  if (tokenProblem) throw new UsageError(`--admin-token must be ${tokenProblem}`);
  const seed = values.seed ? readSeed(values.seed) : { users: demoUsers };
  const apps = [...(seed.apps ?? [])];
  // The ready-made app is a seed too, so reset() keeps it and --data does not add it twice.
  const pinned = appId !== undefined || appSecret !== undefined;
  const wanted = redirectURL ?? (pinned || apps.length + appsInDataFile(values.data) === 0 ? defaultRedirectURL : undefined);
  if (wanted !== undefined && (pinned || !apps.some((app) => app.redirectURL === wanted))) {
    apps.push({ name: 'Local test app', redirectURL: wanted, ...(appId && { appId }), ...(appSecret && { appSecret }) });
  }
  return {
    port: values.port === undefined ? 4000 : integer('--port', values.port, 0, 65535),
    host: values.host ?? '127.0.0.1',
    users: seed.users ?? [],
    apps,
    dataFile: values.data,
    accessTokenTTL: values['token-ttl'] === undefined ? 3600 : integer('--token-ttl', values['token-ttl'], 1, 10 * 365 * 86400),
    ...(version !== undefined && { sngineVersion: version as SngineVersion }),
    ...(methods !== undefined && { authorizeMethods: [...new Set(methods)] as AuthorizeMethod[] }),
    siteName: values['site-name'] ?? 'Kvixi',
    language: language as SiteLanguage,
    ...(adminToken !== undefined && { adminToken }),
  };
}

/** A shell-quoted value, so a pasted line works whatever the secret holds. */
function shellValue(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", "'\\''")}'`;
}

function controlAPILine(emu: KvixiEmulator, options: EmulatorOptions): string {
  const where = `${emu.url}/__emulator/`;
  if (options.adminToken !== undefined) return `Control API:    ${where}  (send Authorization: Bearer <admin token>)`;
  if (isLoopbackHost(options.host ?? '127.0.0.1')) return `Control API:    ${where}  (loopback only)`;
  return 'Control API:    off (listening beyond loopback; set --admin-token to turn it on)';
}

function dashboardLine(emu: KvixiEmulator, options: EmulatorOptions): string {
  const where = `${emu.url}/developers/apps`;
  if (options.adminToken !== undefined) return `${where}  (the browser asks for the admin token as the password)`;
  if (isLoopbackHost(options.host ?? '127.0.0.1')) return where;
  return 'off (listening beyond loopback; set --admin-token to turn it on)';
}

async function main(): Promise<void> {
  let parsed;
  const { args, generated } = withGeneratedToken(process.argv.slice(2));
  try {
    parsed = optionsFrom(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`kvixi-emulator: ${error.message}\nRun kvixi-emulator --help to see the options.\n`);
    process.exitCode = 2;
    return;
  }
  if (parsed === 'help') {
    process.stdout.write(usage);
    return;
  }
  const options = parsed;
  let emu: KvixiEmulator;
  try {
    emu = await startEmulator(options);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    process.stderr.write(`kvixi-emulator: port ${options.port} on ${options.host} is in use; choose another with --port <n> (--port 0 picks a free one)\n`);
    process.exitCode = 1;
    return;
  }

  // Listen before printing: a script may send the signal as soon as it reads the output.
  const stop = (signal: string): void => {
    process.stdout.write(`\n${signal} received, stopping.\n`);
    emu.close().then(
      () => { process.exitCode = 0; },
      () => { process.exitCode = 1; },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  const lines = [`${options.siteName} emulator listening on ${emu.url}  (local emulator — not for production)`, '', 'Users (sign in on the login page, or with username and password):'];
  for (const user of emu.users) {
    lines.push(`  ${user.userId.padEnd(4)} ${user.username.padEnd(12)} ${`${user.firstname} ${user.lastname}`.padEnd(20)} password: ${user.password}`);
  }
  for (const app of emu.apps) {
    lines.push('', `App "${app.name}"`, `  app_id:       ${app.appId}`, `  app_secret:   ${app.appSecret}`,
      `  redirect URL: ${app.redirectURL}`, `  login URL:    ${emu.url}/api/oauth?app_id=${app.appId}`);
  }
  if (emu.apps.length > 0) {
    lines.push('', `Ready to paste into your app's environment${emu.apps.length > 1 ? ' (one line per app)' : ''}:`);
    for (const app of emu.apps) {
      lines.push(`KVIXI_BASE_URL=${shellValue(emu.url)} KVIXI_APP_ID=${app.appId} KVIXI_APP_SECRET=${shellValue(app.appSecret)}`);
    }
  }
  lines.push('', `Apps dashboard: ${dashboardLine(emu, options)}`, controlAPILine(emu, options));
  if (generated !== undefined) lines.push(`Admin token:    ${generated}  (made for this run; pass --admin-token <token> to keep one)`);
  lines.push('Press Ctrl-C to stop.', '');
  process.stdout.write(lines.join('\n'));
}

main().catch((error: unknown) => {
  process.stderr.write(`kvixi-emulator: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
