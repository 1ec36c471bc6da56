import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type KvixiEmulator } from '../lib/emulator/index.js';
import { HttpBrowser } from './support/http-browser.js';

// An app's async code that rejects after the strategy hands over must reach the app's error
// handler once, never kill the server. The app (test/support/rejecting-callbacks-app.ts) runs in
// a child process, where an unhandled rejection ends it with code 1, as it would a real server.

const root = fileURLToPath(new URL('..', import.meta.url));
let emu: KvixiEmulator;
let appId: string;
let janeId: string;
let child: ChildProcess;
let appURL: string;
let childOutput = '';

let appSecret: string;

/** Starts the app in a child process; each test gets a running one, so a crash fails only its own test. */
async function startChild(): Promise<void> {
  childOutput = '';
  child = spawn(`${root}node_modules/.bin/tsx`, ['test/support/rejecting-callbacks-app.ts'], {
    cwd: root,
    env: { ...process.env, KVIXI_APP_ID: appId, KVIXI_APP_SECRET: appSecret, KVIXI_BASE_URL: emu.url },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr?.on('data', (chunk: Buffer) => (childOutput += chunk.toString()));
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      childOutput += chunk.toString();
      const listening = /listening (\d+)/.exec(childOutput);
      if (listening) resolve(listening[1]!);
    });
    child.once('exit', (code) => reject(new Error(`the app exited with code ${code} before listening: ${childOutput}`)));
  });
  appURL = `http://127.0.0.1:${port}`;
}

beforeAll(async () => {
  emu = await startEmulator({ users: [{ username: 'jane', firstname: 'Jane', lastname: 'Doe' }] });
  janeId = emu.users[0]!.userId;
  ({ appId, appSecret } = emu.registerApp({ name: 'Rejections', redirectURL: 'http://127.0.0.1/callback' }));
});
beforeEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    if (await new HttpBrowser().go(`${appURL}/health`).then(() => true, () => false)) return;
    // It is going down after a crash: wait for that before starting another.
    await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.once('exit', resolve)));
  }
  await startChild();
});
afterAll(async () => {
  child?.kill();
  await emu?.close();
});

/** Logs Jane in through one shape's routes; `request` names the callback request for the error handler's count. */
async function logIn(shape: string, request: string) {
  const browser = new HttpBrowser();
  const start = await browser.go(`${appURL}/${shape}/auth/kvixi`);
  expect(start.status).toBe(302);
  const authKey = emu.issueAuthKey({ appId, userId: janeId });
  const callback = await browser.go(`${appURL}/${shape}/auth/kvixi/callback?auth_key=${authKey}`, {
    headers: { 'x-request-id': request },
  });
  // A second report of the same rejection would come right after the first.
  await new Promise((resolve) => setTimeout(resolve, 100));
  const handled = JSON.parse((await new HttpBrowser().go(`${appURL}/handled/${request}`)).text) as { times: number };
  return { status: callback.status, body: callback.text, handled: handled.times };
}

async function stillUp() {
  expect({ exitCode: child.exitCode, signal: child.signalCode }).toEqual({ exitCode: null, signal: null });
  expect((await new HttpBrowser().go(`${appURL}/health`)).text).toBe('up');
  expect(childOutput).not.toMatch(/Unhandled|UnhandledPromiseRejection|Warning/);
}

describe('an async custom callback that rejects', () => {
  it('on the success path, reaches the error handler once, and the server stays up', async () => {
    expect(await logIn('success-rejects', 'success-1')).toEqual({
      status: 500,
      body: JSON.stringify({ error: 'tokens.save failed' }),
      handled: 1,
    });
    await stillUp();
  });

  it('on the success path, wrapped in handleAsync, reaches the error handler once', async () => {
    expect(await logIn('success-rejects-wrapped', 'success-2')).toEqual({
      status: 500,
      body: JSON.stringify({ error: 'tokens.save failed' }),
      handled: 1,
    });
    await stillUp();
  });

  it('on the failure path, wrapped in handleAsync, reaches the error handler once', async () => {
    // A callback that no browser started: a failure, whose promise Passport drops.
    const browser = new HttpBrowser();
    const authKey = emu.issueAuthKey({ appId, userId: janeId });
    const callback = await browser.go(`${appURL}/failure-rejects/auth/kvixi/callback?auth_key=${authKey}`, {
      headers: { 'x-request-id': 'failure-1' },
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const handled = JSON.parse((await new HttpBrowser().go(`${appURL}/handled/failure-1`)).text) as { times: number };
    expect({ status: callback.status, body: callback.text, handled: handled.times }).toEqual({
      status: 500,
      body: JSON.stringify({ error: 'audit.loginFailed failed' }),
      handled: 1,
    });
    await stillUp();
  });

  it("while it handles the strategy's error, reaches the error handler once", async () => {
    emu.failNext('authorize', { type: 'http', status: 502, body: 'Bad Gateway' });
    expect(await logIn('error-rejects', 'error-1')).toEqual({
      status: 500,
      body: JSON.stringify({ error: 'alerts.send failed' }),
      handled: 1,
    });
    await stillUp();
  });
});

describe('an async serializeUser that rejects', () => {
  it('wrapped in handleAsync, reaches the error handler once, and the server stays up', async () => {
    expect(await logIn('serialize-rejects', 'serialize-1')).toEqual({
      status: 500,
      body: JSON.stringify({ error: 'sessions.save failed' }),
      handled: 1,
    });
    await stillUp();
  });
});
