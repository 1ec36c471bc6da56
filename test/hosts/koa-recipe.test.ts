import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import { startEmulator } from '../../lib/emulator/index.js';
import { describeRecipe } from './recipe-checks.js';
import { Users } from './users.js';

// The README's Koa recipe, run as written: it finds the app's configuration in `config` and its
// accounts in `users`, as an app would. Its imports sit inside the region so the README shows
// them; import declarations are hoisted, so they may.

const emu = await startEmulator({ users: [{ username: 'jane', firstname: 'Jane', lastname: "O'Brien" }] });
const config = {
  kvixiAppId: '1732698123457',
  kvixiAppSecret: randomBytes(16).toString('hex'),
  kvixiBaseURL: emu.url,
  sessionSecret: randomBytes(32).toString('hex'),
};
const users = new Users();

// #region recipe: host-koa
// `config` (your settings) and `users` (your accounts module) are your app's own.
import Koa from 'koa';
import Router from '@koa/router';
import session from 'koa-session';
import passport from 'koa-passport';
import { KvixiStrategy } from 'passport-kvixi';

passport.use(
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
passport.serializeUser((user, done) => done(null, (user as { id: string }).id));
passport.deserializeUser((id: string, done) => done(null, users.findById(id) ?? false));

const app = new Koa();
app.keys = [config.sessionSecret];
app.use(session({ httpOnly: true, sameSite: 'lax' }, app));
app.use(passport.initialize());
app.use(passport.session());

const router = new Router();
router.get('/auth/kvixi', passport.authenticate('kvixi'));
router.get('/auth/kvixi/callback', passport.authenticate('kvixi', { failureRedirect: '/login' }), (ctx) => {
  ctx.redirect('/');
});
app.use(router.routes());
// #endregion

// What the README says about state: it comes back as ctx.state.authInfo.state.
const stateRouter = new Router();
// @types/passport types `state` as a string; the strategy keeps any JSON value.
stateRouter.get('/auth/kvixi/account', passport.authenticate('kvixi', { state: { returnTo: '/account' } as unknown as string }));
stateRouter.get('/auth/kvixi/state', passport.authenticate('kvixi', { failureRedirect: '/login' }), (ctx) => {
  ctx.body = { state: (ctx.state.authInfo as { state?: unknown } | undefined)?.state ?? null };
});
app.use(stateRouter.routes());
app.use((ctx) => {
  if (ctx.path === '/me') ctx.body = { user: ctx.state.user ?? null };
});

let url: string;
let server: Server;
beforeAll(async () => {
  server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  emu.registerApp({
    name: 'Koa recipe',
    redirectURL: `${url}/auth/kvixi/callback`,
    appId: config.kvixiAppId,
    appSecret: config.kvixiAppSecret,
  });
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await emu.close();
});

describeRecipe('Koa', 'ctx.state.authInfo.state', () => ({ url, emu, appId: config.kvixiAppId }));
