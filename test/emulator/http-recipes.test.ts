import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The README's curl examples of the HTTP control API, each line run by bash exactly as written,
// against the CLI in its own process, with the environment its ready-to-paste line sets.

const curlRecipe = String.raw`
// #region recipe: emulator-http-curl
curl -s -X POST "$KVIXI_BASE_URL/__emulator/reset"
curl -s "$KVIXI_BASE_URL/__emulator/users"
curl -s "$KVIXI_BASE_URL/__emulator/apps"
curl -s -X POST "$KVIXI_BASE_URL/__emulator/users" -H 'content-type: application/json' -d '{"username":"omar","firstname":"Omar"}'
curl -s -X POST "$KVIXI_BASE_URL/__emulator/logins" -H 'content-type: application/json' -d '{"userId":"1"}'
curl -s -X POST "$KVIXI_BASE_URL/__emulator/auth-keys" -H 'content-type: application/json' -d "{\"appId\":\"$KVIXI_APP_ID\",\"userId\":\"1\"}"
curl -s -X POST "$KVIXI_BASE_URL/__emulator/faults" -H 'content-type: application/json' -d '{"endpoint":"authorize","fault":{"type":"http","status":502,"body":"Bad Gateway"}}'
curl -s -X DELETE "$KVIXI_BASE_URL/__emulator/faults"
curl -s -X POST "$KVIXI_BASE_URL/__emulator/clock" -H 'content-type: application/json' -d '{"advance":3600}'
curl -s "$KVIXI_BASE_URL/__emulator/requests"
curl -s -X DELETE "$KVIXI_BASE_URL/__emulator/approvals" -H 'content-type: application/json' -d "{\"appId\":\"$KVIXI_APP_ID\",\"userId\":\"1\"}"
curl -s -X DELETE "$KVIXI_BASE_URL/__emulator/approvals"
curl -s -X DELETE "$KVIXI_BASE_URL/__emulator/users/4"
// #endregion
`;
const lines = curlRecipe.split('\n').filter((line) => line.startsWith('curl '));

const cli = resolve('dist/emulator/cli.js');
const curlPath = (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'curl')).find((path) => existsSync(path));
const curlRequired = process.env.CI === 'true';
let emulator: ChildProcess | undefined;
const env: Record<string, string> = {};

beforeAll(async () => {
  if (!curlPath && !curlRequired) return;
  if (!existsSync(cli)) throw new Error(`${cli} is missing: build first (npx tsup, or npm test which builds)`);
  emulator = spawn(process.execPath, [
    cli, '--port', '0', '--app-id', '1732698123456', '--app-secret', 'abcdefabcdefabcdefabcdefabcdef12', '--redirect-url', 'http://127.0.0.1:9/cb',
  ], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  emulator.stdout!.on('data', (chunk) => { output += chunk; });
  while (!output.includes('Press Ctrl-C to stop.')) {
    if (emulator.exitCode !== null) throw new Error(`kvixi-emulator exited: ${output}`);
    await once(emulator.stdout!, 'data');
  }
  for (const pair of output.split('\n').find((l) => l.startsWith('KVIXI_BASE_URL='))!.split(' ')) {
    const [name, value] = pair.split('=') as [string, string];
    env[name] = value;
  }
});
afterAll(async () => {
  if (emulator && emulator.exitCode === null) {
    emulator.kill('SIGTERM');
    await once(emulator, 'exit');
  }
});

function bash(line: string): Promise<string> {
  return new Promise((done, fail) => {
    execFile('bash', ['-c', line], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env } }, (error, stdout) => (error ? fail(error) : done(stdout)));
  });
}

const url = (path: string) => `${env.KVIXI_BASE_URL}${path}`;

async function signedInVisit(userId: string): Promise<string> {
  const signIn = await fetch(url('/signin'), { method: 'POST', redirect: 'manual', body: new URLSearchParams({ user_id: userId }) });
  const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
  const res = await fetch(url(`/api/oauth?app_id=${env.KVIXI_APP_ID}`), { redirect: 'manual', headers: { cookie } });
  return res.status === 302 ? 'redirected at once' : (await res.text()).includes('Continue as') ? 'consent page' : 'other';
}

describe.skipIf(!curlPath && !curlRequired)('the control API with curl', () => {
  it('runs every line of the README example and each does what it says', async () => {
    if (!curlPath) throw new Error('curl is not installed: apt-get install curl');
    expect(lines).toHaveLength(13);
    const outputs: string[] = [];
    const run = async (i: number) => (outputs[i] = await bash(lines[i]!));

    await fetch(url('/__emulator/users'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"firstname":"Gone"}' });
    expect(await run(0)).toBe('');
    const users = JSON.parse(await run(1)) as { username: string }[];
    expect(users.map((u) => u.username)).toEqual(['jane', 'jose', 'alex']);
    expect(JSON.parse(await run(2))).toEqual([expect.objectContaining({ appId: '1732698123456', redirectURL: 'http://127.0.0.1:9/cb' })]);
    expect(JSON.parse(await run(3))).toMatchObject({ userId: '4', username: 'omar', firstname: 'Omar' });

    expect(await run(4)).toBe('');
    const queued = await fetch(url(`/api/oauth?app_id=${env.KVIXI_APP_ID}`), { redirect: 'manual' });
    expect(queued.headers.get('location')).toMatch(/^http:\/\/127\.0\.0\.1:9\/cb\?auth_key=[0-9a-f]{32}$/);

    const { authKey } = JSON.parse(await run(5)) as { authKey: string };
    const exchange = () => fetch(url('/api/authorize'), {
      method: 'POST', body: new URLSearchParams({ app_id: env.KVIXI_APP_ID!, app_secret: env.KVIXI_APP_SECRET!, auth_key: authKey }),
    });
    expect(await run(6)).toBe('');
    expect((await exchange()).status).toBe(502);
    await run(6);
    expect(await run(7)).toBe('');
    expect(await (await exchange()).json()).toEqual({ access_token: expect.stringMatching(/^[0-9a-f]{32}$/) });

    const { now } = JSON.parse(await run(8)) as { now: number };
    expect(now - Date.now()).toBeGreaterThan(3_599_000);
    const requests = JSON.parse(await run(9)) as { path: string; body?: Record<string, string> }[];
    expect(requests.map((r) => r.path)).toContain('/api/authorize');
    expect(JSON.stringify(requests)).not.toContain(env.KVIXI_APP_SECRET);

    expect(await signedInVisit('1')).toBe('redirected at once');
    expect(await run(10)).toBe('');
    expect(await signedInVisit('1')).toBe('consent page');
    await fetch(url('/__emulator/auth-keys'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ appId: env.KVIXI_APP_ID, userId: '2' }) });
    expect(await run(11)).toBe('');
    expect(await signedInVisit('2')).toBe('consent page');

    expect(await run(12)).toBe('');
    const after = (await (await fetch(url('/__emulator/users'))).json()) as { username: string }[];
    expect(after.map((u) => u.username)).toEqual(['jane', 'jose', 'alex']);
  }, 60_000); // thirteen bash and curl processes, one after another, on a busy test machine
});
