import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import session from 'express-session';
import { Passport } from 'passport';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type KvixiEmulator } from '../lib/emulator/index.js';
import { KvixiStrategy } from '../lib/index.js';
import { launchChromium, skipBrowserTests } from './support/chromium.js';

// Cookie tossing in a real browser over https: the app on app.example.test, the attacker's page
// on evil.example.test (a sibling), both on one https server with a self-signed certificate.
// The attacker's page plants the attacker's session cookie for the parent domain with the more
// specific path of the callback, then sends the victim to a callback with the attacker's
// auth_key. The victim must not end up signed in as the attacker.

/** A self-signed certificate for *.example.test, made by openssl for this run. */
function selfSignedCertificate(): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'kvixi-tls-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=app.example.test',
      '-addext', 'subjectAltName=DNS:app.example.test,DNS:evil.example.test',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(skipBrowserTests)('a session cookie tossed by a sibling subdomain, in Chromium over https', () => {
  let emu: KvixiEmulator;
  let server: Server;
  let chromium: Browser;
  let appURL: string;
  let evilURL: string;
  let appId: string;
  let jane: string;
  let mallory: string;

  beforeAll(async () => {
    emu = await startEmulator({
      users: [
        { username: 'jane', firstname: 'Jane', lastname: "O'Brien" },
        { username: 'mallory', firstname: 'Mallory', lastname: 'Evil' },
      ],
    });
    [jane, mallory] = emu.users.map((user) => user.userId) as [string, string];

    server = createServer(selfSignedCertificate());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    appURL = `https://app.example.test:${port}`;
    evilURL = `https://evil.example.test:${port}`;
    const registered = emu.registerApp({ name: 'Tossing', redirectURL: `${appURL}/auth/kvixi/callback` });
    appId = registered.appId;

    const passport = new Passport();
    passport.use(
      new KvixiStrategy(
        { appId, appSecret: registered.appSecret, baseURL: emu.url, callbackURL: '/auth/kvixi/callback' },
        async (_tokens, profile) => ({ id: profile.id }),
      ),
    );
    passport.serializeUser((user: Express.User & { id?: string }, done) => done(null, user.id));
    passport.deserializeUser((id: string, done) => done(null, { id }));
    // The session cookie as most apps leave it: connect.sid, no Secure, no prefix.
    const app = express();
    app.use(session({ secret: 's', resave: false, saveUninitialized: false }));
    app.use(passport.session());
    app.get('/auth/kvixi', passport.authenticate('kvixi'));
    app.get('/auth/kvixi/callback', passport.authenticate('kvixi', { failureRedirect: '/me' }), (_req, res) => res.redirect('/me'));
    app.get('/me', (req, res) => res.type('text').send(`me=${(req.user as { id?: string } | undefined)?.id ?? 'nobody'}`));

    // The sibling's page: plants the cookie, then sends the victim to the forged callback.
    const evil = express();
    evil.get('/', (req, res) => {
      const { sid, binding, key } = req.query as Record<string, string>;
      const forged = `${appURL}/auth/kvixi/callback?auth_key=${encodeURIComponent(key)}`;
      res.type('html').send(`<!doctype html><title>Prize</title><script>
        document.cookie = ${JSON.stringify(`connect.sid=${sid}; Domain=example.test; Path=/auth/kvixi/callback`)};
        document.cookie = ${JSON.stringify(`kvixi_browser=${binding}; Domain=example.test; Path=/auth/kvixi/callback`)};
        document.cookie = ${JSON.stringify(`__Host-kvixi_browser=${binding}; Domain=example.test; Path=/; Secure`)};
        location.href = ${JSON.stringify(forged)};
      </script>`);
    });
    server.on('request', (req, res) => (req.headers.host?.startsWith('evil.') ? evil : app)(req, res));

    chromium = await launchChromium(['--host-resolver-rules=MAP *.example.test 127.0.0.1', '--ignore-certificate-errors']);
  });
  afterAll(async () => {
    await chromium?.close();
    server?.closeAllConnections();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    await emu?.close();
  });

  /** The attacker starts a login in a browser of their own: a session holding their pending login. */
  async function attackerCookies(): Promise<{ sid: string; binding: string }> {
    const context = await chromium.newContext();
    const page = await context.newPage();
    await page.goto(`${appURL}/auth/kvixi`);
    const cookies = await context.cookies(appURL);
    await context.close();
    const value = (name: string) => cookies.find((cookie) => cookie.name === name)?.value ?? '';
    return { sid: value('connect.sid'), binding: value('__Host-kvixi_browser') };
  }

  async function attack(victim: Page): Promise<string> {
    const { sid, binding } = await attackerCookies();
    expect(sid).not.toBe('');
    const key = emu.issueAuthKey({ appId, userId: mallory });
    await victim.goto(`${evilURL}/?${new URLSearchParams({ sid, binding, key })}`);
    await victim.waitForURL(`${appURL}/me`);
    await victim.goto(`${appURL}/me`);
    return (await victim.textContent('body')) ?? '';
  }

  it('leaves a signed-out victim who had started a login signed out', async () => {
    const victim = await (await chromium.newContext()).newPage();
    await victim.goto(`${appURL}/auth/kvixi`); // her own login, left at Kvixi's page
    expect(await attack(victim)).toBe('me=nobody');
  }, 30_000);

  it('leaves a signed-in victim signed in as herself', async () => {
    const victim = await (await chromium.newContext()).newPage();
    await victim.goto(`${appURL}/auth/kvixi`);
    await victim.goto(`${appURL}/auth/kvixi/callback?auth_key=${emu.issueAuthKey({ appId, userId: jane })}`);
    expect(await victim.textContent('body')).toBe(`me=${jane}`);
    expect(await attack(victim)).toBe(`me=${jane}`);
  }, 30_000);
});
