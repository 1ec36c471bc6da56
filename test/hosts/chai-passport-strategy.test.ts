import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as chai from 'chai';
import chaiPassportStrategy, { type ChaiWithPassport, type HarnessRequest, type HarnessTest } from 'chai-passport-strategy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type KvixiEmulator } from '../../lib/emulator/index.js';
import { KvixiStrategy } from '../../lib/index.js';
import { keepUser } from './contract.js';

// chai-passport-strategy 3, the harness strategy authors test with, run by vitest against the
// emulator. The harness calls the strategy with a bare request object: no URL query string, a
// `req.query` the test fills in, no response, no `next`.

const harness = (chai.use(chaiPassportStrategy) as unknown as ChaiWithPassport).passport;

/** What the strategy did, as the harness reports it. */
type Outcome =
  | { action: 'success'; user: unknown; info: unknown }
  | { action: 'fail'; challenge: unknown; status: number | undefined }
  | { action: 'redirect'; url: string; status: number | undefined }
  | { action: 'pass' }
  | { action: 'error'; err: Error };

/** Runs the harness once and waits for the strategy's one action; a strategy that never acts fails the test by its timeout. */
function outcomeOf(test: HarnessTest, prepare: (req: HarnessRequest) => void, options?: object): Promise<Outcome> {
  return new Promise((resolve) => {
    test
      .request(prepare)
      .success((user, info) => resolve({ action: 'success', user, info }))
      .fail((challenge, status) => resolve({ action: 'fail', challenge, status }))
      .redirect((url, status) => resolve({ action: 'redirect', url, status }))
      .pass(() => resolve({ action: 'pass' }))
      .error((err) => resolve({ action: 'error', err }))
      .authenticate(options);
  });
}

let emu: KvixiEmulator;
let appId: string;
let strategy: KvixiStrategy;
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
  const app = emu.registerApp({ name: 'Harness', redirectURL: 'http://localhost:3000/auth/kvixi/callback' });
  appId = app.appId;
  strategy = new KvixiStrategy(
    { appId, appSecret: app.appSecret, baseURL: emu.url, callbackURL: '/auth/kvixi/callback' },
    keepUser,
  );
});
afterAll(() => emu.close());

/** One browser: the session object the harness requests of one test share. */
function browser(session: Record<string, unknown> = {}) {
  return {
    start: (state?: unknown) =>
      outcomeOf(harness.use(strategy), (req) => {
        req.url = '/auth/kvixi';
        req.session = session;
      }, state === undefined ? undefined : { state }),
    callback: (authKey: unknown) =>
      outcomeOf(harness.use(strategy), (req) => {
        req.url = '/auth/kvixi/callback';
        req.query = { auth_key: authKey };
        req.session = session;
      }),
  };
}

const keyFor = (userId: string) => emu.issueAuthKey({ appId, userId });
const failureCode = (outcome: Outcome) => (outcome.action === 'fail' ? (outcome.challenge as { code?: string }).code : outcome.action);

describe('chai-passport-strategy 3 as the harness', { timeout: 5_000 }, () => {
  it('starts a login by redirecting to Kvixi', async () => {
    expect(await browser().start()).toEqual({ action: 'redirect', url: `${emu.url}/api/oauth?app_id=${appId}`, status: undefined });
  });

  it('signs in with the auth_key the harness sets as req.query, and gives the state back', async () => {
    const tab = browser();
    await tab.start({ returnTo: '/account' });
    expect(await tab.callback(keyFor(jane))).toEqual({
      action: 'success',
      user: { id: jane, name: "Jane O'Brien" },
      info: { state: { returnTo: '/account' } },
    });
  });

  it('reads the auth_key from the URL when the URL has a query string', async () => {
    const session: Record<string, unknown> = {};
    await outcomeOf(harness.use(strategy), (req) => {
      req.session = session;
    });
    const outcome = await outcomeOf(harness.use(strategy), (req) => {
      req.url = `/auth/kvixi/callback?auth_key=${keyFor(jane)}`;
      req.query = { auth_key: 'not this one' };
      req.session = session;
    });
    expect(outcome).toMatchObject({ action: 'success', user: { id: jane } });
  });

  it('fails a forged callback with 403, without asking Kvixi', async () => {
    emu.clearRequests();
    const outcome = await browser().callback(keyFor(mallory));
    expect(outcome).toMatchObject({ action: 'fail', status: 403, challenge: { code: 'ERR_KVIXI_NO_PENDING_LOGIN' } });
    expect(emu.requests).toEqual([]);
  });

  it('fails a replayed callback', async () => {
    const tab = browser();
    await tab.start();
    const authKey = keyFor(jane);
    expect((await tab.callback(authKey)).action).toBe('success');
    expect(failureCode(await tab.callback(authKey))).toBe('ERR_KVIXI_NO_PENDING_LOGIN');
  });

  it('uses up the pending login when Kvixi rejects the auth_key', async () => {
    const tab = browser();
    await tab.start();
    expect(await tab.callback('a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0')).toMatchObject({
      action: 'fail',
      status: 401,
      challenge: { code: 'ERR_KVIXI_AUTH_KEY_REJECTED' },
    });
    expect(failureCode(await tab.callback(keyFor(mallory)))).toBe('ERR_KVIXI_NO_PENDING_LOGIN');
  });

  it('leaves no earlier pending login usable after a success, and the first of two tabs wins', async () => {
    const tabs = browser();
    await tabs.start();
    await tabs.start();
    const [first, second] = [keyFor(jane), keyFor(jane)];
    expect(await tabs.callback(first)).toMatchObject({ action: 'success', user: { id: jane } });
    expect(failureCode(await tabs.callback(second))).toBe('ERR_KVIXI_NO_PENDING_LOGIN');
    expect(failureCode(await tabs.callback(keyFor(mallory)))).toBe('ERR_KVIXI_NO_PENDING_LOGIN');
  });

  it.each([
    ['two values', ['a0a0a0a0', 'b1b1b1b1'], 'ERR_KVIXI_MALFORMED_AUTH_KEY'],
    ['a blank value', '  ', 'ERR_KVIXI_MALFORMED_AUTH_KEY'],
    ['an object', { nested: 'a0a0a0a0' }, 'ERR_KVIXI_MALFORMED_AUTH_KEY'],
    ['nothing', undefined, 'ERR_KVIXI_MISSING_AUTH_KEY'],
  ])('fails a req.query auth_key holding %s with 400, before the pending login is touched', async (_what, authKey, code) => {
    const tab = browser();
    await tab.start();
    expect(await tab.callback(authKey)).toMatchObject({ action: 'fail', status: 400, challenge: { code } });
    expect((await tab.callback(keyFor(jane))).action).toBe('success');
  });

  it('reports a provider fault through error()', async () => {
    const tab = browser();
    await tab.start();
    emu.failNext('authorize', { type: 'http', status: 502, body: 'Bad Gateway' });
    const outcome = await tab.callback(keyFor(jane));
    expect(outcome.action).toBe('error');
    expect(outcome.action === 'error' && (outcome.err as Error & { code?: string }).code).toBe('ERR_KVIXI_UNEXPECTED_RESPONSE');
  });
});

describe('the README recipe for chai-passport-strategy', { timeout: 5_000 }, () => {
  // #region recipe: host-chai-passport-strategy
  // A Vitest file: `harness`, the `strategy` under test and the emulator `emu`, as said above.
  it('signs Jane in', async () => {
    const session = {}; // one browser's session, shared by the start and the callback
    await new Promise((resolve, reject) =>
      harness.use(strategy).request((req) => { req.session = session; }).redirect(resolve).error(reject).authenticate(),
    );
    const jane = emu.users.find((user) => user.username === 'jane')!;
    const authKey = emu.issueAuthKey({ appId, userId: jane.userId });
    const user = await new Promise((resolve, reject) =>
      harness
        .use(strategy)
        .request((req) => {
          req.url = '/auth/kvixi/callback';
          req.query = { auth_key: authKey };
          req.session = session;
        })
        .success((user) => resolve(user))
        .error(reject) // an AssertionError thrown in success() or fail() arrives here
        .authenticate(),
    );
    expect(user).toMatchObject({ id: jane.userId });
  });
  // #endregion
});

describe("an assertion that fails in the harness's callbacks", { timeout: 2_000 }, () => {
  /** The usual promise around a harness test: the outcome's callback resolves it, error() rejects it. */
  function harnessTest(
    prepare: (test: HarnessTest, resolve: () => void) => HarnessTest,
    request: (req: HarnessRequest) => void,
  ): Promise<void> {
    return new Promise((resolve, reject) => prepare(harness.use(strategy), resolve).request(request).error(reject).authenticate());
  }

  it('in success() reaches error() as that AssertionError, at once', async () => {
    const session: Record<string, unknown> = {};
    await browser(session).start();
    const run = harnessTest(
      (test, resolve) =>
        test.success((user) => {
          chai.expect(user).to.deep.equal({ id: 'somebody else' });
          resolve();
        }),
      (req) => {
        req.url = '/auth/kvixi/callback';
        req.query = { auth_key: keyFor(jane) };
        req.session = session;
      },
    );
    await expect(run).rejects.toThrow(chai.AssertionError);
    await expect(run).rejects.toThrow(`expected { id: '${jane}', name: 'Jane O\\'Brien' } to deeply equal { id: 'somebody else' }`);
  });

  it('in fail() reaches error() as that AssertionError, at once', async () => {
    const run = harnessTest(
      (test, resolve) =>
        test.fail((challenge) => {
          chai.expect(challenge).to.have.property('code', 'ERR_KVIXI_SOMETHING_ELSE');
          resolve();
        }),
      (req) => {
        req.url = '/auth/kvixi/callback';
        req.query = { auth_key: keyFor(mallory) };
        req.session = {};
      },
    );
    await expect(run).rejects.toThrow(chai.AssertionError);
    await expect(run).rejects.toThrow("to have property 'code' of 'ERR_KVIXI_SOMETHING_ELSE', but got 'ERR_KVIXI_NO_PENDING_LOGIN'");
  });
});

describe("an exception in the harness's callbacks with no error() registered", { timeout: 30_000 }, () => {
  // The harness gives the strategy no response and no `next`, so nothing could answer a request:
  // the exception is thrown as an uncaught exception, which test runners report against the
  // running test. Each runner runs in a child process, as a user's test suite would.
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const bin = (name: string) => `${root}node_modules/.bin/${name}`;
  // Without the variables of the Vitest running this file.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('VITEST')));

  function run(command: string, args: string[]): Promise<{ code: number | null; output: string }> {
    return new Promise((resolve) => {
      execFile(command, args, { cwd: root, env: { ...env, NO_COLOR: '1', FORCE_COLOR: '0' }, timeout: 25_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, output: `${stdout}${stderr}` });
      });
    });
  }

  it('reaches Vitest as that AssertionError, an uncaught exception against the running test', async () => {
    const { code, output } = await run(bin('vitest'), ['run', '--config', 'test/support/harness-child/vitest.config.ts']);
    expect(code).toBe(1);
    const uncaught = output.slice(output.indexOf('Uncaught Exception'));
    expect(output).toContain('Uncaught Exception');
    expect(uncaught).toMatch(/AssertionError: expected \{ id: '\d+', name: 'Jane Doe' \} to deeply equal \{ id: 'somebody else' \}/);
    expect(uncaught).toContain('The latest test that might\'ve caused the error is "signs Jane in"');
  });

  it('fails the running node:test test at once as that exception, as mocha does, instead of a timeout', async () => {
    const { code, output } = await run(process.execPath, ['--import', 'tsx', '--test', 'test/support/harness-child/assertions.node-test.ts']);
    expect(code).toBe(1);
    const [assertion, forged] = output.split('# Subtest: ').slice(1);
    expect(assertion).toMatch(/^signs Jane in\nnot ok 1/);
    expect(assertion).toContain("failureType: 'uncaughtException'");
    expect(assertion).toContain("name: 'AssertionError'");
    expect(assertion).toContain("-   id: 'somebody else'");
    // Its timeout is 5 s: the exception ended it long before.
    expect(Number(/duration_ms: ([\d.]+)/.exec(assertion ?? '')?.[1])).toBeLessThan(2_000);
    // The harness's own throw for an action the test did not register reaches it too.
    expect(forged).toMatch(/^refuses a forged callback\nnot ok 2/);
    expect(forged).toContain("failureType: 'uncaughtException'");
    expect(forged).toContain("error: 'Strategy#fail should not be called'");
  });
});
