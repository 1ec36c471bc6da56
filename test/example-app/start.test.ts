import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { withDeadline } from '../support/deadline.js';

const root = new URL('../..', import.meta.url).pathname;

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Every file under dist/ with its modification time: what a build left there. */
function buildOutput(): Record<string, number> {
  const dist = join(root, 'dist');
  if (!existsSync(dist)) return {};
  const files: Record<string, number> = {};
  for (const name of readdirSync(dist, { recursive: true, encoding: 'utf8' })) {
    const stat = statSync(join(dist, name));
    if (stat.isFile()) files[name] = stat.mtimeMs;
  }
  return files;
}

describe('npm start (the example app, run from the library\'s source)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kvixi-start-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads its settings from a .env file, prints the URLs and leaves dist/ as the build made it', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const emulatorPort = await freePort();
    const envFile = join(dir, '.env');
    writeFileSync(
      envFile,
      [`PORT=${port}`, `EMULATOR_PORT=${emulatorPort}`, `DATABASE_FILE=${join(dir, 'app.db')}`, 'SESSION_SECRET=from the env file', 'KVIXI_APP_ID='].join('\n'),
    );
    const env: NodeJS.ProcessEnv = { ...process.env, ENV_FILE: envFile };
    for (const name of ['PORT', 'EMULATOR_PORT', 'DATABASE_FILE', 'SESSION_SECRET', 'KVIXI_APP_ID', 'REDIS_URL', 'PUBLIC_URL', 'HOST']) delete env[name];
    const built = buildOutput();
    // npm, sh, tsx and node form one process group, stopped together.
    const child = spawn('npm', ['start'], { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await withDeadline(
        new Promise<void>((resolve, reject) => {
          child.stdout.on('data', () => out.includes('Kvixi emulator:') && resolve());
          child.once('exit', (code) => reject(new Error(`server.ts exited with ${code}: ${err}`)));
        }),
        20_000,
        'the example app to print its URLs',
      );
      expect(out).toContain(`Example site:   http://localhost:${port}`);
      expect(out).toContain(`Kvixi emulator: http://127.0.0.1:${emulatorPort}`);
      expect(err).not.toContain('SESSION_SECRET is not set');
      const home = await fetch(`http://127.0.0.1:${port}/`);
      expect(home.status).toBe(200);
      expect(await home.text()).toContain('Welcome to Harbor');
      // One log line per login outcome, through the strategy's diagnostics channel.
      const forged = await fetch(`http://127.0.0.1:${port}/auth/kvixi/callback?auth_key=0123456789abcdef`, { redirect: 'manual' });
      expect(forged.status).toBeGreaterThanOrEqual(300);
      await withDeadline(
        new Promise<void>((resolve) => {
          const seen = () => /kvixi login failure ERR_KVIXI_NO_PENDING_LOGIN.* \d+ ms/.test(out) && resolve();
          seen();
          child.stdout.on('data', seen);
        }),
        5_000,
        'the login outcome line',
      );
      expect(out).not.toContain('0123456789abcdef');
      // A start that rebuilt dist/ (without declarations) would leave a checkout that packs no types.
      expect(buildOutput()).toEqual(built);
    } finally {
      if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
      await withDeadline(exited, 10_000, 'the example app to stop on SIGTERM');
    }
  });
});
