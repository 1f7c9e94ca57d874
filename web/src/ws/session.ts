// Tying a browser WebSocket to the server's name for it. Every lab URL takes ?session=ID, and the
// server reports it in conn.open.sessionId: a fresh random id per connection makes the match exact.
import type { EventOf, WslabEvent } from '../../../server/core/events/schema.ts';

/** A random session id the server accepts ([A-Za-z0-9_-], at most 64). */
export function newSessionId(prefix = 'pg'): string {
  const bytes = new Uint8Array(9);
  crypto.getRandomValues(bytes);
  let s = '';
  for (const b of bytes) s += 'abcdefghijklmnopqrstuvwxyz0123456789'[b % 36];
  return `${prefix}-${s}`;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Whether `url` points at the server `origin` came from (and so at labs its tap sees): the same
 * host and port, or, for a server on a loopback address, any loopback name with the same port.
 */
export function isOwnServer(url: URL, origin: string): boolean {
  const here = new URL(origin);
  const port = (u: URL) => u.port || (u.protocol === 'wss:' || u.protocol === 'https:' ? '443' : '80');
  if (port(url) !== port(here)) return false;
  return url.hostname === here.hostname || (LOOPBACK.has(url.hostname) && LOOPBACK.has(here.hostname));
}

export type LabUrl =
  /** own: this server; the session id the server will report (the learner's own, or `session`) */
  | { url: string; session: string; own: true }
  /** another server: the URL exactly as typed (nothing added), and nothing here will see its frames */
  | { url: string; session: null; own: false };

/**
 * The URL to open for `input`: relative paths and http(s) URLs become ws(s) URLs on `origin`.
 * On this server `session` is added (unless the learner set one) so the page can find its
 * connection in the event stream; a URL on another server is never changed.
 */
export function labUrl(input: string, origin: string, session: string): LabUrl | { error: string } {
  let url: URL;
  try {
    url = new URL(input.trim(), origin);
  } catch {
    return { error: `"${input}" is not a URL` };
  }
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') return { error: `a WebSocket URL starts with ws:// or wss://, not ${url.protocol}//` };
  if (url.hash) return { error: 'a WebSocket URL cannot have a #fragment (RFC 6455 §3)' };
  if (!isOwnServer(url, origin)) {
    // as typed: a relative or http(s) input was already made absolute above, a ws(s) one is unchanged
    return { url: /^wss?:\/\//i.test(input.trim()) ? input.trim() : url.toString(), session: null, own: false };
  }
  const given = url.searchParams.get('session');
  if (given) return { url: url.toString(), session: given, own: true };
  url.searchParams.set('session', session);
  return { url: url.toString(), session, own: true };
}

/** This origin as a ws(s) URL base, e.g. ws://127.0.0.1:8080 */
export function wsOrigin(origin: string): string {
  return origin.replace(/^http/, 'ws');
}

/** The newest conn.open after `afterSeq` with this session id, if it has arrived. */
export function findConnBySession(events: readonly WslabEvent[], session: string, afterSeq: number): string | null {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i];
    if (e.seq <= afterSeq) break;
    if (e.type === 'conn.open' && (e as EventOf<'conn.open'>).sessionId === session) return e.conn;
  }
  return null;
}
