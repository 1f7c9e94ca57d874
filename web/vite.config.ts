// Vite config for the wslab web app. Root is web/; the build lands in <repo>/dist/web, which
// the wslab server serves. The app imports server/wire (pure TypeScript) by relative path.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { buildInputsPlugins } from '../server/build-inputs.ts';
import { compressPlugin } from '../server/build-compress.ts';

const webRoot = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(webRoot, '..');
/** Where `npm start` / `wslab start` listens by default; `npm run dev` proxies labs and events there. */
const backend = process.env.WSLAB_BACKEND ?? 'http://127.0.0.1:8080';

// dist/web/.inputs.json: what this build was made from, so `npm start` knows when it is stale
const inputs = buildInputsPlugins(repoRoot);

export default defineConfig({
  root: webRoot,
  // compressPlugin: FILE.br and FILE.gz beside each file, served by Accept-Encoding
  plugins: [react(), inputs.app, compressPlugin()],
  worker: { plugins: () => [inputs.worker()] },
  build: {
    outDir: join(repoRoot, 'dist', 'web'),
    emptyOutDir: true,
    // monaco and mermaid are large by nature; do not nag about it on every build.
    chunkSizeWarningLimit: 4096,
  },
  server: {
    // The dev server must be allowed to read server/wire and server/events outside web/.
    fs: { allow: [repoRoot] },
    // changeOrigin stays false: the server checks that a page's Origin matches the Host it asked
    // for (cross-site WebSocket hijacking), and through this proxy both say localhost:5173.
    proxy: {
      // a regex so that /lessons and /labs-like routes of the app are not proxied
      '^/lab/': { target: backend, ws: true, changeOrigin: false },
      '/__wslab': { target: backend, ws: true, changeOrigin: false },
    },
  },
  preview: {
    proxy: {
      // a regex so that /lessons and /labs-like routes of the app are not proxied
      '^/lab/': { target: backend, ws: true, changeOrigin: false },
      '/__wslab': { target: backend, ws: true, changeOrigin: false },
    },
  },
});
