/**
 * Build of the renderer (the same bundle serves Electron and web mode):
 *   npx vite build --config vite.renderer.config.ts   ->  out/renderer/
 */
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

const root = fileURLToPath(new URL('./src/renderer', import.meta.url));
const outDir = fileURLToPath(new URL('./out/renderer', import.meta.url));

/**
 * The dev server injects inline scripts and a websocket (HMR) that the production CSP forbids;
 * drop the CSP meta tag in `vite serve` only. The built index.html keeps it.
 */
function devCsp(): Plugin {
  return {
    name: 'marketlens-dev-csp',
    apply: 'serve',
    transformIndexHtml(html) {
      return html.replace(/\s*<meta http-equiv="Content-Security-Policy"[^>]*>/, '');
    },
  };
}

export default defineConfig({
  root,
  base: './',
  plugins: [react(), devCsp()],
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 1200,
    modulePreload: { polyfill: false },
    rollupOptions: {
      output: {
        manualChunks(id: string) {
          if (/node_modules[\\/](react|react-dom|scheduler)[\\/]/.test(id)) return 'react';
          if (/node_modules[\\/](@mui|@emotion|@babel[\\/]runtime|react-is|react-transition-group|stylis|clsx|prop-types|@popperjs|hoist-non-react-statics)[\\/]/.test(id)) return 'mui';
          return undefined;
        },
      },
    },
  },
  server: {
    host: '127.0.0.1',
    strictPort: false,
  },
});
