import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// NODE_DEBUG is read once when Node starts, so the debug lines are checked in a child process
// that runs the built package.
const runs = new Map<string, SpawnSyncReturns<string>>();

/** Runs a script of test/support once with NODE_DEBUG=passport-kvixi. */
function runWithDebug(name: string): SpawnSyncReturns<string> {
  const done = runs.get(name);
  if (done) return done;
  const script = fileURLToPath(new URL(`./support/${name}`, import.meta.url));
  const child = spawnSync(process.execPath, [script], {
    env: { ...process.env, NODE_DEBUG: 'passport-kvixi' },
    encoding: 'utf8',
    timeout: 15_000,
  });
  runs.set(name, child);
  return child;
}

describe('NODE_DEBUG=passport-kvixi output', () => {
  it('says at each start that the start is on another host than callbackURL, and warns once', () => {
    const child = runWithDebug('debug-no-pending-login.mjs');
    expect(child.status).toBe(0);
    const mismatch = /^PASSPORT-KVIXI \d+: start: the login starts on http:\/\/127\.0\.0\.1:(\d+) but callbackURL is on http:\/\/localhost:\1: .*Open the site at http:\/\/localhost:\1; /gm;
    expect(child.stderr.match(mismatch)).toHaveLength(2);
    const warnings = child.stderr.match(/\[KVIXI_START_HOST_MISMATCH\] Warning: passport-kvixi: the login starts on http:\/\/127\.0\.0\.1:\d+ but callbackURL is on http:\/\/localhost:\d+/g);
    expect(warnings).toHaveLength(1);
  });

  it('says which of the two reasons left a callback without a pending login, with the likely causes', () => {
    const child = runWithDebug('debug-no-pending-login.mjs');
    expect(child.status).toBe(0);
    const lines = child.stderr.split('\n');
    const noCookie = lines.find((line) => line.includes('callback refused: no pending login (no-cookie)'));
    expect(noCookie).toMatch(/another host, port or scheme/);
    expect(noCookie).toMatch(/127\.0\.0\.1 and localhost differ/);
    expect(noCookie).toMatch(/cookies are blocked/);
    expect(noCookie).toMatch(/SameSite=Strict/);
    const notHere = lines.find((line) => line.includes('callback refused: no pending login (not-started-here)'));
    expect(notHere).toMatch(/already used or started in another browser/);
  });

  it('escapes CR, LF and escape characters from provider values, so a line cannot be forged', () => {
    const child = runWithDebug('debug-login.mjs');
    expect(child.status).toBe(0);
    const lines = child.stderr.split('\n').filter((line) => line !== '');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(/^PASSPORT-KVIXI \d+: /);
    expect(child.stderr).toContain('authorize answered error: Bad Request\\u000d\\u000aFORGED LOG LINE');
    expect(child.stderr).toContain('signed in Kvixi user 5\\u000d\\u000aFORGED LOG LINE\\u001b[31m');
    expect(child.stderr).not.toContain('\u001b');
  });
});
