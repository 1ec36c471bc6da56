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

  it('explains every flag on --help', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    for (const flag of ['--port', '--host', '--seed', '--data', '--token-ttl', '--authorize-methods', '--redirect-url', '--site-name', '--language', '--help']) {
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
  });
});
