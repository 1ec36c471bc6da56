import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { readmeRecipes } from './support/recipes.js';
import { typeErrors7 } from './support/typescript-7.js';

// A user who installed passport-kvixi for its client or its emulator, without Express: with
// skipLibCheck off, every declaration file they load must type-check with no @types/express,
// under the pinned TypeScript 5.9 and under TypeScript 7.

const ROOT = new URL('..', import.meta.url).pathname;
const sandboxes: string[] = [];
afterAll(() => {
  for (const dir of sandboxes) rmSync(dir, { recursive: true, force: true });
});

/** A project with passport-kvixi installed from the build and only the given packages beside it. */
function sandboxWith(packages: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'kvixi-types-'));
  sandboxes.push(dir);
  const installed = join(dir, 'node_modules', 'passport-kvixi');
  cpSync(join(ROOT, 'dist'), join(installed, 'dist'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(installed, 'package.json'));
  for (const name of ['@types/node', ...packages]) {
    mkdirSync(dirname(join(dir, 'node_modules', name)), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', name), join(dir, 'node_modules', name));
  }
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }');
  return dir;
}

const sandbox = sandboxWith([]);

const OPTIONS_JSON = {
  strict: true,
  exactOptionalPropertyTypes: true,
  noEmit: true,
  skipLibCheck: false,
  target: 'ES2022',
  module: 'NodeNext',
  moduleResolution: 'NodeNext',
  types: ['node'],
};

type Compiler = '5.9' | '7';

async function errorsOf(code: string, compiler: Compiler, dir = sandbox): Promise<string[]> {
  const file = join(dir, `user-${compiler}.ts`);
  writeFileSync(file, code);
  if (compiler === '7') {
    const errors = await typeErrors7([{ tsconfig: join(dir, 'tsconfig.json'), files: [file], compilerOptions: OPTIONS_JSON }]);
    return [...errors.values()].flat();
  }
  const options = ts.convertCompilerOptionsFromJson(OPTIONS_JSON, dir).options;
  const program = ts.createProgram([file], options);
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, ' '));
}

describe.each<Compiler>(['5.9', '7'])('types without @types/express, under TypeScript %s', (compiler) => {
  it('lets a client-only user type-check with skipLibCheck off', { timeout: 120_000 }, async () => {
    const errors = await errorsOf(`
      import { KvixiClient, KvixiAPIError, type KvixiUserInfo } from 'passport-kvixi/client';
      const client = new KvixiClient({ appId: process.env.KVIXI_APP_ID, appSecret: process.env.KVIXI_APP_SECRET });
      export async function who(authKey: string): Promise<KvixiUserInfo | undefined> {
        try {
          return await client.getUserInfo((await client.exchangeAuthKey(authKey)).accessToken);
        } catch (err) {
          if (err instanceof KvixiAPIError) return undefined;
          throw err;
        }
      }
    `, compiler);
    expect(errors).toEqual([]);
  });

  it('lets an emulator-only user type-check with skipLibCheck off', { timeout: 120_000 }, async () => {
    const errors = await errorsOf(`
      import { startEmulator } from 'passport-kvixi/emulator';
      const emu = await startEmulator({ users: [{ username: 'jane' }] });
      emu.enqueueLogin({ userId: emu.users[0]!.userId });
      await emu.close();
    `, compiler);
    expect(errors).toEqual([]);
  });

  it('needs @types/express only for the strategy, whose verify receives the request', { timeout: 120_000 }, async () => {
    const errors = await errorsOf(`import { KvixiStrategy } from 'passport-kvixi'; export { KvixiStrategy };`, compiler);
    expect(errors.join('\\n')).toMatch(/Cannot find module 'express'/);
  });
});

// The README's Fastify recipe, as a typed Fastify app writes it: the strategy's types name
// Express's Request, so the app needs @types/express, as the README says.
describe.each<Compiler>(['5.9', '7'])('a typed Fastify app, under TypeScript %s', (compiler) => {
  const recipe = readmeRecipes().find((r) => r.name === 'host-fastify');
  const fastifyApp = `
    declare const config: { kvixiAppId: string; kvixiAppSecret: string; kvixiBaseURL: string; sessionKey: Buffer };
    declare const users: { upsertByKvixiId(id: string, profile: object): { id: string }; findById(id: string): { id: string } | undefined };
    ${recipe?.code ?? ''}
  `;
  const fastify = ['fastify', '@fastify/passport', '@fastify/secure-session'];

  it('type-checks with @types/express installed and skipLibCheck off', { timeout: 120_000 }, async () => {
    expect(recipe?.code).toContain('KvixiStrategy');
    expect(await errorsOf(fastifyApp, compiler, sandboxWith([...fastify, '@types/express']))).toEqual([]);
  });

  it('without @types/express, says the strategy\'s types cannot find express', { timeout: 120_000 }, async () => {
    const errors = await errorsOf(fastifyApp, compiler, sandboxWith(fastify));
    expect(errors.join('\n')).toMatch(/Cannot find module 'express'/);
  });
});
