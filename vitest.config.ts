import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The NestJS recipes use TypeScript's legacy decorators, as NestJS does.
  oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
  test: {
    include: ['test/**/*.test.ts'],
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'] },
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
