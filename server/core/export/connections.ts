// The history's events gathered per connection, for the exports: its conn.open, handshake, frames
// (in order) and close. Pure.
import type { EventOf, WslabEvent } from '../events/schema.ts';

export interface ConnRecord {
  conn: string;
  open: EventOf<'conn.open'> | null;
  handshake: EventOf<'handshake'> | null;
  frames: EventOf<'frame'>[];
  close: EventOf<'close'> | null;
}

/** Connections in the order they first appear; `only` keeps one. Connections with no handshake are left out (nothing to replay). */
export function gatherConnections(events: readonly WslabEvent[], only?: string): ConnRecord[] {
  const byConn = new Map<string, ConnRecord>();
  for (const e of events) {
    if (!('conn' in e) || typeof e.conn !== 'string') continue;
    if (only !== undefined && e.conn !== only) continue;
    let c = byConn.get(e.conn);
    if (!c) byConn.set(e.conn, (c = { conn: e.conn, open: null, handshake: null, frames: [], close: null }));
    if (e.type === 'conn.open') c.open = e;
    else if (e.type === 'handshake') c.handshake = e;
    else if (e.type === 'frame') c.frames.push(e);
    else if (e.type === 'close') c.close = e;
  }
  return [...byConn.values()].filter((c) => c.handshake !== null);
}

export function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}

export function base64(bytes: Uint8Array): string {
  const table = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += table[(n >> 18) & 63] + table[(n >> 12) & 63] + (i + 1 < bytes.length ? table[(n >> 6) & 63] : '=') + (i + 2 < bytes.length ? table[n & 63] : '=');
  }
  return out;
}
