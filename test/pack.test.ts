import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// What npm publishes: `npm pack` of a checkout that has no build (a fresh clone, or one where an
// old `npm start` left a dist/ without declarations) must still carry every entry's types, because
// `prepack` builds. Packed from a copy of the checkout, so the build here never touches ./dist.

const run = promisify(execFile);
const ROOT = new URL('..', import.meta.url).pathname;
const checkout = mkdtempSync(join(tmpdir(), 'kvixi-pack-'));
afterAll(() => rmSync(checkout, { recursive: true, force: true }));

interface ConditionalExport {
  import: { types: string; default: string };
  require: { types: string; default: string };
}
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  exports: Record<string, ConditionalExport | string>;
  bin: Record<string, string>;
};

let tarball = '';
let packed: string[] = [];

beforeAll(async () => {
  for (const name of ['lib', 'package.json', 'tsup.config.ts', 'tsconfig.json', 'README.md', 'LICENSE']) {
    cpSync(join(ROOT, name), join(checkout, name), { recursive: true });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(checkout, 'node_modules'));
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', checkout], {
    cwd: checkout,
    timeout: 180_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  // npm prints the build's output before the JSON report.
  const [report] = JSON.parse(stdout.slice(stdout.indexOf('\n[') + 1)) as Array<{ filename: string; files: Array<{ path: string }> }>;
  tarball = join(checkout, report?.filename ?? '');
  packed = (report?.files ?? []).map((file) => file.path);
}, 200_000);

describe('npm pack of a checkout without a build', () => {
  it('carries every entry point of package.json exports, its .d.ts and .d.cts included, and the CLI', () => {
    const wanted = Object.values(manifest.exports)
      .flatMap((target) => (typeof target === 'string' ? [target] : [target.import.types, target.import.default, target.require.types, target.require.default]))
      .concat(Object.values(manifest.bin))
      .map((path) => path.replace(/^\.\//, ''));
    expect(wanted.filter((path) => path.endsWith('.d.ts'))).toHaveLength(3);
    expect(wanted.filter((path) => path.endsWith('.d.cts'))).toHaveLength(3);
    expect(packed).toEqual(expect.arrayContaining(wanted));
  });

  it('carries only the build, the README, the license and package.json', () => {
    expect(packed.filter((path) => !path.startsWith('dist/')).sort()).toEqual(['LICENSE', 'README.md', 'lib/RECIPES.md', 'lib/emulator/README.md', 'package.json']);
  });

  it('has types that resolve for every entry point under every module resolution (attw on the tarball)', { timeout: 120_000 }, async () => {
    const result = await run('npx', ['--no-install', 'attw', '--format', 'json', tarball], { cwd: ROOT, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }).then(
      ({ stdout }) => stdout,
      (err: { stdout?: string }) => err.stdout ?? '',
    );
    const report = JSON.parse(result) as { analysis: { entrypoints: Record<string, unknown> }; problems: Record<string, unknown> };
    expect(Object.keys(report.analysis.entrypoints)).toEqual(expect.arrayContaining(['.', './client', './emulator']));
    // Grouped by kind (FalseCJS, NoResolution, …): none at all.
    expect(report.problems).toEqual({});
  });
});
