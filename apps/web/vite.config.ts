import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const protocolSource = fileURLToPath(
  new URL('../../packages/protocol/src/index.ts', import.meta.url),
);

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  // The app is built against the protocol's source: one set of schemas, no separate build step.
  resolve: { alias: { '@atlas/protocol': protocolSource } },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, target: 'es2022' },
  server: {
    // `npm run dev:web` proxies the API and the voice socket to a running Atlas.
    proxy: {
      '/v1': 'http://localhost:8787',
      '/v2': { target: 'ws://localhost:8787', ws: true },
      '/auth': 'http://localhost:8787',
      '/health': 'http://localhost:8787',
    },
  },
});
