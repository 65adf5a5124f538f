import { defineConfig } from 'vitest/config'
import { svelte } from '@sveltejs/vite-plugin-svelte'

export default defineConfig({
  // Compiles runes in src/state/*.svelte.ts for the state unit tests.
  plugins: [svelte()],
  test: {
    include: [
      'test/unit/**/*.test.ts',
      'test/relay/**/*.test.ts',
      'test/keeper/**/*.test.ts',
      'relay/**/*.test.ts',
    ],
    setupFiles: ['src/core/polyfills.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
})
