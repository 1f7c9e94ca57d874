// The embedded broker: an in-process stand-in for Redis with the same semantics for what wslab
// uses — pub/sub channels (at-most-once: a link that is down misses messages for good), bounded
// streams read from a last id, sorted sets with expiry scores for presence, bounded lists for
// offline queues — so the fan-out lab runs with nothing to install.
//
// EmbeddedHub is "the Redis server"; each node holds an EmbeddedBroker, its link to the hub.
// Delivery is asynchronous (a later turn of the event loop), like a network hop, and each link's
// pending deliveries are bounded: a link that falls too far behind is disconnected, as Redis does
// with a pub/sub client over its output-buffer limit, and reconnects.
import {
  BrokerDownError,
  DEFAULT_QUEUE_CAPS,
  QueueFullError,
  socketKey,
  type QueueCaps,
  type QueueTotals,
  type Broker,
  type BrokerHandlers,
  type BrokerStatus,
  type DeliveryMode,
  type LinkStatus,
  type PublishResult,
  type QueueResult,
  type SocketPresence,
} from './broker.ts';
import { safeTimeout } from '../process/safe.ts';

export interface EmbeddedHubOptions {
  /** entries kept per topic stream (default 1000) */
  streamLength?: number;
  /** deliveries a link may have pending before the hub drops it (default 100,000) */
  maxPending?: number;
  /** ms since the epoch (injectable for tests) */
  now?: () => number;
  /** the bound on all offline queues together (default DEFAULT_QUEUE_CAPS) */
  queueCaps?: Partial<QueueCaps>;
}

interface StreamEntry {
  seq: number;
  data: string;
}

/** A set whose members expire: Redis ZSET with the expiry time as the score. */
class ExpiringSet {
  private readonly members = new Map<string, number>();
  put(member: string, expiresAt: number): void {
    this.members.set(member, expiresAt);
  }
  delete(member: string): void {
    this.members.delete(member);
  }
  live(now: number): string[] {
    const out: string[] = [];
    for (const [m, exp] of this.members) {
      if (exp > now) out.push(m);
      else this.members.delete(m);
    }
    return out;
  }
  get size(): number {
    return this.members.size;
  }
}

export class EmbeddedHub {
  readonly streamLength: number;
  readonly maxPending: number;
  readonly now: () => number;
  private readonly channels = new Map<string, Set<EmbeddedBroker>>();
  private readonly streams = new Map<string, { entries: StreamEntry[]; last: number }>();
  private readonly sockets = new Map<string, { p: SocketPresence; exp: number }>();
  private readonly users = new Map<string, ExpiringSet>();
  private readonly rooms = new Map<string, ExpiringSet>();
  private readonly inboxes = new Map<string, { entries: string[]; bytes: number; exp: number }>();
  readonly queueCaps: QueueCaps;
  /** messages and bytes in all inboxes (users: inboxes.size) */
  private queuedMessages = 0;
  private queuedBytes = 0;
  private readonly links = new Set<EmbeddedBroker>();
  private writes = 0;

  constructor(options: EmbeddedHubOptions = {}) {
    this.streamLength = options.streamLength ?? 1000;
    this.maxPending = options.maxPending ?? 100_000;
    this.now = options.now ?? Date.now;
    this.queueCaps = { ...DEFAULT_QUEUE_CAPS, ...options.queueCaps };
  }

  connect(node: string, mode: DeliveryMode): EmbeddedBroker {
    const link = new EmbeddedBroker(this, node, mode);
    this.links.add(link);
    return link;
  }

  /** @internal */ forget(link: EmbeddedBroker): void {
    this.links.delete(link);
    this.dropSubscriptions(link);
  }

  // pub/sub ---------------------------------------------------------------------------------

  /** @internal */ subscribe(link: EmbeddedBroker, topic: string): void {
    let set = this.channels.get(topic);
    if (!set) this.channels.set(topic, (set = new Set()));
    set.add(link);
  }

  /** @internal */ unsubscribe(link: EmbeddedBroker, topic: string): void {
    const set = this.channels.get(topic);
    if (!set) return;
    set.delete(link);
    if (set.size === 0) this.channels.delete(topic);
  }

  /** @internal */ dropSubscriptions(link: EmbeddedBroker): void {
    for (const [topic, set] of this.channels) {
      set.delete(link);
      if (set.size === 0) this.channels.delete(topic);
    }
  }

  /** PUBLISH: hands the message to every link subscribed right now; returns how many. */
  /** @internal */ publish(topic: string, data: string): number {
    const set = this.channels.get(topic);
    if (!set) return 0;
    for (const link of set) link.push(topic, data, null);
    return set.size;
  }

  // streams ---------------------------------------------------------------------------------

  /** XADD with MAXLEN: appends and trims; wakes the links reading the topic. Returns the entry id. */
  /** @internal */ append(topic: string, data: string): string {
    let s = this.streams.get(topic);
    if (!s) this.streams.set(topic, (s = { entries: [], last: 0 }));
    const seq = ++s.last;
    s.entries.push({ seq, data });
    if (s.entries.length > this.streamLength) s.entries.splice(0, s.entries.length - this.streamLength);
    for (const link of this.links) link.wake(topic);
    return streamId(seq);
  }

  /** The id of the newest entry (0 when empty): where a new reader starts. */
  /** @internal */ head(topic: string): number {
    return this.streams.get(topic)?.last ?? 0;
  }

  /** XREAD: entries after `after`, oldest first, at most `count`. */
  /** @internal */ read(topic: string, after: number, count: number): StreamEntry[] {
    const s = this.streams.get(topic);
    if (!s || s.last <= after) return [];
    const entries = s.entries;
    // entries are consecutive seqs; find the first one after `after`
    const first = entries.length ? entries[0].seq : s.last + 1;
    const start = Math.max(0, after + 1 - first);
    return entries.slice(start, start + count);
  }

  // presence --------------------------------------------------------------------------------

  /** @internal */ putPresence(p: SocketPresence, ttlMs: number): void {
    const exp = this.now() + ttlMs;
    const key = socketKey(p);
    this.sockets.set(key, { p: { ...p, rooms: [...p.rooms] }, exp });
    set(this.users, p.userId).put(key, exp);
    for (const room of p.rooms) set(this.rooms, room).put(`${key}|${p.userId}`, exp);
    if (++this.writes % 1000 === 0) this.sweep();
  }

  /** @internal */ leavePresence(p: SocketPresence, room: string): void {
    this.rooms.get(room)?.delete(`${socketKey(p)}|${p.userId}`);
  }

  /** @internal */ removePresence(p: SocketPresence): void {
    const key = socketKey(p);
    const held = this.sockets.get(key);
    this.sockets.delete(key);
    this.users.get(p.userId)?.delete(key);
    for (const room of new Set([...p.rooms, ...(held?.p.rooms ?? [])])) this.rooms.get(room)?.delete(`${key}|${p.userId}`);
  }

  /** @internal */ roomUsers(room: string): string[] {
    const s = this.rooms.get(room);
    if (!s) return [];
    const users = new Set(s.live(this.now()).map((m) => m.slice(m.lastIndexOf('|') + 1)));
    if (s.size === 0) this.rooms.delete(room);
    return [...users].sort();
  }

  /** @internal */ userSockets(user: string): SocketPresence[] {
    const s = this.users.get(user);
    if (!s) return [];
    const now = this.now();
    const out: SocketPresence[] = [];
    for (const key of s.live(now)) {
      const held = this.sockets.get(key);
      if (held && held.exp > now) out.push(held.p);
    }
    if (s.size === 0) this.users.delete(user);
    return out;
  }

  /** @internal */ allPresence(): SocketPresence[] {
    this.sweep();
    return [...this.sockets.values()].map((h) => h.p);
  }

  /** Expired entries go, as Redis expires keys: a dead node leaves no permanent ghosts. */
  private sweep(): void {
    const now = this.now();
    for (const [key, held] of this.sockets) if (held.exp <= now) this.sockets.delete(key);
    for (const [name, s] of this.users) if (s.live(now).length === 0) this.users.delete(name);
    for (const [name, s] of this.rooms) if (s.live(now).length === 0) this.rooms.delete(name);
    this.sweepInboxes(now);
  }

  private sweepInboxes(now: number): void {
    for (const [name, q] of this.inboxes) if (q.exp <= now) this.dropInbox(name, q);
  }

  private dropInbox(name: string, q: { entries: string[]; bytes: number }): void {
    this.inboxes.delete(name);
    this.queuedMessages -= q.entries.length;
    this.queuedBytes -= q.bytes;
  }

  /** What every offline queue together holds (expired ones already gone). */
  queueTotals(): QueueTotals {
    this.sweepInboxes(this.now());
    return { messages: this.queuedMessages, bytes: this.queuedBytes, users: this.inboxes.size };
  }

  // offline queues --------------------------------------------------------------------------

  /** RPUSH + LTRIM + PEXPIRE, within the caps on all queues together (QueueFullError past them) */
  /** @internal */ enqueue(user: string, entry: string, max: number, ttlMs: number): QueueResult {
    const now = this.now();
    let q = this.inboxes.get(user);
    if (q && q.exp <= now) {
      this.dropInbox(user, q);
      q = undefined;
    }
    const size = Buffer.byteLength(entry);
    const caps = this.queueCaps;
    // the entries this one would push out of a full per-user queue make room for it
    const out = q ? Math.max(0, q.entries.length + 1 - max) : 0;
    const outBytes = q ? q.entries.slice(0, out).reduce((n, e) => n + Buffer.byteLength(e), 0) : 0;
    const over = (): QueueFullError | null => {
      if (!q && this.inboxes.size >= caps.users) return new QueueFullError('users', caps.users);
      if (this.queuedMessages - out + 1 > caps.messages) return new QueueFullError('messages', caps.messages);
      if (this.queuedBytes - outBytes + size > caps.bytes) return new QueueFullError('bytes', caps.bytes);
      return null;
    };
    if (over()) this.sweepInboxes(now); // expired queues may be the ones in the way
    const full = over();
    if (full) throw full;
    if (!q) this.inboxes.set(user, (q = { entries: [], bytes: 0, exp: 0 }));
    q.entries.push(entry);
    q.bytes += size - outBytes;
    q.exp = now + ttlMs;
    if (out) q.entries.splice(0, out);
    this.queuedMessages += 1 - out;
    this.queuedBytes += size - outBytes;
    return { length: q.entries.length, dropped: out };
  }

  /** @internal */ queued(user: string): string[] {
    const q = this.inboxes.get(user);
    if (!q) return [];
    if (q.exp <= this.now()) {
      this.dropInbox(user, q);
      return [];
    }
    return [...q.entries];
  }

  /** LREM key 1 entry */
  /** @internal */ dequeue(user: string, entry: string): boolean {
    const q = this.inboxes.get(user);
    if (!q) return false;
    const i = q.entries.indexOf(entry);
    if (i < 0) return false;
    q.entries.splice(i, 1);
    const size = Buffer.byteLength(entry);
    q.bytes -= size;
    this.queuedMessages--;
    this.queuedBytes -= size;
    if (q.entries.length === 0) this.inboxes.delete(user);
    return true;
  }
}

function set(map: Map<string, ExpiringSet>, name: string): ExpiringSet {
  let s = map.get(name);
  if (!s) map.set(name, (s = new ExpiringSet()));
  return s;
}

export function streamId(seq: number): string {
  return `${seq}-0`;
}

/** Stream entries a link reads per turn. */
const READ_BATCH = 500;

export class EmbeddedBroker implements Broker {
  readonly kind = 'embedded' as const;
  private handlers: BrokerHandlers | null = null;
  private linkStatus: LinkStatus = 'down';
  private readonly topics = new Set<string>();
  /** streams mode: the last entry seq read per topic, kept across outages */
  private readonly cursors = new Map<string, number>();
  private pending: [topic: string, data: string, streamId: string | null][] = [];
  private flushing = false;
  private readonly wakeTopics = new Set<string>();
  private paused = false;
  private reconnects = 0;
  private closed = false;

  constructor(
    private readonly hub: EmbeddedHub,
    readonly node: string,
    public mode: DeliveryMode,
  ) {}

  get status(): LinkStatus {
    return this.linkStatus;
  }

  async start(handlers: BrokerHandlers): Promise<void> {
    this.handlers = handlers;
    this.reconnect('connected to the embedded broker');
  }

  private setStatus(status: LinkStatus, detail: string): void {
    if (status === this.linkStatus) return;
    this.linkStatus = status;
    this.handlers?.status(status, detail);
  }

  private up(what: string): void {
    if (this.linkStatus !== 'up') throw new BrokerDownError(this.node, what);
  }

  // called by the hub -------------------------------------------------------------------------

  /** @internal */ drop(reason: string): void {
    if (this.closed || this.linkStatus !== 'up') return;
    this.hub.dropSubscriptions(this);
    this.pending = [];
    this.setStatus(this.paused ? 'paused' : 'reconnecting', reason);
  }

  /** @internal */ reconnect(reason: string): void {
    if (this.closed || this.paused || this.linkStatus === 'up' || !this.handlers) return;
    if (this.linkStatus !== 'down') this.reconnects++;
    if (this.mode === 'pubsub') for (const t of this.topics) this.hub.subscribe(this, t);
    this.setStatus('up', this.topics.size ? `${reason}; resubscribed ${this.topics.size} topic${this.topics.size === 1 ? '' : 's'}` : reason);
    if (this.mode === 'streams') for (const t of this.topics) this.wake(t); // catch up from the last ids
  }

  /** @internal */ push(topic: string, data: string, id: string | null): void {
    if (this.linkStatus !== 'up') return;
    if (this.pending.length >= this.hub.maxPending) {
      // the Redis client-output-buffer-limit for pub/sub: a consumer this far behind is cut off
      this.drop(`more than ${this.hub.maxPending} deliveries pending: slow subscriber disconnected`);
      safeTimeout('the embedded broker', () => this.reconnect('reconnected after being cut off as a slow subscriber'), 100).unref();
      return;
    }
    this.pending.push([topic, data, id]);
    this.schedule();
  }

  /** @internal */ wake(topic: string): void {
    if (this.mode !== 'streams' || this.linkStatus !== 'up' || !this.cursors.has(topic)) return;
    this.wakeTopics.add(topic);
    this.schedule();
  }

  private schedule(): void {
    if (this.flushing) return;
    this.flushing = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushing = false;
    if (this.linkStatus !== 'up' || !this.handlers) return;
    const batch = this.pending;
    this.pending = [];
    for (const [topic, data, id] of batch) this.handlers.message(topic, data, id);
    if (this.wakeTopics.size) {
      const woken = [...this.wakeTopics];
      this.wakeTopics.clear();
      for (const topic of woken) {
        const after = this.cursors.get(topic);
        if (after === undefined) continue;
        const entries = this.hub.read(topic, after, READ_BATCH);
        if (!entries.length) continue;
        this.cursors.set(topic, entries[entries.length - 1].seq);
        for (const e of entries) this.handlers.message(topic, e.data, streamId(e.seq));
        if (entries.length === READ_BATCH) this.wakeTopics.add(topic);
      }
      if (this.wakeTopics.size) this.schedule();
    }
  }

  // Broker ------------------------------------------------------------------------------------

  async publish(topic: string, data: string): Promise<PublishResult> {
    this.up('publish');
    if (this.mode === 'streams') return { receivers: null, streamId: this.hub.append(topic, data) };
    return { receivers: this.hub.publish(topic, data), streamId: null };
  }

  async subscribe(topic: string): Promise<void> {
    this.topics.add(topic);
    if (this.mode === 'streams') {
      if (!this.cursors.has(topic)) this.cursors.set(topic, this.hub.head(topic));
    } else if (this.linkStatus === 'up') this.hub.subscribe(this, topic);
  }

  async unsubscribe(topic: string): Promise<void> {
    this.topics.delete(topic);
    this.cursors.delete(topic);
    this.hub.unsubscribe(this, topic);
  }

  async setMode(mode: DeliveryMode): Promise<void> {
    if (mode === this.mode) return;
    this.mode = mode;
    if (mode === 'streams') {
      this.hub.dropSubscriptions(this);
      for (const t of this.topics) this.cursors.set(t, this.hub.head(t));
    } else {
      this.cursors.clear();
      if (this.linkStatus === 'up') for (const t of this.topics) this.hub.subscribe(this, t);
    }
  }

  async putPresence(p: SocketPresence, ttlMs: number): Promise<void> {
    this.up('presence write');
    this.hub.putPresence(p, ttlMs);
  }

  async refreshPresence(list: readonly SocketPresence[], ttlMs: number): Promise<void> {
    this.up('presence refresh');
    for (const p of list) this.hub.putPresence(p, ttlMs);
  }

  async leavePresence(p: SocketPresence, room: string): Promise<void> {
    this.up('presence write');
    this.hub.leavePresence(p, room);
  }

  async removePresence(p: SocketPresence): Promise<void> {
    this.up('presence removal');
    this.hub.removePresence(p);
  }

  async roomUsers(room: string): Promise<string[]> {
    this.up('presence read');
    return this.hub.roomUsers(room);
  }

  async userSockets(user: string): Promise<SocketPresence[]> {
    this.up('presence read');
    return this.hub.userSockets(user);
  }

  async allPresence(): Promise<SocketPresence[]> {
    this.up('presence read');
    return this.hub.allPresence();
  }

  async enqueue(user: string, entry: string, max: number, ttlMs: number): Promise<QueueResult> {
    this.up('enqueue');
    return this.hub.enqueue(user, entry, max, ttlMs);
  }

  async queued(user: string): Promise<string[]> {
    this.up('queue read');
    return this.hub.queued(user);
  }

  async dequeue(user: string, entry: string): Promise<boolean> {
    this.up('dequeue');
    return this.hub.dequeue(user, entry);
  }

  pause(detail = 'paused from the lab'): void {
    if (this.paused) return;
    this.paused = true;
    if (this.linkStatus === 'up') this.drop(detail);
    else this.setStatus('paused', detail);
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.reconnect('resumed from the lab');
  }

  describe(): BrokerStatus {
    return {
      kind: 'embedded',
      mode: this.mode,
      node: this.node,
      status: this.linkStatus,
      topics: [...this.topics],
      target: 'embedded (in-process)',
      reconnects: this.reconnects,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.pending = [];
    this.hub.forget(this);
    this.linkStatus = 'down';
  }
}
