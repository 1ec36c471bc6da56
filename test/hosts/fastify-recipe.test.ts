import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../lib/emulator/index.js';
import { describeRecipe } from './recipe-checks.js';
import { Users } from './users.js';

// The README's Fastify recipe, run as written: it finds the app's configuration in `config` and
// its accounts in `users`, as an app would. Its imports sit inside the region so the README
// shows them; import declarations are hoisted, so they may.

const emu = await startEmulator({ users: [{ username: 'jane', firstname: 'Jane', lastname: "O'Brien" }] });
const config = {
  kvixiAppId: '1732698123456',
  kvixiAppSecret: randomBytes(16).toString('hex'),
  kvixiBaseURL: emu.url,
  sessionKey: randomBytes(32),
};
const users = new Users();

// #region recipe: host-fastify
// `config` (your settings) and `users` (your accounts module) are your app's own.
import Fastify from 'fastify';
import fastifySecureSession from '@fastify/secure-session';
import { Authenticator } from '@fastify/passport';
import { KvixiStrategy } from 'passport-kvixi';

const fastifyPassport = new Authenticator();
fastifyPassport.use(
  new KvixiStrategy(
    {
      appId: config.kvixiAppId,
      appSecret: config.kvixiAppSecret,
      baseURL: config.kvixiBaseURL, // leave out for kvixi.com
      callbackURL: '/auth/kvixi/callback',
    },
    async (_tokens, profile) => users.upsertByKvixiId(profile.id, profile),
  ),
);
fastifyPassport.registerUserSerializer(async (user: { id: string }) => user.id);
fastifyPassport.registerUserDeserializer(async (id: string) => users.findById(id) ?? null);

const app = Fastify();
app.register(fastifySecureSession, {
  key: config.sessionKey, // 32 random bytes
  cookie: { path: '/', httpOnly: true, sameSite: 'lax' },
});
app.register(fastifyPassport.initialize());
app.register(fastifyPassport.secureSession());

app.get('/auth/kvixi', { preValidation: fastifyPassport.authenticate('kvixi') }, async () => undefined);
app.get(
  '/auth/kvixi/callback',
  { preValidation: fastifyPassport.authenticate('kvixi', { failureRedirect: '/login' }) },
  async (_request, reply) => reply.redirect('/'),
);
// #endregion

app.get('/me', async (request) => ({ user: request.user ?? null }));
// What the README says about state: a per-request start from the handler, and request.authInfo.state.
app.get('/auth/kvixi/account', async (request, reply) => {
  // @fastify/passport types `state` as a string; the strategy keeps any JSON value.
  await fastifyPassport.authenticate('kvixi', { state: { returnTo: '/account' } as unknown as string }).call(app, request, reply);
  return reply;
});
app.get(
  '/auth/kvixi/state',
  { preValidation: fastifyPassport.authenticate('kvixi', { failureRedirect: '/login' }) },
  async (request) => ({ state: request.authInfo?.state ?? null }),
);

let url: string;
beforeAll(async () => {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  emu.registerApp({
    name: 'Fastify recipe',
    redirectURL: `${url}/auth/kvixi/callback`,
    appId: config.kvixiAppId,
    appSecret: config.kvixiAppSecret,
  });
});
afterAll(async () => {
  await app.close();
  await emu.close();
});

describeRecipe('Fastify', 'request.authInfo.state', () => ({ url, emu, appId: config.kvixiAppId }));

describe('the README\'s Fastify notes', () => {
  it('shows every cookie override this repository needs on Node.js 20, and no other', () => {
    const readme = readFileSync(new URL('../../lib/RECIPES.md', import.meta.url), 'utf8');
    const fastify = readme.slice(readme.indexOf('### Fastify'), readme.indexOf('### Koa'));
    const block = /```json\n"overrides": (.*)\n```/.exec(fastify)?.[1];
    const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { overrides: object };
    expect(JSON.parse(block ?? 'null')).toEqual(manifest.overrides);
  });
});
