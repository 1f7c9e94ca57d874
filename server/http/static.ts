// Serves the built web app from dist/web. Client-side routes (any GET path without a file
// extension) fall back to index.html, so /lessons/03-frames loads directly.
import { close, createReadStream, existsSync, open, statSync } from 'node:fs';
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
    const headers = {
      'Content-Type': MIME[extname(target)] ?? 'application/octet-stream',
      'Content-Length': statSync(target).size,
      'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      ...PAGE_HEADERS,
    };
    if (req.method === 'HEAD') {
      res.writeHead(200, headers);
      res.end();
      return;
    }
    // The file is opened before the status is sent: when the process has no descriptor left
    // (EMFILE) the page gets a 503 that says so, not a 200 cut short.
    open(target, 'r', (err, fd) => {
      if (err) {
        if (res.destroyed) return;
        if (err.code === 'EMFILE' || err.code === 'ENFILE') {
          sendText(res, 503, 'The server has no file descriptors left to read this page (the open-file limit, ulimit -n, is reached); retry in a moment.', { 'Retry-After': '1' });
        } else sendText(res, 500, `The page could not be read: ${err.code ?? err.message}`);
        return;
      }
      if (res.destroyed) return close(fd, ignore);
      res.writeHead(200, headers);
      const stream = createReadStream(target, { fd });
      stream.on('error', () => res.destroy());
      res.on('close', () => stream.destroy());
      stream.pipe(res);
    });
  };
}

function ignore(): void {}
