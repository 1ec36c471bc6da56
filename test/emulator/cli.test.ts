import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

// The CLI is tested as users run it: the built file, in its own process.
const cli = resolve('dist/emulator/cli.js');
const children: ChildProcess[] = [];

beforeAll(() => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: build first (npx tsup, or npm test which builds)`);
});
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

interface Started { child: ChildProcess; output: string; url: string; appId: string; appSecret: string }

function start(args: string[]): Promise<Started> {
  const child = spawn(process.execPath, [cli, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((done, fail) => {
    let output = '';
    child.stderr!.on('data', (chunk) => { output += chunk; });
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      if (!output.includes('Press Ctrl-C to stop.')) return;
      done({
        child,
        output,
        url: /listening on (http:\/\/\S+)/.exec(output)![1]!,
        appId: /app_id:\s+(\d+)/.exec(output)![1]!,
        appSecret: /app_secret:\s+([0-9a-f]{32})/.exec(output)![1]!,
      });
    });
    child.once('exit', (code) => fail(new Error(`the CLI exited with ${code}: ${output}`)));
  });
}

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => { stdout += chunk; });
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  return new Promise((done) => child.once('close', (code) => done({ code, stdout, stderr })));
}

const exited = (child: ChildProcess): Promise<number | null> =>
  new Promise((done) => (child.exitCode !== null ? done(child.exitCode) : child.once('exit', (code) => done(code))));

describe('kvixi-emulator', () => {
  it('prints the URL, the demo users and a ready app, then answers', async () => {
    const { output, url, appId } = await start([]);
    expect(output).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+/);
    expect(output).toContain("Jane O'Brien");
    expect(output).toContain('José García');
    expect(output).toContain('redirect URL: http://localhost:3000/auth/kvixi/callback');
    const page = await (await fetch(`${url}/api/oauth?app_id=${appId}`)).text();
    expect(page).toContain('Sign in as Jane O&#39;Brien');
  });

  it('lets a whole login run against it, with the app it printed', async () => {
    const { url, appId, appSecret } = await start(['--authorize-methods', 'POST', '--redirect-url', 'http://127.0.0.1:9/cb']);
    const signIn = await fetch(`${url}/signin`, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ username: 'jose', password: 'password' }) });
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    const approved = await fetch(`${url}/api/oauth?app_id=${appId}`, { method: 'POST', redirect: 'manual', headers: { cookie }, body: new URLSearchParams({ approve: '1' }) });
    const authKey = new URL(approved.headers.get('location')!).searchParams.get('auth_key')!;
    expect(approved.headers.get('location')).toMatch(/^http:\/\/127\.0\.0\.1:9\/cb\?auth_key=/);
    const viaGet = await fetch(`${url}/api/authorize?app_id=${appId}&app_secret=${appSecret}&auth_key=${authKey}`);
    expect(await viaGet.json()).toEqual({ error: true, message: 'Bad Request, invalid app_id' });
    const token = await fetch(`${url}/api/authorize`, { method: 'POST', body: new URLSearchParams({ app_id: appId, app_secret: appSecret, auth_key: authKey }) });
    const { access_token } = (await token.json()) as { access_token: string };
    const info = (await (await fetch(`${url}/api/get_user_info?access_token=${access_token}`)).json()) as { user_info: Record<string, string> };
    expect(info.user_info.user_firstname).toBe('Jos&eacute;');
  });

  it('seeds users and apps from --seed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvixi-cli-'));
    try {
      const seed = join(dir, 'seed.json');
      writeFileSync(seed, JSON.stringify({
        users: [{ username: 'sam', firstname: 'Sam', lastname: 'Seeded' }],
        apps: [{ name: 'Seeded app', redirectURL: 'http://localhost:5000/cb', appId: '4242', appSecret: 'b'.repeat(32) }],
      }));
      const { output, appId, appSecret } = await start(['--seed', seed]);
      expect(output).toContain('Sam Seeded');
      expect(output).not.toContain('Jane');
      expect([appId, appSecret]).toEqual(['4242', 'b'.repeat(32)]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops cleanly on SIGTERM and on SIGINT', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const { child } = await start([]);
      child.kill(signal);
      expect(await exited(child)).toBe(0);
    }
  });

  it('pins the ready-made app with --app-id and --app-secret, and prints a line to paste into the environment', async () => {
    const secret = 'f'.repeat(32);
    const first = await start(['--app-id', '1732698123456', '--app-secret', secret]);
    const line = `KVIXI_BASE_URL=${first.url} KVIXI_APP_ID=1732698123456 KVIXI_APP_SECRET=${secret}`;
    expect(first.output.split('\n')).toContain(line);
    first.child.kill('SIGTERM');
    await exited(first.child);
    const again = await start(['--app-id', '1732698123456', '--app-secret', secret]);
    expect([again.appId, again.appSecret]).toEqual(['1732698123456', secret]);
    const res = await fetch(`${again.url}/api/authorize`, { method: 'POST', body: new URLSearchParams({ app_id: '1732698123456', app_secret: secret, auth_key: 'x' }) });
    expect(await res.json()).toEqual({ error: true, message: 'Bad Request, invalid auth_key' });
  });

  it('answers as the Sngine release given by --sngine-version', async () => {
    const { url, appId, appSecret } = await start(['--sngine-version', '3.11']);
    const control = (path: string, body: unknown) =>
      fetch(`${url}/__emulator${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const { authKey } = (await (await control('/auth-keys', { appId, userId: '1' })).json()) as { authKey: string };
    const params = new URLSearchParams({ app_id: appId, app_secret: appSecret, auth_key: authKey });
    const viaPost = await fetch(`${url}/api/authorize`, { method: 'POST', body: params });
    expect(await viaPost.json()).toEqual({ error: true, message: 'Bad Request, invalid app_id' });
    const { access_token } = (await (await fetch(`${url}/api/authorize?${params}`)).json()) as { access_token: string };
    const info = (await (await fetch(`${url}/api/get_user_info?access_token=${access_token}`)).json()) as { user_info: Record<string, unknown> };
    expect(info.user_info.user_gender).toBe('2');
    expect(info.user_info).not.toHaveProperty('profile_picture');
  });

  it('serves the HTTP control API to another process, driving a whole login and the clock', async () => {
    const { url, appId, appSecret, output } = await start(['--redirect-url', 'http://127.0.0.1:9/cb', '--token-ttl', '60']);
    expect(output).toContain(`Control API:    ${url}/__emulator/  (loopback only)`);
    const control = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${url}/__emulator${path}`, {
        method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, json: res.status === 204 ? undefined : await res.json() };
    };
    const sam = await control('POST', '/users', { username: 'sam', firstname: 'Sam', gender: 'other' });
    expect(sam.status).toBe(201);
    const { userId } = sam.json as { userId: string };
    expect((await control('POST', '/logins', { userId })).status).toBe(204);

    const approved = await fetch(`${url}/api/oauth?app_id=${appId}`, { redirect: 'manual' });
    const authKey = new URL(approved.headers.get('location')!).searchParams.get('auth_key')!;
    expect(approved.headers.get('location')).toBe(`http://127.0.0.1:9/cb?auth_key=${authKey}`);
    const token = (await (await fetch(`${url}/api/authorize`, {
      method: 'POST', body: new URLSearchParams({ app_id: appId, app_secret: appSecret, auth_key: authKey }),
    })).json()) as { access_token: string };
    const info = (await (await fetch(`${url}/api/get_user_info?access_token=${token.access_token}`)).json()) as { user_info: Record<string, unknown> };
    expect(info.user_info).toMatchObject({ user_id: userId, user_firstname: 'Sam', user_gender: 'N/A' });

    expect((await control('POST', '/clock', { advance: 60 })).status).toBe(200);
    const expired = await (await fetch(`${url}/api/get_user_info?access_token=${token.access_token}`)).json();
    expect(expired).toEqual({ error: true, message: 'Bad Request, expired access_token' });

    const recorded = (await control('GET', '/requests')).json as { path: string }[];
    expect(recorded.map((r) => r.path)).toEqual(['/api/oauth', '/api/authorize', '/api/get_user_info', '/api/get_user_info']);
    expect((await control('POST', '/reset')).status).toBe(204);
    expect(((await control('GET', '/users')).json as { username: string }[]).map((u) => u.username)).toEqual(['jane', 'jose', 'alex']);
    expect(((await control('GET', '/apps')).json as { appId: string }[]).map((a) => a.appId)).toEqual([appId]);
    expect(await control('POST', '/users', { username: 7 })).toEqual({
      status: 400, json: { error: 'addUser() requires username to be a non-blank string, got a number' },
    });
  });

  it('requires the --admin-token on every control call and on the apps dashboard', async () => {
    const token = 'cli-token-1-'.repeat(3);
    const { url, output } = await start(['--admin-token', token]);
    expect(output).toContain('send Authorization: Bearer <admin token>');
    expect(output).toContain('/developers/apps  (the browser asks for the admin token as the password)');
    expect(output).not.toContain(token);
    expect((await fetch(`${url}/__emulator/users`)).status).toBe(401);
    expect((await fetch(`${url}/__emulator/users`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await fetch(`${url}/developers/apps`)).status).toBe(401);
  });

  it('makes and prints an admin token for --admin-token without a value, last or before another flag', async () => {
    for (const args of [['--admin-token'], ['--admin-token', '--site-name', 'Kvixi']]) {
      const { url, output } = await start(args);
      const printed = /Admin token:\s+([0-9a-f]{64})\s/.exec(output)?.[1];
      expect(printed, output).toBeDefined();
      expect((await fetch(`${url}/__emulator/users`, { headers: { authorization: `Bearer ${printed}` } })).status).toBe(200);
      expect((await fetch(`${url}/__emulator/users`)).status).toBe(401);
    }
  });

  it('says the dashboard and the control API are off beyond loopback without a token', async () => {
    const { output } = await start(['--host', '0.0.0.0']);
    expect(output).toContain('Apps dashboard: off (listening beyond loopback; set --admin-token to turn it on)');
    expect(output).toContain('Control API:    off (listening beyond loopback; set --admin-token to turn it on)');
  });

  it('says to use --port, in one line and without a stack, when the port is taken', async () => {
    const { url } = await start([]);
    const busy = await run(['--port', new URL(url).port]);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toBe(`kvixi-emulator: port ${new URL(url).port} on 127.0.0.1 is in use; choose another with --port <n> (--port 0 picks a free one)\n`);
    expect(busy.stdout).toBe('');
  });

  it('refuses an --admin-token shorter than 32 characters without echoing it', async () => {
    const short = await run(['--admin-token', 'short-token']);
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('--admin-token must be at least 32 characters long');
    expect(short.stderr).not.toContain('short-token');
    expect(short.stdout).toBe('');
  });

  it('stores a redirect URL with a non-Latin-1 character encoded, and redirects to it', async () => {
    const { url, appId, output } = await start(['--redirect-url', 'http://localhost:3000/€/cb']);
    expect(output).toContain('redirect URL: http://localhost:3000/%E2%82%AC/cb');
    await fetch(`${url}/__emulator/logins`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"userId":"1"}' });
    const res = await fetch(`${url}/api/oauth?app_id=${appId}`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toMatch(/^http:\/\/localhost:3000\/%E2%82%AC\/cb\?auth_key=/);
  });

  it('exits with code 2 naming a seed field of the wrong type', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvixi-cli-'));
    try {
      const seed = join(dir, 'seed.json');
      writeFileSync(seed, JSON.stringify({ users: [{ userId: 5, username: 'five' }] }));
      const numeric = await run(['--port', '0', '--seed', seed]);
      expect(numeric.code).toBe(2);
      expect(numeric.stderr).toContain(`the seed file ${seed} needs users[0].userId to be a decimal number as a string`);
      writeFileSync(seed, JSON.stringify({ users: [{ username: 42 }] }));
      const name = await run(['--port', '0', '--seed', seed]);
      expect(name.code).toBe(2);
      expect(name.stderr).toContain('users[0].username to be a non-blank string, got a number');
      expect(name.stdout).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('explains every flag on --help', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    for (const flag of ['--port', '--host', '--seed', '--data', '--token-ttl', '--sngine-version', '--authorize-methods', '--redirect-url', '--app-id', '--app-secret', '--admin-token', '--site-name', '--language', '--help']) {
      expect(stdout).toContain(flag);
    }
  });

  it('exits with code 2 and a clear message on a bad flag', async () => {
    const unknown = await run(['--prot', '4000']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown option '--prot'/);
    expect(unknown.stderr).toContain('--help');
    const methods = await run(['--authorize-methods', 'PUT']);
    expect(methods.code).toBe(2);
    expect(methods.stderr).toContain('--authorize-methods must be GET, POST or GET,POST');
    const ttl = await run(['--token-ttl', 'soon']);
    expect(ttl.code).toBe(2);
    expect(ttl.stderr).toContain('--token-ttl must be a whole number');
    const seed = await run(['--seed', '/nonexistent/seed.json']);
    expect(seed.code).toBe(2);
    expect(seed.stderr).toContain('cannot read the seed file');
    const version = await run(['--sngine-version', '5']);
    expect(version.code).toBe(2);
    expect(version.stderr).toContain('--sngine-version must be one of 2.7, 3.11, 4.0.3, 4.2, got "5"');
    const appId = await run(['--app-id', '0x10']);
    expect(appId.code).toBe(2);
    expect(appId.stderr).toContain('--app-id must be a decimal number');
    const appSecret = await run(['--app-secret', 'two words']);
    expect(appSecret.code).toBe(2);
    expect(appSecret.stderr).toContain('--app-secret must be visible ASCII characters without spaces');
    expect(appSecret.stderr).not.toContain('two words');
    const redirect = await run(['--redirect-url', 'ftp://x/cb']);
    expect(redirect.code).toBe(2);
  });
});
