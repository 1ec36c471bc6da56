import { rmSync } from 'node:fs';
import { defineConfig, type Options } from 'tsup';

// Two configs build in parallel, so neither may clean: start from an empty dist/ here instead.
rmSync('dist', { recursive: true, force: true });

// ESM-only helpers (the HTML 4 entity table) are bundled so the CommonJS build needs no require(esm).
const shared: Options = {
  target: 'node20',
  platform: 'node',
  noExternal: ['character-entities-html4'],
};

export default defineConfig([
  {
    ...shared,
    entry: {
      index: 'lib/index.ts',
      client: 'lib/client-entry.ts',
      'emulator/index': 'lib/emulator/index.ts',
      'emulator/cli': 'lib/emulator/cli.ts',
    },
    format: ['esm'],
    // The CLI and the emulator's entry share one chunk instead of each carrying the emulator.
    splitting: true,
    dts: { entry: { index: 'lib/index.ts', client: 'lib/client-entry.ts', 'emulator/index': 'lib/emulator/index.ts' } },
  },
  {
    ...shared,
    entry: { index: 'lib/index.ts', client: 'lib/client-entry.ts', 'emulator/index': 'lib/emulator/index.ts' },
    format: ['cjs'],
    dts: { entry: { index: 'lib/index.ts', client: 'lib/client-entry.ts', 'emulator/index': 'lib/emulator/index.ts' } },
  },
]);
