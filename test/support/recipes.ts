import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DOCS } from './docs.js';

/**
 * README recipes are run by tests exactly as written: a README code block that follows
 * `<!-- recipe: NAME -->` must equal, line for line, the region a test file marks with
 * `// #region recipe: NAME` … `// #endregion`, once the region's common indentation is removed.
 */
export interface Recipe {
  name: string;
  code: string;
  /** Where it was found: `README.md:120` or `test/x.test.ts:40`. */
  where: string;
}

const ROOT = new URL('../..', import.meta.url).pathname;

/** The recipes of every doc in DOCS, or of the one text given (named `file`). */
export function readmeRecipes(text?: string, file = 'README.md'): Recipe[] {
  if (text === undefined) return DOCS.flatMap((doc) => readmeRecipes(readFileSync(join(ROOT, doc), 'utf8'), doc));
  const recipes: Recipe[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const marker = /^<!--\s*recipe:\s*([\w-]+)\s*-->\s*$/.exec(lines[i] ?? '');
    if (!marker) continue;
    let open = i + 1;
    while (open < lines.length && (lines[open] ?? '').trim() === '') open++;
    if (!/^```\w*\s*$/.test(lines[open] ?? '')) throw new Error(`${file}:${i + 1}: recipe ${marker[1]} has no code block`);
    const close = lines.findIndex((line, at) => at > open && /^```\s*$/.test(line));
    if (close === -1) throw new Error(`${file}:${open + 1}: unclosed code block`);
    recipes.push({ name: marker[1] ?? '', code: lines.slice(open + 1, close).join('\n'), where: `${file}:${open + 2}` });
  }
  return recipes;
}

export function testRegions(dir = join(ROOT, 'test')): Recipe[] {
  const regions: Recipe[] = [];
  for (const file of walk(dir)) {
    const lines = readFileSync(file, 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      const start = /^\s*\/\/ #region recipe:\s*([\w-]+)\s*$/.exec(lines[i] ?? '');
      if (!start) continue;
      const end = lines.findIndex((line, at) => at > i && /^\s*\/\/ #endregion\b/.test(line));
      if (end === -1) throw new Error(`${relative(ROOT, file)}:${i + 1}: unclosed recipe region`);
      regions.push({ name: start[1] ?? '', code: dedent(lines.slice(i + 1, end)), where: `${relative(ROOT, file)}:${i + 2}` });
    }
  }
  return regions;
}

function dedent(lines: string[]): string {
  const indents = lines.filter((line) => line.trim() !== '').map((line) => /^ */.exec(line)?.[0].length ?? 0);
  const cut = indents.length === 0 ? 0 : Math.min(...indents);
  return lines.map((line) => line.slice(cut)).join('\n');
}

function* walk(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* walk(path);
    else if (/\.(ts|mts|cts|js|mjs|cjs)$/.test(name)) yield path;
  }
}
