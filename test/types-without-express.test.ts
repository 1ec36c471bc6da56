import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

// A user who installed passport-kvixi for its client or its emulator, without Express: with
// skipLibCheck off, every declaration file they load must type-check with no @types/express.

const ROOT = new URL('..', import.meta.url).pathname;
const sandbox = mkdtempSync(join(tmpdir(), 'kvixi-types-'));
const installed = join(sandbox, 'node_modules', 'passport-kvixi');
mkdirSync(join(sandbox, 'node_modules', '@types'), { recursive: true });
cpSync(join(ROOT, 'dist'), join(installed, 'dist'), { recursive: true });
cpSync(join(ROOT, 'package.json'), join(installed, 'package.json'));
symlinkSync(join(ROOT, 'node_modules', '@types', 'node'), join(sandbox, 'node_modules', '@types', 'node'));
writeFileSync(join(sandbox, 'package.json'), '{ "type": "module" }');
afterAll(() => rmSync(sandbox, { recursive: true, force: true }));

function errorsOf(code: string): string[] {
  const file = join(sandbox, 'user.ts');
  writeFileSync(file, code);
  const program = ts.createProgram([file], {
    strict: true,
    exactOptionalPropertyTypes: true,
    noEmit: true,
    skipLibCheck: false,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: ['node'],
  });
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, ' '));
}

describe('types without @types/express', () => {
  it('lets a client-only user type-check with skipLibCheck off', () => {
    const errors = errorsOf(`
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
    `);
    expect(errors).toEqual([]);
  });

  it('lets an emulator-only user type-check with skipLibCheck off', () => {
    const errors = errorsOf(`
      import { startEmulator } from 'passport-kvixi/emulator';
      const emu = await startEmulator({ users: [{ username: 'jane' }] });
      emu.enqueueLogin({ userId: emu.users[0]!.userId });
      await emu.close();
    `);
    expect(errors).toEqual([]);
  });

  it('needs @types/express only for the strategy, whose verify receives the request', () => {
    const errors = errorsOf(`import { KvixiStrategy } from 'passport-kvixi'; export { KvixiStrategy };`);
    expect(errors.join('\\n')).toMatch(/Cannot find module 'express'/);
  });
});
