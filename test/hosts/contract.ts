import { randomBytes, randomInt } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type KvixiEmulator } from '../../lib/emulator/index.js';
import { KvixiStrategy, type KvixiProfile, type KvixiVerifyCallback } from '../../lib/index.js';
import { HttpBrowser, type Visit } from '../support/http-browser.js';

/**
 * The login-CSRF checks every Passport host must pass, run against the emulator over loopback.
 * A host under test is a real app that listens on 127.0.0.1 and offers:
 *
 * - `GET /auth/kvixi[?returnTo=…]` starts a login (`state: { returnTo }` when given);
 * - `GET /auth/kvixi/callback` answers JSON: `{ user, info }` after logging the user in, or
 *   `{ failure }` with Passport's status, or 500 `{ error: { code, message } }`;
 * - `GET /me` answers `{ user }` (null when signed out); `POST /logout` signs out.
 */
export interface HostUnderTest {
  url: string;
  close(): Promise<void>;
}

/** Starts one instance of the app; instances of one deployment share their sessions (key, store). */
export type StartHost = (strategy: KvixiStrategy) => Promise<HostUnderTest>;

/** A new deployment per test: its own session secret and store, shared by the instances it starts. */
export type NewDeployment = () => StartHost;

/** What the app keeps of a Kvixi user: enough for a test to tell Jane from Mallory. */
export interface SignedInUser {
  id: string;
  name: string;
}

export const keepUser = (_tokens: unknown, profile: KvixiProfile, done: KvixiVerifyCallback): void =>
  done(null, { id: profile.id, name: profile.displayName } satisfies SignedInUser);

/** A request that never answers fails its test within this, instead of hanging the run. */
export const HOST_TEST_TIMEOUT = 5_000;

export interface Provider {
  emu: KvixiEmulator;
  jane: string;
  mallory: string;
}

/** One emulator for the enclosing describe, with Jane (the victim) and Mallory (the attacker). */
export function useProvider(): Provider {
  const provider = {} as Provider;
  beforeAll(async () => {
    provider.emu = await startEmulator({
      users: [
        { username: 'jane', firstname: 'Jane', lastname: "O'Brien" },
        { username: 'mallory', firstname: 'Mallory', lastname: 'Evil' },
      ],
    });
    provider.jane = provider.emu.users[0]!.userId;
    provider.mallory = provider.emu.users[1]!.userId;
  });
  afterAll(() => provider.emu?.close());
  return provider;
}

export interface Site {
  url: string;
  /**
   * A second instance of the app behind the same load balancer: same sessions, same Kvixi app,
   * but its own process memory, so only what the session holds carries over.
   */
  otherURL: string;
  appId: string;
  /** An auth_key Kvixi would send after the user approved the app. */
  keyFor(userId: string): string;
  /** How many token exchanges the app has asked Kvixi for. */
  exchanges(): number;
}

/**
 * A fresh app on the host with its own Kvixi app registration, whose redirect URL is the app's
 * callback (the emulator's pages send the browser there).
 */
export function useSite(provider: Provider, newDeployment: NewDeployment): Site {
  const site = {} as Site;
  let hosts: HostUnderTest[] = [];
  beforeEach(async () => {
    const appId = String(randomInt(1_000_000_000_000, 9_999_999_999_999));
    const appSecret = randomBytes(16).toString('hex');
    const strategy = () =>
      new KvixiStrategy({ appId, appSecret, baseURL: provider.emu.url, callbackURL: '/auth/kvixi/callback' }, keepUser);
    const startHost = newDeployment();
    hosts = [await startHost(strategy()), await startHost(strategy())];
    const [host, other] = hosts as [HostUnderTest, HostUnderTest];
    provider.emu.registerApp({ name: 'Host under test', redirectURL: `${host.url}/auth/kvixi/callback`, appId, appSecret });
    provider.emu.clearRequests();
    Object.assign(site, {
      url: host.url,
      otherURL: other.url,
      appId,
      keyFor: (userId: string) => provider.emu.issueAuthKey({ appId, userId }),
      exchanges: () => provider.emu.requests.filter((request) => request.path === '/api/authorize').length,
    });
  });
  afterEach(async () => {
    await Promise.all(hosts.map((host) => host.close()));
    hosts = [];
  });
  return site;
}

/** What the host's routes answer, as listed above. */
export interface HostReply {
  user?: SignedInUser | null;
  info?: { state?: unknown };
  failure?: { code?: string } | null;
  error?: { code?: string; message?: string };
}

export function json(visit: Visit): HostReply {
  return JSON.parse(visit.text) as HostReply;
}

/** Start → Kvixi's sign-in and consent pages → callback, as a person clicks through. */
export async function loginThroughPages(provider: Provider, site: Site, browser: HttpBrowser): Promise<Visit> {
  const start = await browser.go(`${site.url}/auth/kvixi`);
  expect(start.status).toBe(302);
  expect(start.location).toBe(`${provider.emu.url}/api/oauth?app_id=${site.appId}`);
  const oauth = new URL(start.location!);
  const signIn = await browser.go(oauth.href);
  expect(signIn.text).toContain('Sign in as Jane O&#39;Brien');
  const consent = await browser.follow(`${provider.emu.url}/signin`, {
    form: { user_id: provider.jane, return: oauth.pathname + oauth.search },
  });
  expect(consent.text).toContain('Continue as Jane');
  const approved = await browser.go(consent.url, { form: { approve: '1' } });
  expect(approved.location).toMatch(new RegExp(`^${site.url}/auth/kvixi/callback\\?auth_key=\\w+$`));
  return browser.go(approved.location!);
}

/** The checks of issue "every Passport host", on one host configuration. */
export function describeLoginCSRF(title: string, newDeployment: NewDeployment): void {
  describe(title, { timeout: HOST_TEST_TIMEOUT }, () => {
    const provider = useProvider();
    const site = useSite(provider, newDeployment);
    const callback = (browser: HttpBrowser, authKey: string, url = site.url) =>
      browser.go(`${url}/auth/kvixi/callback?auth_key=${authKey}`);
    const me = async (browser: HttpBrowser, url = site.url) => json(await browser.go(`${url}/me`)).user;
    const logout = async (browser: HttpBrowser) => expect((await browser.go(`${site.url}/logout`, { form: {} })).status).toBe(200);
    const janeUser = () => ({ id: provider.jane, name: "Jane O'Brien" });

    it('signs Jane in through the provider pages, and she stays signed in', async () => {
      const browser = new HttpBrowser();
      const done = await loginThroughPages(provider, site, browser);
      expect(done.status).toBe(200);
      expect(json(done).user).toEqual(janeUser());
      expect(await me(browser)).toEqual(janeUser());
    });

    it('gives the state of the start back to the app', async () => {
      const browser = new HttpBrowser();
      expect((await browser.go(`${site.url}/auth/kvixi?returnTo=%2Faccount`)).status).toBe(302);
      const done = await callback(browser, site.keyFor(provider.jane));
      expect(done.status).toBe(200);
      expect(json(done).info?.state).toEqual({ returnTo: '/account' });
    });

    it('refuses a forged callback in a browser that started no login, without asking Kvixi', async () => {
      const victim = new HttpBrowser();
      const forged = await callback(victim, site.keyFor(provider.mallory));
      expect(forged.status).toBe(403);
      expect(json(forged).failure?.code).toBe('ERR_KVIXI_NO_PENDING_LOGIN');
      expect(await me(victim)).toBeNull();
      expect(site.exchanges()).toBe(0);
    });

    it('refuses a replayed callback, signed in or signed out, without asking Kvixi', async () => {
      const browser = new HttpBrowser();
      await browser.go(`${site.url}/auth/kvixi`);
      const authKey = site.keyFor(provider.jane);
      expect((await callback(browser, authKey)).status).toBe(200);

      // Signed in, a reload goes where a login goes, still as Jane.
      const reload = await callback(browser, authKey);
      expect(reload.status).toBe(200);
      expect(json(reload)).toMatchObject({ user: janeUser(), info: { alreadySignedIn: true } });
      await logout(browser);
      const later = await callback(browser, authKey);
      expect(later.status).toBe(403);
      expect(json(later).failure?.code).toBe('ERR_KVIXI_NO_PENDING_LOGIN');
      expect(await me(browser)).toBeNull();
      expect(site.exchanges()).toBe(1);
    });

    it('uses up the pending login when Kvixi rejects the auth_key, so a second callback cannot sign in', async () => {
      const browser = new HttpBrowser();
      await browser.go(`${site.url}/auth/kvixi`);
      const rejected = await callback(browser, 'a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0');
      expect(rejected.status).toBe(401);
      expect(json(rejected).failure?.code).toBe('ERR_KVIXI_AUTH_KEY_REJECTED');

      const second = await callback(browser, site.keyFor(provider.mallory));
      expect(second.status).toBe(403);
      expect(json(second).failure?.code).toBe('ERR_KVIXI_NO_PENDING_LOGIN');
      expect(await me(browser)).toBeNull();
      expect(site.exchanges()).toBe(1);
    });

    it('leaves no earlier pending login usable after a successful login', async () => {
      const victim = new HttpBrowser();
      await victim.go(`${site.url}/auth/kvixi`);
      await victim.go(`${site.url}/auth/kvixi`);
      expect(json(await callback(victim, site.keyFor(provider.jane))).user).toEqual(janeUser());

      const forged = await callback(victim, site.keyFor(provider.mallory));
      expect(json(forged)).toMatchObject({ user: janeUser(), info: { alreadySignedIn: true } });
      expect(await me(victim)).toEqual(janeUser());
      await logout(victim);
      const afterLogout = await callback(victim, site.keyFor(provider.mallory));
      expect(afterLogout.status).toBe(403);
      expect(await me(victim)).toBeNull();
      expect(site.exchanges()).toBe(1);
    });

    it('completes the login with the first of two tabs to call back; the other goes on as the signed-in user', async () => {
      const browser = new HttpBrowser();
      await browser.go(`${site.url}/auth/kvixi?returnTo=%2Ffirst`);
      await browser.go(`${site.url}/auth/kvixi?returnTo=%2Fsecond`);
      const firstTabKey = site.keyFor(provider.jane);
      const secondTabKey = site.keyFor(provider.jane);

      const first = await callback(browser, firstTabKey);
      expect(first.status).toBe(200);
      expect(json(first).user).toEqual(janeUser());
      const second = await callback(browser, secondTabKey);
      expect(second.status).toBe(200);
      expect(json(second)).toMatchObject({ user: janeUser(), info: { alreadySignedIn: true } });
      expect(await me(browser)).toEqual(janeUser());
      expect(site.exchanges()).toBe(1);
    });

    it('lets only one of two racing callbacks on one pending login reach Kvixi', async () => {
      const browser = new HttpBrowser();
      await browser.go(`${site.url}/auth/kvixi`);
      provider.emu.failNext('authorize', { type: 'delay', ms: 100 });
      const authKey = site.keyFor(provider.jane);
      const both = await Promise.all([callback(browser, authKey), callback(browser, authKey)]);
      expect(both.map((visit) => visit.status).sort()).toEqual([200, 403]);
      expect(site.exchanges()).toBe(1);
    });

    describe('on a second instance sharing the sessions, which has not seen the first one\'s logins', () => {
      it('refuses a pending login that a rejected auth_key used up', async () => {
        const browser = new HttpBrowser();
        await browser.go(`${site.url}/auth/kvixi`);
        expect((await callback(browser, 'a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0')).status).toBe(401);

        const elsewhere = await callback(browser, site.keyFor(provider.mallory), site.otherURL);
        expect(elsewhere.status).toBe(403);
        expect(json(elsewhere).failure?.code).toBe('ERR_KVIXI_NO_PENDING_LOGIN');
        expect(await me(browser, site.otherURL)).toBeNull();
      });

      it('refuses the pending logins of a browser that signed in and out', async () => {
        const victim = new HttpBrowser();
        await victim.go(`${site.url}/auth/kvixi`);
        await victim.go(`${site.url}/auth/kvixi`);
        expect((await callback(victim, site.keyFor(provider.jane))).status).toBe(200);
        await logout(victim);

        const forged = await callback(victim, site.keyFor(provider.mallory), site.otherURL);
        expect(forged.status).toBe(403);
        expect(json(forged).failure?.code).toBe('ERR_KVIXI_NO_PENDING_LOGIN');
        expect(await me(victim, site.otherURL)).toBeNull();
      });

      it('completes a login started on the first instance', async () => {
        const browser = new HttpBrowser();
        await browser.go(`${site.url}/auth/kvixi?returnTo=%2Faccount`);
        const done = await callback(browser, site.keyFor(provider.jane), site.otherURL);
        expect(done.status).toBe(200);
        expect(json(done)).toMatchObject({ user: janeUser(), info: { state: { returnTo: '/account' } } });
        expect(await me(browser)).toEqual(janeUser());
      });
    });
  });
}
