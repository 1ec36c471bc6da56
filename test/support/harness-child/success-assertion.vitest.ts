// Run by test/hosts/chai-passport-strategy.test.ts in a child Vitest: a failing assertion in the
// harness's success(), with no error() registered, must reach Vitest as that assertion error.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { harness, setUp, type HarnessSetup } from './harness.js';

let setup: HarnessSetup;
beforeAll(async () => {
  setup = await setUp();
});
afterAll(() => setup.emu.close());

it('signs Jane in', { timeout: 1_000 }, async () => {
  const session = {};
  await setup.start(session);
  await new Promise<void>((resolve) => {
    harness
      .use(setup.strategy)
      .request(setup.callback(session))
      .success((user) => {
        expect(user).toEqual({ id: 'somebody else' });
        resolve();
      })
      .authenticate();
  });
});
