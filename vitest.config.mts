import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    reporters: ['default'],
    maxWorkers: 2,
    projects: [
      {
        // The core, the CLI and the browser end-to-end test: real processes, real sockets.
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['test/bench/**', 'test/renderer/**', 'node_modules/**', 'dist/**'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          pool: 'forks',
          maxWorkers: 2,
        },
      },
      {
        // The dashboard's components, compiled by the Svelte plugin, in happy-dom.
        plugins: [svelte({ configFile: false })],
        resolve: { conditions: ['browser'] },
        test: {
          name: 'renderer',
          include: ['test/renderer/**/*.test.ts'],
          environment: 'happy-dom',
          testTimeout: 20_000,
        },
      },
    ],
  },
});
