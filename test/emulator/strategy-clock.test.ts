import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startEmulator, type KvixiEmulator } from '../../lib/emulator/index.js';
import { KvixiStrategy, type KvixiStrategyOptions } from '../../lib/index.js';
import { buildApp } from '../support/app.js';

// One clock for the emulator and the strategy: `now: emu.now` makes advance() age pending logins.

let emu: KvixiEmulator | undefined;
let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  await emu?.close();
  emu = server = undefined;
});

describe('the strategy on the emulator clock', () => {
  it('refuses a callback that comes after pendingLoginTTL on the emulator clock', async () => {
    server = createServer();
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const appURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    emu = await startEmulator({ users: [{ username: 'jane', firstname: 'Jane' }], apps: [{ name: 'A', redirectURL: `${appURL}/auth/kvixi/callback` }] });
    const { appId, appSecret } = emu.apps[0]!;
    const clock = vi.fn(emu.now);
    const options: KvixiStrategyOptions = { appId, appSecret, baseURL: emu.url, callbackURL: '/auth/kvixi/callback', now: clock };
    server.on('request', buildApp(new KvixiStrategy(options, (_tokens, profile, done) => done(null, { id: profile.id }))));

    const agent = request.agent(server);
    const start = await agent.get('/auth/kvixi');
    expect(clock).toHaveBeenCalled();

    emu.enqueueLogin({ userId: emu.users[0]!.userId });
    const back = await fetch(start.headers.location!, { redirect: 'manual' });
    emu.advance(601);
    const late = await agent.get(new URL(back.headers.get('location')!).pathname + new URL(back.headers.get('location')!).search);
    expect(late.status).toBe(401);
    expect(late.body.failure.code).toBe('ERR_KVIXI_PENDING_LOGIN_EXPIRED');
  });
});
