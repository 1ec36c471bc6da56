import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';

// TypeScript 7 (the native compiler, installed beside the pinned 5.9 as the `typescript-7` alias)
// has no compiler API, so type tests run its `tsc` on tsconfig files and read its diagnostics.

const ROOT = new URL('../..', import.meta.url).pathname;
export const TSC_7 = join(ROOT, 'node_modules', 'typescript-7', 'bin', 'tsc');

const run = promisify(execFile);

/** One program to check: its root files and its compiler options as a tsconfig spells them. */
export interface Project {
  /** Where to write the project's tsconfig. */
  tsconfig: string;
  files: string[];
  compilerOptions: Record<string, unknown>;
}

/**
 * Type-checks every project as a program of its own, in one `tsc -b` run, and returns each
 * error as `file(line,col): error TSxxxx: message`, keyed by the file it is in (absolute path).
 */
export async function typeErrors7(projects: Project[]): Promise<Map<string, string[]>> {
  for (const project of projects) {
    writeFileSync(project.tsconfig, JSON.stringify({ compilerOptions: project.compilerOptions, files: project.files }));
  }
  const output = await run(process.execPath, [TSC_7, '-b', '--force', '--pretty', 'false', ...projects.map((p) => p.tsconfig)], {
    cwd: ROOT,
    timeout: 120_000,
    maxBuffer: 16 * 1024 * 1024,
  }).then(
    ({ stdout }) => stdout,
    (err: { stdout?: string; code?: unknown }) => {
      // tsc exits non-zero when it found errors; anything else (no output at all) is a broken run.
      if (typeof err.stdout === 'string' && err.stdout.trim() !== '') return err.stdout;
      throw err;
    },
  );
  const errors = new Map<string, string[]>();
  let last: string[] | undefined;
  for (const line of output.split('\n')) {
    const match = /^(.+?)\((\d+),(\d+)\): error (TS\d+): (.*)$/.exec(line);
    if (match) {
      const file = join(ROOT, match[1] ?? '');
      last = errors.get(file) ?? [];
      errors.set(file, last);
      last.push(`${relative(ROOT, file)}(${match[2]},${match[3]}): ${match[4]} ${match[5]}`);
    } else if (line.trim() !== '' && last && /^\s/.test(line)) {
      last[last.length - 1] += ` ${line.trim()}`;
    } else if (line.trim() !== '') {
      // A diagnostic without a file (a bad option, a missing tsconfig).
      errors.set('', [...(errors.get('') ?? []), line]);
    }
  }
  return errors;
}
