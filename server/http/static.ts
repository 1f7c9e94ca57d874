// Serves the built web app from dist/web. Client-side routes (any GET path without a file
// extension) fall back to index.html, so /lessons/03-frames loads directly.
import { close, createReadStream, existsSync, open, statSync } from 'node:fs';
import { extname, join, normalize, sep, basename } from 'node:path';
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

/** The encodings the build stores beside each file (build-compress.ts), in order of preference. */
const ENCODINGS = [
  { name: 'br', ext: '.br' },
  { name: 'gzip', ext: '.gz' },
] as const;

/**
 * The q-value Accept-Encoding gives `coding` (RFC 9110 §12.5.3): its own entry, else `*`'s, else
 * 0. `identity` is acceptable unless refused, but only identity is ever the fallback here.
 */
export function acceptQ(header: string | undefined, coding: string): number {
  if (!header) return 0;
  let star = 0;
  for (const part of header.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    const value = Number.isFinite(q) ? Math.min(1, Math.max(0, q)) : 0;
    if (name === coding) return value;
    if (name === '*') star = value;
  }
  return star;
}

/** A strong validator for one stored representation: its size and modification time. */
function etagOf(size: number, mtimeMs: number): string {
  return `"${size.toString(36)}-${Math.floor(mtimeMs).toString(36)}"`;
}

/** Whether If-None-Match names `etag` (weak comparison, RFC 9110 §13.1.2), or is `*`. */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
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
    // dotfiles (the build's record of its inputs) and the stored compressed copies are not pages
    const name = basename(file);
    if (name.startsWith('.') || ENCODINGS.some((e) => name.endsWith(e.ext))) {
      sendText(res, 404, `No such file: ${decoded}`);
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
    // the stored copy the client accepts, best first; the file itself when none
    const accept = req.headers['accept-encoding'];
    const copies = ENCODINGS.filter((e) => existsSync(target + e.ext));
    const chosen = copies.find((e) => acceptQ(accept, e.name) > 0) ?? null;
    const served = chosen ? target + chosen.ext : target;
    let st;
    try {
      st = statSync(served);
    } catch {
      sendText(res, 404, `No such file: ${decoded}`);
      return;
    }
    const immutable = target.includes(`${sep}assets${sep}`);
    const etag = etagOf(st.size, st.mtimeMs);
    const headers: Record<string, string | number> = {
      'Content-Type': MIME[extname(target)] ?? 'application/octet-stream',
      'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      ETag: etag,
      ...(copies.length > 0 && { Vary: 'Accept-Encoding' }),
      ...PAGE_HEADERS,
    };
    if (matches(req.headers['if-none-match'], etag)) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    const full = { ...headers, 'Content-Length': st.size, ...(chosen && { 'Content-Encoding': chosen.name }) };
    if (req.method === 'HEAD') {
      res.writeHead(200, full);
      res.end();
      return;
    }
    // The file is opened before the status is sent: when the process has no descriptor left
    // (EMFILE) the page gets a 503 that says so, not a 200 cut short.
    open(served, 'r', (err, fd) => {
      if (err) {
        if (res.destroyed) return;
        if (err.code === 'EMFILE' || err.code === 'ENFILE') {
          sendText(res, 503, 'The server has no file descriptors left to read this page (the open-file limit, ulimit -n, is reached); retry in a moment.', { 'Retry-After': '1' });
        } else sendText(res, 500, `The page could not be read: ${err.code ?? err.message}`);
        return;
      }
      if (res.destroyed) return close(fd, ignore);
      res.writeHead(200, full);
      // a file that cannot be read (removed by a rebuild) ends this response, not the process
      const stream = createReadStream(served, { fd });
      stream.on('error', () => res.destroy());
      res.on('close', () => stream.destroy());
      stream.pipe(res);
    });
  };
}

function ignore(): void {}
