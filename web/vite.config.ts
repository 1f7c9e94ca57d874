// Vite config for the wslab web app. Root is web/; the build lands in <repo>/dist/web, which
// the wslab server serves. The app imports server/core/wire (pure TypeScript) by relative path.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { buildInputsPlugins } from '../server/cli/build-inputs.ts';
import { compressPlugin } from '../server/cli/build-compress.ts';

const webRoot = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(webRoot, '..');
/** Where `npm start` / `wslab start` listens by default; `npm run dev` proxies labs and events there. */
const backend = process.env.WSLAB_BACKEND ?? 'http://127.0.0.1:8080';

/**
 * The proxy to the wslab server. wslab answers only Hosts it serves (DNS rebinding) and only
 * Origins of its own pages, so the proxy presents itself as a page of the backend: Host becomes the
 * backend's (changeOrigin), and an Origin that is the dev server's own (vite has already checked
 * that Host against its allowedHosts) becomes the backend's origin. A foreign Origin is passed on
 * untouched, so the backend still refuses cross-site requests.
 */
const toBackend = { target: backend, ws: true, changeOrigin: true, configure: rewriteOwnOrigin };

function rewriteOwnOrigin(proxy: { on(event: string, fn: (...args: never[]) => void): unknown }): void {
  const rewrite = (proxyReq: { getHeader(n: string): unknown; setHeader(n: string, v: string): void }, req: { headers: Record<string, string | string[] | undefined> }) => {
    const origin = req.headers.origin;
    if (typeof origin === 'string' && (origin === `http://${req.headers.host}` || origin === `https://${req.headers.host}`)) {
      proxyReq.setHeader('origin', new URL(backend).origin);
    }
  };
  proxy.on('proxyReq', rewrite);
  proxy.on('proxyReqWs', rewrite);
}
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
    // The dev server must be allowed to read server/core outside web/.
    fs: { allow: [repoRoot] },
    proxy: {
      // a regex so that /lessons and /labs-like routes of the app are not proxied
      '^/lab/': toBackend,
      '/__wslab': toBackend,
    },
  },
  preview: {
    proxy: {
      // a regex so that /lessons and /labs-like routes of the app are not proxied
      '^/lab/': toBackend,
      '/__wslab': toBackend,
    },
  },
});
