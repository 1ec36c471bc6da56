#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startEmulator, type AuthorizeMethod, type EmulatorOptions, type NewApp, type NewUser, type SiteLanguage } from './index.js';

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
  --authorize-methods <list> where /api/authorize reads its parameters: GET (query
                             string, Sngine <= 4.0.3), POST (form body, Sngine >= 4.0.4)
                             or GET,POST (default)
  --redirect-url <url>       redirect URL of the ready-made app
                             (default http://localhost:3000/auth/kvixi/callback)
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
  return seed as { users?: NewUser[]; apps?: NewApp[] };
}

function optionsFrom(argv: string[]): { options: EmulatorOptions; redirectURL: string | undefined } | 'help' {
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
        'site-name': { type: 'string' },
        language: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return 'help';
  const methods = (values['authorize-methods'] ?? 'GET,POST').split(',').map((m) => m.trim().toUpperCase());
  if (methods.some((m) => m !== 'GET' && m !== 'POST')) {
    throw new UsageError(`--authorize-methods must be GET, POST or GET,POST, got "${values['authorize-methods']}"`);
  }
  const language = values.language ?? 'en_us';
  if (language !== 'en_us' && language !== 'ar_sa') throw new UsageError(`--language must be en_us or ar_sa, got "${language}"`);
  const redirectURL = values['redirect-url'];
  if (redirectURL !== undefined && !/^https?:\/\/[^\s]+$/.test(redirectURL)) {
    throw new UsageError(`--redirect-url must be an http or https URL, got "${redirectURL}"`);
  }
  const seed = values.seed ? readSeed(values.seed) : { users: demoUsers };
  return {
    redirectURL,
    options: {
      port: values.port === undefined ? 4000 : integer('--port', values.port, 0, 65535),
      host: values.host ?? '127.0.0.1',
      users: seed.users ?? [],
      apps: seed.apps ?? [],
      dataFile: values.data,
      accessTokenTTL: values['token-ttl'] === undefined ? 3600 : integer('--token-ttl', values['token-ttl'], 1, 10 * 365 * 86400),
      authorizeMethods: [...new Set(methods)] as AuthorizeMethod[],
      siteName: values['site-name'] ?? 'Kvixi',
      language: language as SiteLanguage,
    },
  };
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = optionsFrom(process.argv.slice(2));
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
  const { options, redirectURL } = parsed;
  const emu = await startEmulator(options);
  const wanted = redirectURL ?? (emu.apps.length === 0 ? defaultRedirectURL : undefined);
  if (wanted !== undefined && !emu.apps.some((app) => app.redirectURL === wanted)) {
    emu.registerApp({ name: 'Local test app', redirectURL: wanted });
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
  lines.push('', `Apps dashboard: ${emu.url}/developers/apps`, 'Press Ctrl-C to stop.', '');
  process.stdout.write(lines.join('\n'));
}

main().catch((error: unknown) => {
  process.stderr.write(`kvixi-emulator: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
