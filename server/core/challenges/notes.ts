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

/**
 * The code of a close the server started (its close frame came first), else null. Read from the
 * close event, not from frame events: watchers never need the per-frame stream.
 */
export function serverCloseCode(e: WslabEvent): number | null {
  return e.type === 'close' && e.initiator === 'server' ? e.code : null;
}

/**
 * A watcher for "do X from the client, then the server closes with CODE": `cause` marks a
 * connection when the client did X; a close the server started with CODE on a marked connection
 * solves it ('any': the connection's close, whoever sent the first close frame).
 */
export function causeThenClose(cause: (e: WslabEvent) => boolean, code: number | 'any'): () => (e: WslabEvent) => boolean {
  return () => {
    const marked = new ConnNotes<true>();
    return (e) => {
      if (!('conn' in e) || !e.conn) return false;
      if (cause(e)) marked.set(e.conn, true);
      else if (e.type === 'close' && marked.get(e.conn) && (code === 'any' || serverCloseCode(e) === code)) return true;
      // (a close event also ends the notes on its connection)
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
