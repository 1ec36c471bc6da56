// #region recipe: testing-app-factory
// app.test.ts
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEmulator, type KvixiEmulator } from 'passport-kvixi/emulator';
import { createApp } from './app.js';

let emu: KvixiEmulator;
let server: Server;
let appURL: string;

beforeAll(async () => {
  server = createServer().listen(0, '127.0.0.1'); // first: the app's address is the redirect URL
  await once(server, 'listening');
  appURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  emu = await startEmulator({
    users: [{ username: 'jane', firstname: 'Jane', lastname: "O'Brien" }],
    apps: [{ name: 'Test', redirectURL: `${appURL}/auth/kvixi/callback` }],
  });
  const [{ appId, appSecret }] = emu.apps;
  server.on('request', createApp({ kvixiAppId: appId, kvixiAppSecret: appSecret, kvixiBaseURL: emu.url, sessionSecret: 'test' }));
});
afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await emu.close();
});

it('logs Jane in and lands on the home page', async () => {
  emu.enqueueLogin({ userId: emu.users[0].userId });
  // Follow redirects as a browser does, however many the app makes, and check where they end.
  const res = await request.agent(server).get('/auth/kvixi').redirects(20);
  expect(res.redirects.at(-1)).toBe(`${appURL}/`);
  expect(res.body).toEqual({ user: { id: emu.users[0].userId, name: "Jane O'Brien" } });
});
// #endregion

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { withDeadline } from '../../support/deadline.js';

// The README's server.ts, run as `tsx server.ts` is: it reads its environment and listens.
it('serves the same app from server.ts, configured by its environment', { timeout: 60_000 }, async () => {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const port = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  const { appId, appSecret } = emu.registerApp({ name: 'Server', redirectURL: `http://127.0.0.1:${port}/auth/kvixi/callback` });
  const env = { ...process.env, KVIXI_APP_ID: appId, KVIXI_APP_SECRET: appSecret, KVIXI_BASE_URL: emu.url, SESSION_SECRET: 'test', PORT: String(port) };
  const root = new URL('../../..', import.meta.url).pathname;
  const child = spawn(join(root, 'node_modules/.bin/tsx'), [new URL('./server.ts', import.meta.url).pathname], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await withDeadline(
      new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes(`Listening on http://localhost:${port}`) && resolve());
        child.once('exit', (code) => reject(new Error(`server.ts exited with ${code}`)));
      }),
      30_000,
      'server.ts to listen',
    );
    emu.enqueueLogin({ userId: emu.users[0].userId });
    const res = await request.agent(`http://127.0.0.1:${port}`).get('/auth/kvixi').redirects(20);
    expect(res.body).toEqual({ user: { id: emu.users[0].userId, name: "Jane O'Brien" } });
  } finally {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await withDeadline(exited, 10_000, 'server.ts to stop on SIGTERM');
  }
});
