import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Store } from 'express-session';
import { createApp } from '../../../example-app/app.js';
import { openDatabase } from '../../../example-app/db.js';
import { startEmulator, type EmulatorOptions, type KvixiEmulator } from '../../../lib/emulator/index.js';
import type { HttpBrowser } from '../../support/http-browser.js';
import type { KvixiClaimStore } from 'passport-kvixi';

export interface ExampleSite {
  url: string;
  server: Server;
  db: ReturnType<typeof openDatabase>;
}

export const demoUsers: EmulatorOptions['users'] = [
  {
    username: 'jane',
    firstname: 'Jane',
    lastname: "O'Brien",
    email: 'jane@example.com',
    gender: 'female',
    birthdate: '1990-05-17',
    picture: 'photos/2024/05/jane.jpg',
    verified: true,
  },
  { username: 'jose', firstname: 'José', lastname: 'García', email: 'jose@example.com', gender: 'male' },
];

/** Listens first: the port is part of the redirect URL the emulator must know. */
export async function listen(): Promise<{ server: Server; url: string }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

export async function startProvider(options: EmulatorOptions = {}): Promise<KvixiEmulator> {
  return startEmulator({ users: demoUsers, accessTokenTTL: 60, ...options });
}

/** One instance of the example app on a free port, talking to `emu` as the app `appId`. */
export async function startSite(
  emu: KvixiEmulator,
  options: {
    appId?: string;
    appSecret?: string;
    baseURL?: string;
    dbFile?: string;
    sessionStore?: Store;
    claimStore?: KvixiClaimStore;
    timeout?: number;
    listening?: { server: Server; url: string };
    secureCookies?: boolean;
    trustProxy?: boolean;
    siteContact?: string;
  } = {},
): Promise<ExampleSite> {
  const { server, url } = options.listening ?? (await listen());
  let { appId, appSecret } = options;
  if (!appId || !appSecret) {
    ({ appId, appSecret } = emu.registerApp({ name: 'Example', redirectURL: `${url}/auth/kvixi/callback` }));
  }
  const db = openDatabase(options.dbFile ?? ':memory:');
  const app = createApp({
    db,
    kvixi: { appId, appSecret, baseURL: options.baseURL ?? emu.url, timeout: options.timeout },
    sessionSecret: 'test secret',
    sessionStore: options.sessionStore,
    claimStore: options.claimStore,
    emulatorURL: emu.url,
    kvixiSignOutURL: `${emu.url}/`,
    secureCookies: options.secureCookies,
    trustProxy: options.trustProxy,
    siteContact: options.siteContact,
  });
  server.on('request', app);
  return { url, server, db };
}

export async function stopSite(site: ExampleSite | undefined): Promise<void> {
  if (!site) return;
  site.server.closeAllConnections();
  await new Promise((resolve) => site.server.close(resolve));
  site.db.close();
}

/**
 * Starts a login on the site and completes it as `userId` approving on the emulator, headlessly.
 * The callback goes to `callbackSite`: the site the app's redirect URL names.
 */
export async function logIn(
  browser: HttpBrowser,
  site: { url: string },
  emu: KvixiEmulator,
  appId: string,
  userId: string,
  start = '/auth/kvixi',
  callbackSite: { url: string } = site,
) {
  const started = await browser.go(`${site.url}${start}`);
  if (started.status !== 302 || !started.location?.startsWith(emu.url)) {
    throw new Error(`the login did not start: ${started.status} ${started.location}`);
  }
  const authKey = emu.issueAuthKey({ appId, userId });
  const callbackURL = `${callbackSite.url}/auth/kvixi/callback?auth_key=${authKey}`;
  return { callbackURL, callback: await browser.go(callbackURL) };
}

function textOf(fragment: string): string {
  return fragment
    .replace(/<[^>]*>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * What a person reads on a page: the heading, the sentence, the buttons (links and buttons in the
 * actions row, in order), the line under them, and the collapsed details.
 */
export function pageText(page: string): { title: string; message: string; buttons: string[]; note: string | undefined; details: string | undefined } {
  const main = /<main[^>]*>([\s\S]*?)<\/main>/.exec(page)?.[1] ?? '';
  const actions = /<div class="actions[^"]*">([\s\S]*?)<\/div>/.exec(main)?.[1] ?? '';
  const details = /<details[^>]*>([\s\S]*?)<\/details>/.exec(main)?.[1];
  const note = /<p class="note">([\s\S]*?)<\/p>/.exec(main)?.[1];
  return {
    title: textOf(/<h1[^>]*>([\s\S]*?)<\/h1>/.exec(main)?.[1] ?? ''),
    message: textOf(/<p class="message-text">([\s\S]*?)<\/p>/.exec(main)?.[1] ?? ''),
    buttons: [...actions.matchAll(/<(a|button) [^>]*>([\s\S]*?)<\/\1>/g)].map((match) => textOf(match[2] ?? '')),
    note: note === undefined ? undefined : textOf(note),
    details: details === undefined ? undefined : textOf(details),
  };
}
