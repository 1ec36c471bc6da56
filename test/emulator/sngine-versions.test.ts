import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type KvixiEmulator, type SngineVersion } from '../../lib/emulator/index.js';
import { KvixiStrategy, type KvixiProfile } from '../../lib/index.js';
import { buildApp } from '../support/app.js';

// Each Sngine generation answers differently (PROVIDER.md); the strategy must log in against all.

let emu: KvixiEmulator | undefined;
let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  await emu?.close();
  emu = server = undefined;
});

const jane = { username: 'jane', firstname: 'Jane', lastname: "O'Brien", gender: 'female', picture: 'photos/jane.jpg' } as const;

async function userInfoFrom(target: KvixiEmulator, method: 'GET' | 'POST'): Promise<Record<string, unknown>> {
  const [app] = target.apps;
  const authKey = target.issueAuthKey({ appId: app!.appId, userId: target.users[0]!.userId });
  const params = new URLSearchParams({ app_id: app!.appId, app_secret: app!.appSecret, auth_key: authKey });
  const res = method === 'POST'
    ? await fetch(`${target.url}/api/authorize`, { method: 'POST', body: params })
    : await fetch(`${target.url}/api/authorize?${params}`);
  const token = (await res.json()) as { access_token?: string; message?: string };
  if (!token.access_token) return { refused: token.message };
  const info = (await (await fetch(`${target.url}/api/get_user_info?access_token=${token.access_token}`)).json()) as { user_info: Record<string, unknown> };
  return info.user_info;
}

async function startVersion(version: SngineVersion | undefined, extra: Parameters<typeof startEmulator>[0] = {}): Promise<KvixiEmulator> {
  emu = await startEmulator({
    users: [jane],
    apps: [{ name: 'Acme', redirectURL: 'http://localhost/cb' }],
    ...(version ? { sngineVersion: version } : {}),
    ...extra,
  });
  return emu;
}

describe('sngineVersion', () => {
  it.each([
    ['2.7', 'GET', 'female', false],
    ['3.11', 'GET', '2', false],
    ['4.0.3', 'GET', 'Female', true],
    ['4.2', 'POST', 'Female', true],
  ] as const)('%s reads the exchange from %s only, sends user_gender "%s", profile_picture: %s', async (version, method, gender, pictures) => {
    const target = await startVersion(version);
    const other = method === 'GET' ? 'POST' : 'GET';
    expect(await userInfoFrom(target, other)).toEqual({ refused: 'Bad Request, invalid app_id' });
    const info = await userInfoFrom(target, method);
    expect(info.user_gender).toBe(gender);
    expect(info.user_picture).toBe('photos/jane.jpg');
    expect('profile_picture' in info).toBe(pictures);
    expect('profile_cover' in info).toBe(pictures);
    if (pictures) expect(info.profile_picture).toBe(`${target.url}/content/uploads/photos/jane.jpg`);
  });

  it('sends 3.x gender ids 1, 2 and 3', async () => {
    const target = await startVersion('3.11', { users: [{ gender: 'male' }, { gender: 'female' }, { gender: 'other' }] });
    const [app] = target.apps;
    const genders: string[] = [];
    for (const user of target.users) {
      const authKey = target.issueAuthKey({ appId: app!.appId, userId: user.userId });
      const token = (await (await fetch(`${target.url}/api/authorize?app_id=${app!.appId}&app_secret=${app!.appSecret}&auth_key=${authKey}`)).json()) as { access_token: string };
      const info = (await (await fetch(`${target.url}/api/get_user_info?access_token=${token.access_token}`)).json()) as { user_info: { user_gender: string } };
      genders.push(info.user_info.user_gender);
    }
    expect(genders).toEqual(['1', '2', '3']);
  });

  it('keeps 4.x answers, reading both ways, when unset', async () => {
    const target = await startVersion(undefined);
    expect((await userInfoFrom(target, 'GET')).user_gender).toBe('Female');
    expect((await userInfoFrom(target, 'POST')).profile_cover).toBe(`${target.url}/content/uploads/`);
  });

  it('lets authorizeMethods override where the exchange is read', async () => {
    const target = await startVersion('4.2', { authorizeMethods: ['GET', 'POST'] });
    expect((await userInfoFrom(target, 'GET')).user_gender).toBe('Female');
  });

  it('refuses an unknown version with a TypeError naming the option', async () => {
    await expect(startEmulator({ sngineVersion: '5.0' as SngineVersion })).rejects.toThrow(
      new TypeError('startEmulator() requires sngineVersion to be one of 2.7, 3.11, 4.0.3, 4.2'),
    );
  });
});

describe('KvixiStrategy against every sngineVersion', () => {
  it.each([
    ['2.7', ['POST', 'GET']],
    ['3.11', ['POST', 'GET']],
    ['4.0.3', ['POST', 'GET']],
    ['4.2', ['POST']],
  ] as const)('logs Jane in on Sngine %s, exchanging with %j', async (version, exchanges) => {
    server = createServer();
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const appURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const target = await startVersion(version, { apps: [{ name: 'Acme', redirectURL: `${appURL}/auth/kvixi/plain-callback` }] });
    const { appId, appSecret } = target.apps[0]!;
    const strategy = new KvixiStrategy(
      { appId, appSecret, baseURL: target.url },
      (_tokens, profile, done) => done(null, { id: profile.id, profile }),
    );
    server.on('request', buildApp(strategy));

    target.enqueueLogin({ userId: target.users[0]!.userId });
    const res = await request.agent(server).get('/auth/kvixi').redirects(2);

    expect(res.status).toBe(200);
    const profile = (res.body as { user: { profile: KvixiProfile } }).user.profile;
    expect(profile).toMatchObject({
      id: target.users[0]!.userId,
      displayName: "Jane O'Brien",
      gender: 'female',
      photos: [{ value: `${target.url}/content/uploads/photos/jane.jpg` }],
    });
    expect(target.requests.filter((r) => r.path === '/api/authorize').map((r) => r.method)).toEqual(exchanges);
  });
});
