// Run by test/hosts/chai-passport-strategy.test.ts with node:test, which, as mocha does, fails
// the running test at once on an uncaught exception: an exception thrown in the harness's
// callbacks, with no error() registered, must get there as that exception, well before the
// test's own timeout.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { harness, setUp, type HarnessSetup } from './harness.js';

let setup: HarnessSetup;
before(async () => {
  setup = await setUp();
});
after(() => setup.emu.close());

it('signs Jane in', { timeout: 5_000 }, async () => {
  const session = {};
  await setup.start(session);
  await new Promise<void>((resolve) => {
    harness
      .use(setup.strategy)
      .request(setup.callback(session))
      .success((user) => {
        assert.deepEqual(user, { id: 'somebody else' });
        resolve();
      })
      .authenticate();
  });
});

it('refuses a forged callback', { timeout: 5_000 }, async () => {
  // No login was started in this session, so the strategy calls fail(), which this test did not register.
  await new Promise<void>((resolve) => {
    harness
      .use(setup.strategy)
      .request(setup.callback({}))
      .success(() => resolve())
      .authenticate();
  });
});
