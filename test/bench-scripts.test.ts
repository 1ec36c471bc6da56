import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// The benchmark scripts print figures and assert nothing about speed; this only runs each one,
// with tiny counts, against the build `npm test` has just made, so a change that breaks a
// script (a fake that no longer fits the code it stands in for) is caught here rather than by
// the next person who runs `npm run bench`. Nothing here is timed.

const root = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);

async function bench(script: string, env: Record<string, string>, nodeArgs: string[] = []) {
  const { stdout } = await run(process.execPath, [...nodeArgs, `test/bench/${script}`], {
    cwd: root,
    env: { ...process.env, ...env },
    timeout: 120_000,
    maxBuffer: 1 << 20,
  });
  return stdout;
}

const figure = String.raw`\d+(?:\.\d+)?`;

describe('the benchmark scripts run and print their figures', () => {
  it('cpu.mjs: both strategies, stubbed and over loopback, and their ratio', async () => {
    const out = await bench('cpu.mjs', { BENCH_LOGINS: '30', BENCH_ROUNDS: '1', BENCH_HTTP_LOGINS: '30', BENCH_WARMUP: '30' });
    expect(out).toMatch(new RegExp(`passport-kvixi +${figure} µs`));
    expect(out).toMatch(new RegExp(`passport-github2 \\(state: true\\) +${figure} µs`));
    expect(out).toMatch(new RegExp(`passport-github2 \\(node:http\\) +${figure} µs`));
    expect(out.match(new RegExp(`ratio passport-kvixi / passport-github2: ${figure} of the medians`, 'g'))).toHaveLength(2);
  }, 150_000);

  it('logins.mjs: every app logs in, with capacities, ratios and the package figures', async () => {
    const out = await bench('logins.mjs', { BENCH_SECONDS: '0.3', BENCH_ROUNDS: '1', BENCH_CONCURRENCY: '2' });
    for (const row of ['KvixiStrategy', 'naive recipe (fetch)', 'naive recipe over node:http', 'one session marker', 'passport-github2, state: true', 'cookie store, no sessions', 'Sngine >=4.0.4 (POST body): KvixiStrategy']) {
      expect(out).toMatch(new RegExp(`${row.replace(/[()+.]/g, '\\$&')} +${figure}/s per core +${figure} µs`));
    }
    expect(out).toMatch(new RegExp(`ratio of capacities, KvixiStrategy to the naive recipe +${figure}`));
    expect(out).toMatch(/cannot log in \(the server ignores the query string\)/);
    expect(out).toMatch(new RegExp(`cold require\\('passport-kvixi'\\): ${figure} ms`));
  }, 150_000);

  it('pending.mjs and claims.mjs: memory per pending login and per claim', async () => {
    const pending = await bench('pending.mjs', { BENCH_PENDING: '500' }, ['--expose-gc']);
    expect(pending).toMatch(new RegExp(`bytes its JSON adds to the session a session store writes +${figure} bytes`));
    expect(pending).toMatch(new RegExp(`the sealed cookie's value +${figure} bytes`));
    const claims = await bench('claims.mjs', { BENCH_CLAIMS: '5000' }, ['--expose-gc']);
    expect(claims).toMatch(new RegExp(`claims/s +${figure}`));
  }, 150_000);
});
