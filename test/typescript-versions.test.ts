import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { TSC_7 } from './support/typescript-7.js';

// Type tests run under two compilers: the pinned TypeScript 5.9, which builds the package, and
// TypeScript 7, installed beside it as the npm alias `typescript-7`. Both packages name their
// binary `tsc`; a fresh `npm ci` links the pinned one, an incremental `npm install` may not.

const run = promisify(execFile);
const ROOT = new URL('..', import.meta.url).pathname;
const require = createRequire(join(ROOT, 'package.json'));

describe('the TypeScript compilers', () => {
  it('runs the pinned TypeScript 5.9 as `tsc`, and tsup builds with it', async () => {
    const { stdout } = await run(join(ROOT, 'node_modules', '.bin', 'tsc'), ['--version']);
    expect(stdout.trim(), 'node_modules/.bin/tsc is not 5.9: run `npm ci` (or `npm rebuild typescript`)').toMatch(/^Version 5\.9\./);
    const tsupTypescript = createRequire(require.resolve('tsup'))('typescript') as { version: string };
    expect(tsupTypescript.version).toMatch(/^5\.9\./);
  });

  it('has TypeScript 7 beside it as typescript-7', async () => {
    const { stdout } = await run(process.execPath, [TSC_7, '--version']);
    expect(stdout.trim()).toMatch(/^Version 7\./);
    const manifest = JSON.parse(readFileSync(join(ROOT, 'node_modules', 'typescript-7', 'package.json'), 'utf8')) as { name: string };
    expect(manifest.name).toBe('typescript');
  });
});
