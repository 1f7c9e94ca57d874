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

/**
 * The URL to open for `input`: relative paths and http(s) URLs become ws(s) URLs on `origin`, and
 * `session` is added unless the learner set one. Returns the session id the server will report.
 */
export function labUrl(input: string, origin: string, session: string): { url: string; session: string } | { error: string } {
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
  const own = url.searchParams.get('session');
  if (own) return { url: url.toString(), session: own };
  url.searchParams.set('session', session);
  return { url: url.toString(), session };
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
