// The connection registry: metadata about each live lab connection (socketId, sessionId, userId,
// lab, state), kept apart from the socket objects themselves. Metadata can be copied, listed and
// mirrored to a broker; a live socket cannot leave the process that holds it.
import type { WebSocket } from 'ws';
import type { EventBus } from './events/bus.ts';
import type { ConnectionTap } from './tap/tap.ts';
import type { Heartbeat } from './heartbeat.ts';

export interface ConnectionMeta {
  conn: string;
  socketId: string;
  sessionId: string | null;
  userId: string | null;
  lab: string;
  path: string;
  client: string;
  remote: { address: string; port: number };
  local: { address: string; port: number };
  /** ms since server start, the event clock */
  openedAt: number;
}

export interface ConnectionRecord {
  meta: ConnectionMeta;
  tap: ConnectionTap;
  ws: WebSocket | null;
  heartbeat: Heartbeat | null;
}

export class Registry {
  private readonly records = new Map<string, ConnectionRecord>();
  private counter = 0;

  constructor(private readonly bus: EventBus) {}

  nextId(): string {
    return `c${++this.counter}`;
  }

  add(record: ConnectionRecord): void {
    this.records.set(record.meta.conn, record);
  }

  remove(conn: string): void {
    const record = this.records.get(conn);
    if (!record) return;
    record.heartbeat?.stop();
    this.records.delete(conn);
  }

  get(conn: string): ConnectionRecord | undefined {
    return this.records.get(conn);
  }

  get size(): number {
    return this.records.size;
  }

  all(): IterableIterator<ConnectionRecord> {
    return this.records.values();
  }

  /** Binds a user to a connection (after authentication) and reports the new metadata. */
  bindUser(conn: string, userId: string | null): void {
    const record = this.records.get(conn);
    if (!record) return;
    record.meta.userId = userId;
    const { socketId, sessionId } = record.meta;
    this.bus.publish({ type: 'meta', conn, socketId, sessionId, userId });
  }

  /** What GET /__wslab/connections returns: metadata, server readyState, buffers, heartbeat. */
  snapshot(): object[] {
    const out: object[] = [];
    for (const { meta, ws, heartbeat } of this.records.values()) {
      out.push({
        ...meta,
        readyState: ws ? ws.readyState : 0,
        protocol: ws?.protocol || null,
        extensions: ws?.extensions || null,
        bufferedAmount: ws ? ws.bufferedAmount : 0,
        writableLength: (ws as unknown as { _socket?: { writableLength: number } })?._socket?.writableLength ?? 0,
        heartbeat: heartbeat ? heartbeat.describe() : null,
      });
    }
    return out;
  }
}
