// Serves the built web app from dist/web. Client-side routes (any GET path without a file
// extension) fall back to index.html, so /lessons/03-frames loads directly.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.wasm': 'application/wasm',
};

/** Security headers for every page: no framing by other sites, no MIME sniffing. */
export const PAGE_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'SAMEORIGIN',
  'Referrer-Policy': 'same-origin',
};

export function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...PAGE_HEADERS, ...headers });
  res.end(text + '\n');
}

export function createStaticHandler(root: string) {
  const index = join(root, 'index.html');
  return function serveStatic(req: IncomingMessage, res: ServerResponse, pathname: string): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendText(res, 405, `${req.method} is not allowed here; pages are served with GET.`, { Allow: 'GET, HEAD' });
      return;
    }
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      sendText(res, 400, 'The path is not valid percent-encoding.');
      return;
    }
    const file = normalize(join(root, decoded));
    if (!file.startsWith(root + sep) && file !== root) {
      sendText(res, 403, 'That path leaves the web root.');
      return;
    }
    let target = file;
    if (!existsSync(target) || !statSync(target).isFile()) {
      if (extname(decoded) !== '') {
        sendText(res, 404, `No such file: ${decoded}`);
        return;
      }
      if (!existsSync(index)) {
        sendText(res, 503, 'The web app is not built yet. Run `npm start` (it builds it) or `npm run build`.');
        return;
      }
      target = index; // a client-side route
    }
    const immutable = target.includes(`${sep}assets${sep}`);
    res.writeHead(200, {
      'Content-Type': MIME[extname(target)] ?? 'application/octet-stream',
      'Content-Length': statSync(target).size,
      'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      ...PAGE_HEADERS,
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    createReadStream(target).pipe(res);
  };
}
