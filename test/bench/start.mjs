// How long `npm start` takes to print the example site's URL: the README promises it within 5 s
// of a finished `npm install` (on a 2-core machine). Prints the figure; asserts nothing.
// Usage: npm run bench:start [-- runs]
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const runs = Number(process.argv[2] ?? 3);

async function freePort() {
  const probe = createServer();
  await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function once() {
  // As after `npm install`: no build output yet.
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  const dir = mkdtempSync(join(tmpdir(), 'kvixi-start-'));
  const started = performance.now();
  const child = spawn('npm', ['start'], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      PORT: String(await freePort()),
      EMULATOR_PORT: String(await freePort()),
      DATABASE_FILE: join(dir, 'app.db'),
      ENV_FILE: join(dir, 'none.env'),
      SESSION_SECRET: 'bench',
    },
  });
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no URL within 60 s')), 60_000);
      let out = '';
      child.stdout.on('data', (chunk) => {
        out += chunk;
        if (out.includes('Example site:')) {
          clearTimeout(timer);
          resolve(performance.now() - started);
        }
      });
      child.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${out}`)));
    });
  } finally {
    // npm, sh, tsx and node form one process group.
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {}
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`npm start until "Example site:" is printed, ${cpus().length} CPUs, dist/ removed before each run`);
const times = [];
for (let i = 0; i < runs; i++) {
  const ms = await once();
  times.push(ms);
  console.log(`  run ${i + 1}: ${(ms / 1000).toFixed(2)} s`);
}
times.sort((a, b) => a - b);
console.log(`median ${(times[Math.floor(times.length / 2)] / 1000).toFixed(2)} s (target: under 5 s)`);
