// The connection registry: metadata about each live lab connection (socketId, sessionId, userId,
// the workshop display name, lab, state), kept apart from the socket objects themselves. Metadata can be copied, listed and
// mirrored to a broker; a live socket cannot leave the process that holds it.
import type { WebSocket } from 'ws';
import type { EventBus } from '../stream/bus.ts';
import type { ConnectionTap } from './tap/tap.ts';
import type { ConnectionMeta } from './meta.ts';

export type { ConnectionMeta } from './meta.ts';
import { Heartbeat } from './heartbeat.ts';
import { writableLengthOf } from './ws-adapter.ts';
import { DEFAULT_HEARTBEAT, type HeartbeatConfig, type HeartbeatState } from '../core/api/heartbeat.ts';


/** Removed connections whose owner is remembered for their last events. */
const DEPARTED_KEPT = 4096;

export interface ConnectionRecord {
  meta: ConnectionMeta;
  tap: ConnectionTap;
  ws: WebSocket | null;
  heartbeat: Heartbeat | null;
  /** the page's wslab_session cookie, when valid: whose connection it is (never put in events) */
  cookieSession?: string | null;
}

export class Registry {
  private readonly records = new Map<string, ConnectionRecord>();
  private counter = 0;
  /** workshop mode sets it: the display name of the participant holding a wslab_session cookie */
  participantName: ((session: string) => string | null) | null = null;

  /**
   * Owners of connections removed lately: the events a connection's end publishes (its close,
   * its last state) come after it left the registry and still belong to its owner. Bounded.
   */
  private readonly departed = new Map<string, string | null>();

  constructor(
    private readonly bus: EventBus,
    /** the server's current heartbeat setting */
    private readonly heartbeatDefaults: () => HeartbeatConfig = () => DEFAULT_HEARTBEAT,
  ) {
    // whose each event is, for streams scoped to one participant (server/stream/observe.ts)
    bus.ownerOf = (conn) => this.records.get(conn)?.meta.owner ?? this.pending.get(conn) ?? this.departed.get(conn) ?? null;
  }

  /** Owners of connections being opened, before add(): their tap publishes as it is made. Bounded. */
  private readonly pending = new Map<string, string | null>();

  /** Says whose `conn` is while it is being made (add() takes over). */
  opening(conn: string, owner: string | null): void {
    if (this.pending.size >= 1024) this.pending.clear(); // only a tap that threw leaves one behind
    this.pending.set(conn, owner);
  }

  /** Gives a connection to a session after it opened (a puppet, a flow consumer), and shows it on that session's streams. */
  setOwner(conn: string, owner: string | null): void {
    const record = this.records.get(conn);
    if (!record || record.meta.owner === owner) return;
    record.meta.owner = owner;
    if (owner !== null) this.bus.announce(conn, owner);
  }

  nextId(): string {
    return `c${++this.counter}`;
  }

  add(record: ConnectionRecord): void {
    this.records.set(record.meta.conn, record);
    this.pending.delete(record.meta.conn);
  }

  remove(conn: string): void {
    const record = this.records.get(conn);
    if (!record) return;
    record.heartbeat?.stop();
    this.records.delete(conn);
    this.bus.forget(conn);
    if (this.departed.size >= DEPARTED_KEPT) this.departed.delete(this.departed.keys().next().value!);
    this.departed.set(conn, record.meta.owner);
  }

  /**
   * Starts a connection's heartbeat. With heartbeats off (interval 0, default misses) none is made:
   * an idle connection should not carry a timer's worth of state for nothing. One is made when a
   * heartbeat is configured for it later.
   */
  startHeartbeat(record: ConnectionRecord, config: HeartbeatConfig): void {
    if (!record.ws) return;
    if (config.intervalMs === 0 && config.maxMisses === this.heartbeatDefaults().maxMisses) return;
    record.heartbeat = new Heartbeat(record.ws, record.tap, this.bus, record.meta.conn, config);
    // say the setting now: a page that knows connections from the stream alone (a workshop
    // participant's) would otherwise show the heartbeat as off until the first ping, an interval later
    record.heartbeat.announce();
  }

  /** Changes a connection's heartbeat (making it if it had none); false while it has no WebSocket yet. */
  configureHeartbeat(record: ConnectionRecord, change: Partial<HeartbeatConfig>): boolean {
    if (!record.ws) return false;
    record.heartbeat ??= new Heartbeat(record.ws, record.tap, this.bus, record.meta.conn, { ...this.heartbeatDefaults(), intervalMs: 0 });
    record.heartbeat.configure(change);
    return true;
  }

  /** A connection's heartbeat setting and counters (off, with nothing missed, when it has none). */
  describeHeartbeat(record: ConnectionRecord): HeartbeatState {
    return record.heartbeat?.describe() ?? { intervalMs: 0, maxMisses: this.heartbeatDefaults().maxMisses, missed: 0, lastRtt: null };
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

  /** The name a new connection carries, from its request's wslab_session cookie (null outside workshop mode). */
  nameFor(cookieSession: string | null): string | null {
    return cookieSession !== null && this.participantName ? this.participantName(cookieSession) : null;
  }

  /** Binds a user to a connection (after authentication) and reports the new metadata. */
  bindUser(conn: string, userId: string | null): void {
    const record = this.records.get(conn);
    if (!record) return;
    record.meta.userId = userId;
    this.publishMeta(record.meta);
  }

  /** Binds a workshop display name to a connection and reports the new metadata. */
  bindName(conn: string, name: string | null): void {
    const record = this.records.get(conn);
    if (!record) return;
    record.meta.name = name;
    this.publishMeta(record.meta);
  }

  /** A meta event with the connection's current ids. */
  publishMeta(meta: ConnectionMeta): void {
    const { conn, socketId, sessionId, userId, name } = meta;
    this.bus.publish({ type: 'meta', conn, socketId, sessionId, userId, name });
  }

  /** What GET /__wslab/connections returns: metadata, server readyState, buffers, heartbeat. */
  snapshot(): object[] {
    const out: object[] = [];
    for (const record of this.records.values()) {
      const { meta, ws } = record;
      const { remoteAddress, remotePort, localAddress, localPort, ...rest } = meta;
      out.push({
        ...rest,
        remote: { address: remoteAddress, port: remotePort },
        local: { address: localAddress, port: localPort },
        readyState: ws ? ws.readyState : 0,
        protocol: ws?.protocol || null,
        extensions: ws?.extensions || null,
        bufferedAmount: ws ? ws.bufferedAmount : 0,
        writableLength: writableLengthOf(ws),
        heartbeat: ws ? this.describeHeartbeat(record) : null,
      });
    }
    return out;
  }
}
