// The broker in the middle of a fleet of WebSocket nodes. One interface, two implementations:
// EmbeddedBroker (in-process, Redis pub/sub semantics, nothing to install) and RedisBroker (ioredis).
//
// What lives here is METADATA and messages in flight — who is connected where (socketId, sessionId,
// userId, node, rooms), what each offline user is owed, which messages are travelling — never a
// socket: a live WebSocket cannot leave the process that accepted it.
//
// A Broker object is one node's link to the broker. It remembers the topics its node wants, and
// after any outage (Redis restarted, the link paused) it reconnects and resubscribes by itself.
// Operations never throw at the node for a broker outage that the node should ride out:
// publish/presence/queue calls reject with BrokerDownError, which the node turns into counters and
// events while it keeps serving its local members.

export type BrokerKind = 'embedded' | 'redis';

/**
 * pubsub: at-most-once. A subscriber that is away (disconnected, paused, restarting) misses what
 * was published meanwhile, for good.
 * streams: a bounded stream per topic; each node reads from the last id it saw, so an outage
 * shorter than the stream's length loses nothing.
 */
export type DeliveryMode = 'pubsub' | 'streams';

export type LinkStatus = 'up' | 'down' | 'reconnecting' | 'paused';

/** One connection's metadata as the broker keeps it (Redis: a hash with a TTL). */
export interface SocketPresence {
  socketId: string;
  sessionId: string | null;
  userId: string;
  node: string;
  rooms: string[];
  /** ms since the epoch */
  connectedAt: number;
}

export interface PublishResult {
  /** pub/sub: how many subscribers (nodes) the broker handed it to; null in streams mode */
  receivers: number | null;
  /** streams: the entry id the broker gave it */
  streamId: string | null;
}

export interface QueueResult {
  /** entries in the user's queue after this one */
  length: number;
  /** oldest entries dropped to keep the queue within its bound */
  dropped: number;
}

/**
 * The bound on every offline queue together (per broker: the embedded one, or one Redis shared by
 * the fleet). DMs to new user names would otherwise grow the queues without limit. Over any of
 * the three, a new entry is refused (QueueFullError), never an old one silently dropped.
 */
export interface QueueCaps {
  /** queued messages in all queues */
  messages: number;
  /** bytes of queued messages in all queues (UTF-8 JSON as stored) */
  bytes: number;
  /** users with a queue */
  users: number;
}

export const DEFAULT_QUEUE_CAPS: QueueCaps = { messages: 10_000, bytes: 8 * 1024 * 1024, users: 1_000 };

/** What the offline queues hold right now, all users together. */
export interface QueueTotals {
  messages: number;
  bytes: number;
  users: number;
}

export interface BrokerStatus {
  kind: BrokerKind;
  mode: DeliveryMode;
  node: string;
  status: LinkStatus;
  /** topics this node wants (kept across outages, resubscribed on reconnect) */
  topics: string[];
  /** where it connects, without credentials */
  target: string;
  reconnects: number;
}

export interface BrokerHandlers {
  /** a message on a subscribed topic; `streamId` when it came from a stream */
  message(topic: string, data: string, streamId: string | null): void;
  /** the link changed state; `detail` says why */
  status(status: LinkStatus, detail: string): void;
}

export interface BrokerOptions {
  node: string;
  mode: DeliveryMode;
  /** entries kept per topic stream (streams mode) */
  streamLength: number;
  /** the bound on all offline queues together (default DEFAULT_QUEUE_CAPS) */
  queueCaps?: QueueCaps;
}

export interface Broker {
  readonly kind: BrokerKind;
  readonly node: string;
  readonly mode: DeliveryMode;
  readonly status: LinkStatus;
  /** connects (or attaches) and starts delivering to `handlers` */
  start(handlers: BrokerHandlers): Promise<void>;

  // pub/sub ---------------------------------------------------------------------------------
  publish(topic: string, data: string): Promise<PublishResult>;
  /** remembers the topic and subscribes when the link is up; resolves once subscribed or queued */
  subscribe(topic: string): Promise<void>;
  unsubscribe(topic: string): Promise<void>;
  /** switches between pub/sub and streams for this node (publishing and receiving) */
  setMode(mode: DeliveryMode): Promise<void>;

  // presence: metadata with a TTL, refreshed while the node lives -------------------------------
  /** writes or refreshes one socket's entry, in its user's and rooms' sets, for ttlMs */
  putPresence(p: SocketPresence, ttlMs: number): Promise<void>;
  /** refreshes many at once (the node's heartbeat) */
  refreshPresence(list: readonly SocketPresence[], ttlMs: number): Promise<void>;
  /** removes the socket from a room's set (it left the room) */
  leavePresence(p: SocketPresence, room: string): Promise<void>;
  removePresence(p: SocketPresence): Promise<void>;
  /** distinct users with a live entry in the room, sorted */
  roomUsers(room: string): Promise<string[]>;
  /** live sockets of this user, on any node */
  userSockets(user: string): Promise<SocketPresence[]>;
  /** every live socket entry, on every node (GET /__wslab/fanout/presence) */
  allPresence(): Promise<SocketPresence[]>;

  // offline queues: bounded per user, with a TTL ----------------------------------------------
  /** appends to the user's queue (oldest dropped past `max`); rejects with QueueFullError at the caps */
  enqueue(user: string, entry: string, max: number, ttlMs: number): Promise<QueueResult>;
  /** the user's queue, oldest first */
  queued(user: string): Promise<string[]>;
  /** removes one entry (exactly this string) once the client acknowledged it */
  dequeue(user: string, entry: string): Promise<boolean>;

  // lab controls ------------------------------------------------------------------------------
  /** drops the link as an outage would (subscriptions lost); resume() reconnects and resubscribes */
  pause(detail?: string): void;
  resume(): void;
  describe(): BrokerStatus;
  close(): Promise<void>;
}

/** An offline queue entry refused because the queues together are at one of their caps. */
export class QueueFullError extends Error {
  constructor(
    readonly cap: keyof QueueCaps,
    readonly limit: number,
  ) {
    super(
      cap === 'users'
        ? `offline queues are held for at most ${limit} users at once, and that many are waiting`
        : cap === 'messages'
          ? `the offline queues hold at most ${limit} messages in all, and they are full`
          : `the offline queues hold at most ${limit} bytes in all, and this message does not fit`,
    );
  }
}

/** The broker link is down: what needed it was not done (an API answers 503 with the sentence). */
export class BrokerDownError extends Error {
  readonly status = 503;
  constructor(node: string, what: string) {
    super(`broker link of node ${node} is down: ${what} not done`);
  }
}

/** Presence members are `socketKey|user`; socket keys are `node/socketId` (socket ids are per process). */
export function socketKey(p: Pick<SocketPresence, 'node' | 'socketId'>): string {
  return `${p.node}/${p.socketId}`;
}
