import { defineConfig } from 'vite'
import { resolve } from 'node:path'

// Builds the network test page (no UI, no service worker) that test/e2e/network*.spec.ts
// load from the relay, so the network layer is tested on its own.
export default defineConfig({
  root: import.meta.dirname,
  logLevel: 'warn',
  build: {
    target: 'es2023',
    outDir: resolve(import.meta.dirname, '../../../node_modules/.cache/coffer-e2e/net-page'),
    emptyOutDir: true,
    sourcemap: true,
  },
})
