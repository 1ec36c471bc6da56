import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = new URL('..', import.meta.url).pathname;

/** Runs a snippet in a fresh Node process from the package root, so `passport-kvixi` resolves to the build. */
async function node(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, timeout: 15_000 });
}

beforeAll(() => {
  if (!existsSync(`${root}dist/index.js`)) throw new Error('dist/ is missing: run `npm run build` (npm test does)');
});

describe('the published build', () => {
  it('loads with import in an ES module', async () => {
    const { stdout } = await node([
      '--input-type=module',
      '-e',
      `import { KvixiStrategy, Strategy, KvixiClient, KvixiError, KvixiAPIError } from 'passport-kvixi';
       const s = new KvixiStrategy({ appId: '1', appSecret: 's' }, () => {});
       console.log(JSON.stringify([s.name, Strategy === KvixiStrategy, typeof KvixiClient, new KvixiAPIError('authorize', 'x') instanceof KvixiError]));`,
    ]);
    expect(JSON.parse(stdout)).toEqual(['kvixi', true, 'function', true]);
  });

  it('loads with require in CommonJS', async () => {
    const { stdout } = await node([
      '-e',
      `const { Strategy, KvixiStrategy, KvixiClient } = require('passport-kvixi');
       const s = new Strategy({ appId: '1', appSecret: 's' }, () => {});
       console.log(JSON.stringify([s.name, Strategy === KvixiStrategy, typeof s.authenticate, typeof KvixiClient]));`,
    ]);
    expect(JSON.parse(stdout)).toEqual(['kvixi', true, 'function', 'function']);
  });

  it('loads passport-kvixi/client with import and require, without Express', async () => {
    const esm = await node([
      '--input-type=module',
      '-e',
      `import { KvixiClient, KvixiUserNotFoundError, KvixiError } from 'passport-kvixi/client';
       console.log(JSON.stringify([new KvixiClient({ appId: '1', appSecret: 's' }).authorizationURL(), new KvixiUserNotFoundError() instanceof KvixiError]));`,
    ]);
    expect(JSON.parse(esm.stdout)).toEqual(['https://kvixi.com/api/oauth?app_id=1', true]);
    const cjs = await node(['-e', `console.log(typeof require('passport-kvixi/client').KvixiClient)`]);
    expect(cjs.stdout.trim()).toBe('function');
  });

  it('works with passport when loaded through require', async () => {
    const { stdout } = await node([
      '-e',
      `const passport = require('passport');
       const { Strategy } = require('passport-kvixi');
       passport.use(new Strategy({ appId: '1', appSecret: 's' }, () => {}));
       console.log(typeof passport._strategy('kvixi').authenticate);`,
    ]);
    expect(stdout.trim()).toBe('function');
  });

  it('exports the emulator under passport-kvixi/emulator for both module systems', async () => {
    const esm = await node(['--input-type=module', '-e', `import { startEmulator } from 'passport-kvixi/emulator'; console.log(typeof startEmulator);`]);
    const cjs = await node(['-e', `console.log(typeof require('passport-kvixi/emulator').startEmulator);`]);
    expect([esm.stdout.trim(), cjs.stdout.trim()]).toEqual(['function', 'function']);
  });
});

describe('debug logging', () => {
  it('logs each phase under NODE_DEBUG=passport-kvixi and never a secret', async () => {
    const secret = '0f3c9a1b2c3d4e5f60718293a4b5c6d7';
    const authKey = 'debug-auth-key-5d41402abc4b2a76';
    const token = 'debug-token-7e2a4f6b8c0d1e3f5a7b';
    const script = `
      const http = require('node:http');
      const { KvixiClient } = require('passport-kvixi');
      const server = http.createServer((req, res) => {
        res.setHeader('content-type', 'application/json');
        if (req.method === 'POST') return res.end(JSON.stringify({ error: true, message: 'Bad Request, invalid app_id' }));
        if (req.url.startsWith('/api/authorize')) return res.end(JSON.stringify({ access_token: '${token}' }));
        res.end(JSON.stringify({ error: true, message: 'Bad Request, expired access_token' }));
      });
      server.listen(0, '127.0.0.1', async () => {
        const client = new KvixiClient({ appId: '1', appSecret: '${secret}', baseURL: 'http://127.0.0.1:' + server.address().port });
        const { accessToken } = await client.exchangeAuthKey('${authKey}');
        await client.getUserInfo(accessToken).catch(() => {});
        server.close();
      });`;
    const { stderr } = await node(['-e', script], { NODE_DEBUG: 'passport-kvixi' });
    expect(stderr).toMatch(/PASSPORT-KVIXI \d+: POST http:\/\/127\.0\.0\.1:\d+\/api\/authorize/);
    expect(stderr).toMatch(/retrying with GET/);
    expect(stderr).toMatch(/get_user_info answered error: Bad Request, expired access_token/);
    for (const value of [secret, authKey, token]) expect(stderr).not.toContain(value);
  });
});
