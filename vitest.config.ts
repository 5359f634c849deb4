import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = fileURLToPath(new URL('./src/', import.meta.url));

export default defineConfig({
  // The example project (examples/) imports `vigie` by name; its specs here run it on the sources.
  resolve: {
    alias: [
      { find: /^vigie$/, replacement: `${src}index.ts` },
      { find: /^vigie\/(.+)$/, replacement: `${src}$1/index.ts` },
    ],
  },
  test: {
    include: ['tests/**/*.spec.ts', 'tests/**/*.test.ts'],
    globalSetup: ['tests/helpers/globalSetup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
