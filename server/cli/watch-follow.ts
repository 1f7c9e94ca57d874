// `wslab watch`'s connection to the event stream: where to connect, the cursor, and reconnecting.
//
// A watch is often left running on a projector, so once it has followed a server it never goes
// dark on its own: when the stream ends it says so on stderr and reconnects with backoff. On the
// same server it resumes after the last event it printed (`since` = cursor); a server that started
// again in the meantime (its history is younger than the outage) is followed from its first event.
import WebSocket from 'ws';
import { renderBatch } from '../core/events/records.ts';

/** Backoff between reconnect attempts: doubles from the first to the last value. */
export const RECONNECT_FIRST_MS = 250;
export const RECONNECT_MAX_MS = 8000;

/**
 * The server's base URL from what the user typed: `http(s)://`, `ws(s)://`, `host:port` without a
 * scheme, or a bare port (127.0.0.1). Throws with a sentence when it is none of these.
 */
export function serverUrl(input: string | undefined): URL {
  let text = (input ?? 'http://127.0.0.1:8080').trim();
  if (/^\d{1,5}$/.test(text)) text = `127.0.0.1:${text}`;
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) text = `http://${text}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`not a URL or host:port: ${input}`);
  }
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol)) throw new Error(`${url.protocol}// is not a scheme watch can follow (use http, https, ws, wss or host:port)`);
  if (!url.hostname) throw new Error(`no host in ${input}`);
  return url;
}

/** The event stream's URL for a server base URL. */
export function streamUrl(base: URL, query: { types?: string; conn?: string; since?: number | null }): URL {
  const url = new URL(base.href);
  url.protocol = url.protocol === 'https:' || url.protocol === 'wss:' ? 'wss:' : 'ws:';
  url.pathname = '/__wslab/events';
  url.search = '';
  url.hash = '';
  if (query.types) url.searchParams.set('types', query.types);
  if (query.conn) url.searchParams.set('conn', query.conn);
  if (query.since !== undefined && query.since !== null) url.searchParams.set('since', String(query.since));
  // Records as the server keeps them; the JSON is written here (events/records.ts), not by the server.
  url.searchParams.set('format', 'bin');
  return url;
}

/** The health document's fields watch reads. */
export interface Health {
  uptimeMs: number;
  connections: number;
  headSeq: number;
}

export async function fetchHealth(base: URL): Promise<Health | null> {
  const url = new URL('/__wslab/health', base.href);
  url.protocol = base.protocol === 'https:' || base.protocol === 'wss:' ? 'https:' : 'http:';
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
    if (!res.ok) return null;
    const h = (await res.json()) as Partial<Health>;
    if (typeof h.uptimeMs !== 'number' || typeof h.headSeq !== 'number' || typeof h.connections !== 'number') return null;
    return { uptimeMs: h.uptimeMs, connections: h.connections, headSeq: h.headSeq };
  } catch {
    return null;
  }
}

const SEQ_RE = /"seq":(\d+)/;

export interface FollowOptions {
  base: URL;
  types?: string;
  conn?: string;
  /** the first seq wanted (--since); null: live from now */
  since: number | null;
  /** each event as one JSON text, in seq order */
  onEvent(text: string): void;
  /** the stream is open (first time or again); the server's health when it answered */
  onOpen?(url: URL, health: Health | null): void;
  /** status lines for stderr */
  say(line: string): void;
}

/**
 * Follows the stream until stop() is called. Resolves 0 after stop(), 1 when the very first
 * connection fails (nothing was ever followed: a wrong address should not hang).
 */
export function follow(opts: FollowOptions): { done: Promise<number>; stop(): void } {
  /** the next seq wanted; null until the first event when following live */
  let cursor: number | null = opts.since;
  let ws: WebSocket | null = null;
  let stopped = false;
  let everOpen = false;
  let attempt = 0;
  let lostAt = 0;
  let retry: NodeJS.Timeout | null = null;
  let resolve!: (code: number) => void;
  const done = new Promise<number>((r) => (resolve = r));

  const connect = async (): Promise<void> => {
    retry = null;
    if (stopped) return;
    let since = cursor;
    if (everOpen && cursor !== null) {
      // A server that started again has a younger history than our outage: its seqs begin at 1
      // again, so "after our cursor" would skip (or wait for) events that are not the ones we saw.
      const h = await fetchHealth(opts.base);
      if (stopped) return;
      if (h && (h.headSeq < cursor || h.uptimeMs < Date.now() - lostAt)) {
        opts.say(`wslab watch: this is a new server (up ${(h.uptimeMs / 1000).toFixed(1)} s, its events start again at seq 1): following it from its first event`);
        since = 1;
        cursor = 1;
      }
    }
    const url = streamUrl(opts.base, { types: opts.types, conn: opts.conn, since });
    const sock = new WebSocket(url);
    ws = sock;
    let opened = false;
    sock.on('open', () => {
      opened = true;
      const again = everOpen;
      everOpen = true;
      attempt = 0;
      void fetchHealth(opts.base).then((h) => {
        if (ws === sock) opts.onOpen?.(url, h);
      });
      opts.say(again ? `wslab watch: reconnected; following ${url.href}` : `wslab watch: following ${url.href}`);
    });
    sock.on('message', (data: Buffer, isBinary) => {
      const lines = isBinary ? renderBatch(new Uint8Array(data.buffer, data.byteOffset, data.length)) : data.toString();
      for (const text of lines.split('\n')) {
        if (!text) continue;
        const m = SEQ_RE.exec(text.slice(0, 40));
        if (m) cursor = Number(m[1]) + 1;
        opts.onEvent(text);
      }
    });
    sock.on('error', (err) => {
      if (!everOpen && !stopped) {
        stopped = true;
        opts.say(`wslab watch: ${err.message}`);
        resolve(1);
        return;
      }
      if (!opened) opts.say(`wslab watch: still no server at ${opts.base.host} (${err.message})`);
    });
    sock.on('close', (code) => {
      if (ws === sock) ws = null;
      if (stopped) {
        resolve(0);
        return;
      }
      if (!everOpen) return; // the error handler decided
      if (opened) {
        lostAt = Date.now();
        opts.say(`wslab watch: the server stopped or the stream closed (${code === 1006 ? 'connection lost, no close frame' : `close code ${code}`}); reconnecting…`);
      }
      const delay = Math.min(RECONNECT_MAX_MS, RECONNECT_FIRST_MS * 2 ** attempt);
      attempt++;
      retry = setTimeout(() => void connect(), delay);
    });
  };
  void connect();

  return {
    done,
    stop() {
      if (stopped) return;
      stopped = true;
      if (retry) clearTimeout(retry);
      retry = null;
      if (ws && ws.readyState !== WebSocket.CLOSED) ws.close(1000, 'watch stopped');
      else resolve(0);
    },
  };
}
