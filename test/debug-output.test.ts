import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// NODE_DEBUG is read once when Node starts, so the debug lines are checked in a child process
// that runs the built package.
describe('NODE_DEBUG=passport-kvixi output', () => {
  it('escapes CR, LF and escape characters from provider values, so a line cannot be forged', () => {
    const script = fileURLToPath(new URL('./support/debug-login.mjs', import.meta.url));
    const child = spawnSync(process.execPath, [script], {
      env: { ...process.env, NODE_DEBUG: 'passport-kvixi' },
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(child.status).toBe(0);
    const lines = child.stderr.split('\n').filter((line) => line !== '');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(/^PASSPORT-KVIXI \d+: /);
    expect(child.stderr).toContain('authorize answered error: Bad Request\\u000d\\u000aFORGED LOG LINE');
    expect(child.stderr).toContain('signed in Kvixi user 5\\u000d\\u000aFORGED LOG LINE\\u001b[31m');
    expect(child.stderr).not.toContain('\u001b');
  });
});
