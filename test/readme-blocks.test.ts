import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { DOCS } from './support/docs.js';
import { typeErrors7 as typeErrors7Of } from './support/typescript-7.js';

// Docs are code: every TypeScript block of the docs (test/support/docs.ts) type-checks against the built package
// (`npm test` builds it first) under strict and exactOptionalPropertyTypes, each block on its
// own, as a user would paste it. A block may use only what it imports or declares, plus the
// preamble below (CONTRIBUTING.md's "Development" section names it). A block whose first line is a
// file name comment (`// kvixi.guard.ts`) is saved under that name, so later blocks can import it
// ('./kvixi.guard.js'). JavaScript blocks must parse. TypeScript blocks are checked under the pinned
// TypeScript 5.9 and under TypeScript 7.

const ROOT = new URL('..', import.meta.url).pathname;
// Inside the package, so `import … from 'passport-kvixi'` resolves to this package's build.
const WORK = join(ROOT, 'node_modules', '.cache', 'readme-blocks');

/**
 * Names README fragments use without declaring them, as parts of a test file the README shows
 * whole once: the callback's key, a started emulator and its user, the app's server and URL, the
 * test runner's functions (Vitest's here; Playwright Test's have the same shape), an app's
 * `config` and `users`, and chai-passport-strategy's `harness` with the `strategy` under test.
 */
export const PREAMBLE = `
declare const authKey: string;
declare const emu: import('passport-kvixi/emulator').KvixiEmulator;
declare const app: ReturnType<import('passport-kvixi/emulator').KvixiEmulator['registerApp']>;
declare const jane: { userId: string };
declare const server: import('node:http').Server;
declare const appURL: string;
declare const request: typeof import('supertest');
declare const expect: typeof import('vitest').expect;
declare const it: typeof import('vitest').it;
declare const base: import('vitest').TestAPI<{ page: import('playwright-core').Page }>;
declare const test: import('vitest').TestAPI<{
  page: import('playwright-core').Page;
  kvixi: { loginAs(userId: string, decision?: 'approve' | 'cancel'): Promise<void> };
}>;
declare const config: {
  kvixiAppId: string;
  kvixiAppSecret: string;
  kvixiBaseURL: string;
  sessionKey: Buffer;
  sessionSecret: string;
};
declare const users: {
  upsertByKvixiId(kvixiId: string, profile: import('passport-kvixi').KvixiProfile): { id: string };
  findById(id: string): { id: string } | undefined;
};
declare const strategy: import('passport-kvixi').KvixiStrategy;
declare const appId: string;
interface HarnessTest {
  request(prepare: (req: { url: string; headers: Record<string, string | undefined>; [key: string]: unknown }) => void): HarnessTest;
  success(callback: (user: unknown, info?: unknown) => void): HarnessTest;
  fail(callback: (challenge?: unknown, status?: number) => void): HarnessTest;
  redirect(callback: (url: string, status?: number) => void): HarnessTest;
  error(callback: (err: Error) => void): HarnessTest;
  authenticate(options?: object): void;
}
declare const harness: { use(strategy: object): HarnessTest };
`;

/** As a tsconfig spells them, so TypeScript 7 (which has no compiler API) checks with the same options. */
const OPTIONS_JSON = {
  strict: true,
  exactOptionalPropertyTypes: true,
  noEmit: true,
  target: 'ES2022',
  lib: ['ES2023'],
  module: 'NodeNext',
  moduleResolution: 'NodeNext',
  types: ['node'],
  esModuleInterop: true,
  skipLibCheck: true,
  // NestJS recipes use legacy decorators, as NestJS does.
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
};
const OPTIONS: ts.CompilerOptions = ts.convertCompilerOptionsFromJson(OPTIONS_JSON, ROOT).options;

interface Block {
  lang: string;
  code: string;
  line: number;
  /** The doc it is in, e.g. `README.md`. */
  file: string;
}

function readmeBlocks(): Block[] {
  const blocks: Block[] = [];
  for (const file of DOCS) {
    const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      const open = /^(\s*)```(\w+)\s*$/.exec(lines[i] ?? '');
      if (!open) continue;
      const indent = open[1]?.length ?? 0;
      const close = lines.findIndex((line, at) => at > i && /^\s*```\s*$/.test(line));
      if (close === -1) throw new Error(`${file}:${i + 1}: unclosed code block`);
      const code = lines
        .slice(i + 1, close)
        .map((line) => line.slice(Math.min(indent, /^ */.exec(line)?.[0].length ?? 0)))
        .join('\n');
      blocks.push({ lang: open[2] ?? '', code, line: i + 1, file });
      i = close;
    }
  }
  return blocks;
}

interface BlockFile {
  path: string;
  block: Block;
}

/** Writes every block where a user would save it, plus the preamble; returns the preamble's path. */
function writeBlocks(files: BlockFile[]): string {
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  const preamble = join(WORK, 'preamble.d.ts');
  writeFileSync(preamble, PREAMBLE);
  // `export {}` makes every block a module, so blocks never see each other's names.
  for (const { path, block } of files) writeFileSync(path, `${block.code}\nexport {};\n`);
  return preamble;
}

function typeErrors(files: BlockFile[], preamble: string): string[] {
  const errors: string[] = [];
  // Declaration files are parsed once for all blocks; each block still gets a program of its own.
  const host = ts.createCompilerHost(OPTIONS);
  const parsed = new Map<string, ts.SourceFile | undefined>();
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, language, onError, fresh) => {
    if (!fileName.endsWith('.d.ts') && !fileName.endsWith('.d.cts') && !fileName.endsWith('.d.mts')) {
      return getSourceFile(fileName, language, onError, fresh);
    }
    if (!parsed.has(fileName)) parsed.set(fileName, getSourceFile(fileName, language, onError, fresh));
    return parsed.get(fileName);
  };
  for (const { path, block } of files) {
    const program = ts.createProgram({ rootNames: [path, preamble], options: OPTIONS, host });
    for (const d of ts.getPreEmitDiagnostics(program)) {
      const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
      const line = where ? `${block.file}:${block.line + 1 + where.line}` : block.file;
      errors.push(`${line}: TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
    }
  }
  return errors;
}

/** The same check under TypeScript 7: each block its own program, as a user would compile it. */
async function typeErrors7(files: BlockFile[], preamble: string): Promise<string[]> {
  const errors = await typeErrors7Of(
    files.map(({ path }) => ({ tsconfig: `${path}.tsconfig.json`, files: [path, preamble], compilerOptions: OPTIONS_JSON })),
  );
  return [...errors].flatMap(([file, messages]) => {
    const block = files.find((f) => f.path === file)?.block;
    // Shown as README lines: `(line,col)` of the saved block, shifted to where the block starts.
    return messages.map((message) =>
      block ? message.replace(/^[^(]+\((\d+),\d+\):/, (_all, line: string) => `${block.file}:${block.line + Number(line)}:`) : message,
    );
  });
}

describe('README code blocks', () => {
  const blocks = readmeBlocks();
  const typescript = blocks.filter((block) => block.lang === 'ts' || block.lang === 'typescript');
  const javascript = blocks.filter((block) => ['js', 'javascript', 'mjs', 'cjs'].includes(block.lang));
  const files = typescript.map((block, n) => {
    const named = /^\/\/ ([\w-]+(?:\.[\w-]+)*\.ts)\s*$/.exec(block.code.split('\n')[0] ?? '')?.[1];
    return { path: join(WORK, named ?? `block-${n}-${block.file.replace(/\W+/g, '-')}-line-${block.line}.ts`), block };
  });

  it('has TypeScript blocks to check', () => {
    expect(typescript.length).toBeGreaterThan(3);
  });

  it('type-checks every TypeScript block under strict and exactOptionalPropertyTypes', { timeout: 120_000 }, () => {
    const errors = typeErrors(files, writeBlocks(files));
    expect(errors, errors.join('\n')).toEqual([]);
  });

  it('type-checks every TypeScript block under TypeScript 7 too', { timeout: 120_000 }, async () => {
    const errors = await typeErrors7(files, writeBlocks(files));
    expect(errors, errors.join('\n')).toEqual([]);
  });

  for (const block of javascript) {
    it(`parses the JavaScript block at ${block.file}:${block.line}`, () => {
      const out = ts.transpileModule(block.code, {
        reportDiagnostics: true,
        fileName: block.lang === 'cjs' ? 'block.cjs' : 'block.mjs',
        compilerOptions: { allowJs: true, module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      });
      const problems = (out.diagnostics ?? []).map((d) => ts.flattenDiagnosticMessageText(d.messageText, ' '));
      expect(problems).toEqual([]);
    });
  }
});
