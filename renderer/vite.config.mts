import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

/** The dashboard: built into dist/renderer, served by the gateway at /ui/. */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/ui/',
  plugins: [svelte({ configFile: false })],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 400,
  },
  server: {
    // `vite --config renderer/vite.config.mts` against a running gateway (GATEHOUSE_URL).
    fs: { allow: ['..'] },
    proxy: { '/api': { target: process.env.GATEHOUSE_URL ?? 'http://127.0.0.1:4000', changeOrigin: true } },
  },
});
