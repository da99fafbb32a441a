/**
 * Vite build of the web UI into `dist/`, which `blockwatch serve` serves at `/` under a strict CSP.
 *
 * No React plugin: esbuild's automatic JSX runtime is all the build needs (fast refresh is a dev nicety).
 * The module-preload polyfill is off because Vite would otherwise inline it, and the CSP forbids inline scripts.
 * The `source` export condition bundles the probe package's TypeScript sources (model, verdict), not its build.
 */
import { defaultClientConditions, defineConfig } from 'vite';

export default defineConfig({
  root: new URL('.', import.meta.url).pathname,
  base: '/',
  esbuild: { jsx: 'automatic' },
  resolve: { conditions: ['source', ...defaultClientConditions] },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1200,
  },
  server: {
    // `npm run dev -w packages/web` against a running `blockwatch serve` on :8080
    proxy: { '/api': process.env.BLOCKWATCH_API ?? 'http://127.0.0.1:8080' },
  },
});
