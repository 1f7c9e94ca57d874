// Per-connection notes for watchers: a small map from conn to what a watcher remembers of it,
// forgotten when the connection closes and capped so a learner with many sockets stays bounded.
import type { WslabEvent } from '../events/schema.ts';

/** Connections a watcher remembers at once (the oldest is forgotten first). */
export const NOTES_PER_WATCH = 64;

export class ConnNotes<T> {
  private readonly map = new Map<string, T>();

  get(conn: string): T | undefined {
    return this.map.get(conn);
  }

  set(conn: string, value: T): void {
    this.map.delete(conn);
    this.map.set(conn, value);
    if (this.map.size > NOTES_PER_WATCH) this.map.delete(this.map.keys().next().value!);
  }

  delete(conn: string): void {
    this.map.delete(conn);
  }

  get size(): number {
    return this.map.size;
  }

  /** Forgets a connection once its close event has passed. */
  forgetClosed(e: WslabEvent): void {
    if (e.type === 'close') this.map.delete(e.conn);
  }
}

/** The server's close frame on a connection: the code it sent, else null. */
export function serverCloseCode(e: WslabEvent): number | null {
  return e.type === 'frame' && e.dir === 's2c' && e.opcode === 8 ? e.closeCode : null;
}

/**
 * A watcher for "do X from the client, then the server closes with CODE": `cause` marks a
 * connection when the client did X; the server's close frame with CODE on a marked connection
 * solves it.
 */
export function causeThenClose(cause: (e: WslabEvent) => boolean, code: number): () => (e: WslabEvent) => boolean {
  return () => {
    const marked = new ConnNotes<true>();
    return (e) => {
      if (!('conn' in e) || !e.conn) return false;
      if (cause(e)) marked.set(e.conn, true);
      else if (serverCloseCode(e) === code && marked.get(e.conn)) return true;
      marked.forgetClosed(e);
      return false;
    };
  };
}

type MessageOf = WslabEvent & { type: 'message' };

/** A message as its echo must repeat it: opcode, length and text. */
export function messageKey(m: MessageOf): string {
  return `${m.opcode}:${m.length}:${m.text ?? ''}`;
}

/**
 * A watcher for "send a message like this and get it echoed": a client message that `qualifies`
 * is remembered by its key; a server message with the same key on the same connection solves it.
 */
export function sentThenEchoed(qualifies: (m: MessageOf) => boolean, key: (m: MessageOf) => string = messageKey): () => (e: WslabEvent) => boolean {
  return () => {
    const waiting = new ConnNotes<Set<string>>();
    return (e) => {
      if (e.type === 'message') {
        if (e.dir === 's2c') return waiting.get(e.conn)?.has(key(e)) === true;
        if (!qualifies(e)) return false;
        const keys = waiting.get(e.conn) ?? new Set<string>();
        if (keys.size < 16) keys.add(key(e));
        waiting.set(e.conn, keys);
        return false;
      }
      waiting.forgetClosed(e);
      return false;
    };
  };
}
