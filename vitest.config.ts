import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

const protocolSource = fileURLToPath(new URL('./packages/protocol/src/index.ts', import.meta.url));
const fakesSource = fileURLToPath(new URL('./packages/fakes/src/index.ts', import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the protocol's source, so no build is needed before `npm test`.
    alias: { '@atlas/protocol': protocolSource, '@atlas/fakes': fakesSource },
  },
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Real-service tests create their own databases; two cores are shared by PGlite's WASM.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          environment: 'node',
          include: [
            'packages/*/src/**/*.test.ts',
            'apps/server/src/**/*.test.ts',
            'apps/web/e2e/**/*.test.ts',
            'scripts/**/*.test.ts',
          ],
        },
      },
      {
        extends: true,
        plugins: [react()],
        test: {
          name: 'web',
          // Component tests: React in a simulated DOM, IndexedDB from fake-indexeddb.
          environment: 'happy-dom',
          include: ['apps/web/src/**/*.test.{ts,tsx}'],
        },
      },
    ],
  },
});
