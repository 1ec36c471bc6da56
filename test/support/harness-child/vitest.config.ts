import { defineConfig } from 'vitest/config';

// The child Vitest of test/hosts/chai-passport-strategy.test.ts: only this folder's *.vitest.ts.
export default defineConfig({
  root: new URL('../../..', import.meta.url).pathname,
  test: {
    include: ['test/support/harness-child/*.vitest.ts'],
    typecheck: { enabled: false },
  },
});
