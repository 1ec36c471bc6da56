import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type KvixiEmulator } from 'passport-kvixi/emulator';
import { createApp, type Accounts } from './linking.js';

// The README's account-linking recipe (./linking.ts), run through a real Express app against the
// emulator: passport.authorize links a Kvixi account to the signed-in user, by Kvixi id only.

class MemoryAccounts implements Accounts {
  readonly users = new Map<string, Express.User>();
  add(user: Express.User): void {
    this.users.set(user.id, { ...user });
  }
  findById(id: string): Express.User | undefined {
    return this.users.get(id);
  }
  findByKvixiId(kvixiId: string): Express.User | undefined {
    return [...this.users.values()].find((user) => user.kvixiId === kvixiId);
  }
  linkKvixi(userId: string, kvixiId: string): Express.User {
    const user = { ...this.users.get(userId)!, kvixiId };
    this.users.set(userId, user);
    return user;
  }
}

let emu: KvixiEmulator;
let server: Server;
let appURL: string;
const accounts = new MemoryAccounts();

beforeAll(async () => {
  server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  appURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  emu = await startEmulator({
    users: [
      { username: 'jane', firstname: 'Jane', email: 'ann@example.com' },
      { username: 'jose', firstname: 'Jose' },
    ],
    apps: [{ name: 'Test', redirectURL: `${appURL}/auth/kvixi/callback` }],
  });
  const [{ appId, appSecret }] = emu.apps;
  const app = createApp({ kvixiAppId: appId, kvixiAppSecret: appSecret, kvixiBaseURL: emu.url, sessionSecret: 'test' }, accounts);
  // The app's own sign-in, as a password form would do it.
  app.post('/test/sign-in/:id', (req, res, next) => {
    req.login(accounts.findById(req.params.id)!, (err) => (err ? next(err) : res.redirect('/account')));
  });
  server.on('request', app);
});
beforeEach(() => {
  emu.reset();
  accounts.users.clear();
  accounts.add({ id: 'ann', name: 'Ann' });
  accounts.add({ id: 'bob', name: 'Bob' });
});
afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await emu.close();
});

describe('linking a Kvixi account with passport.authorize', () => {
  it('links Jane\'s Kvixi account to Ann, who is signed in, and keeps Ann signed in', async () => {
    const agent = request.agent(server);
    await agent.post('/test/sign-in/ann').expect(302);
    emu.enqueueLogin({ userId: emu.users[0]!.userId });
    const res = await agent.get('/auth/kvixi').redirects(20);
    expect(res.redirects.at(-1)).toBe(`${appURL}/account?link=done`);
    expect(res.body).toEqual({ user: { id: 'ann', name: 'Ann', kvixiId: emu.users[0]!.userId } });
    expect(accounts.findByKvixiId(emu.users[0]!.userId)?.id).toBe('ann');
  });

  it('lets a signed-out browser log in as Ann with the Kvixi account she linked', async () => {
    accounts.linkKvixi('ann', emu.users[0]!.userId);
    emu.enqueueLogin({ userId: emu.users[0]!.userId });
    const res = await request.agent(server).get('/auth/kvixi').redirects(20);
    expect(res.redirects.at(-1)).toBe(`${appURL}/account`);
    expect(res.body.user).toMatchObject({ id: 'ann' });
  });

  it('refuses to link a Kvixi account that already belongs to Bob', async () => {
    accounts.linkKvixi('bob', emu.users[0]!.userId);
    const agent = request.agent(server);
    await agent.post('/test/sign-in/ann').expect(302);
    emu.enqueueLogin({ userId: emu.users[0]!.userId });
    const res = await agent.get('/auth/kvixi').redirects(20);
    expect(res.redirects.at(-1)).toBe(`${appURL}/account?link=failed`);
    expect(res.body).toEqual({ user: { id: 'ann', name: 'Ann' } });
    expect(accounts.findByKvixiId(emu.users[0]!.userId)?.id).toBe('bob');
  });

  it('never signs anyone in by e-mail: a Kvixi account whose user_email is Ann\'s is not Ann', async () => {
    emu.enqueueLogin({ userId: emu.users[0]!.userId }); // Jane's Kvixi e-mail is ann@example.com
    const res = await request.agent(server).get('/auth/kvixi').redirects(20);
    expect(res.redirects.at(-1)).toBe(`${appURL}/`);
    expect(res.body).toEqual({ user: null });
  });

  it('sends Ann back to her account page, still signed in, when she reloads the used callback', async () => {
    const agent = request.agent(server);
    await agent.post('/test/sign-in/ann').expect(302);
    emu.enqueueLogin({ userId: emu.users[0]!.userId });
    const linked = await agent.get('/auth/kvixi').redirects(20);
    const callback = linked.redirects.find((url) => url.includes('/auth/kvixi/callback?'));
    const res = await agent.get(new URL(callback!).pathname + new URL(callback!).search).redirects(20);
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ id: 'ann', kvixiId: emu.users[0]!.userId });
  });
});
