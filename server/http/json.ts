// JSON over HTTP for every API of the server: bounded request bodies in, pretty JSON out, and
// errors that carry their HTTP status.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PAGE_HEADERS } from './static.ts';

/** The largest request body an API accepts. */
export const MAX_BODY = 16 * 1024;

/** An error an API answers with its own status and sentence: `{"error": message}`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...PAGE_HEADERS, ...headers });
  res.end(JSON.stringify(body, null, 2) + '\n');
}

/**
 * Bytes of an oversized body read and thrown away after the 413 is answered: the client that sent
 * them gets the answer instead of a connection reset (closing a socket with unread bytes in it
 * sends RST, which can destroy the response in flight). Past this, the socket is closed.
 */
export const MAX_DISCARD = 8 * 1024 * 1024;

/** Reads a JSON body (an empty body is `{}`); rejects with HttpError 413 or 400. */
export function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let size = 0;
    let chunks: Buffer[] | null = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (chunks === null) {
        // over the limit: the 413 is on its way; read and discard the rest of the body
        if (size > MAX_BODY + MAX_DISCARD) req.socket.destroySoon();
        return;
      }
      if (size > MAX_BODY) {
        chunks = null;
        reject(new HttpError(413, `The request body is over ${MAX_BODY} bytes (${MAX_BODY / 1024} KiB), the largest this API reads.`));
      } else chunks.push(c);
    });
    req.on('end', () => {
      if (chunks === null) return;
      try {
        resolve(chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {});
      } catch {
        reject(new HttpError(400, 'body is not valid JSON'));
      }
    });
    req.on('error', reject);
  });
}

/** Reads a body that must be a JSON object. */
export async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const v = await readJson(req).catch((err: unknown) => {
    throw err instanceof HttpError && err.status === 413 ? err : new HttpError(400, 'body must be a JSON object');
  });
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new HttpError(400, 'body must be a JSON object');
  return v as Record<string, unknown>;
}
