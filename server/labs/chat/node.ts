// One chat node of the fleet: its own port, HTTP server and ws servers (every connection tapped into
// the shared event bus), its local sockets, and its link to the broker.
//
// What stays here, in this process's memory: the sockets, and which local socket is in which room
// (a TopicTable). What goes to the broker: messages for other nodes, and the metadata everyone may
// need (presence with a TTL this node keeps refreshing, offline queues).
//
// A message from a local client is delivered to the local members straight away and published
// once to the broker; every other node subscribed to the topic delivers it to its own members. A
// node ignores its own messages coming back from the broker.
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { EventBus } from '../../stream/bus.ts';
import type { EventBody } from '../../core/events/schema.ts';
import type { Registry } from '../../connection/registry.ts';
import type { HeartbeatConfig } from '../../core/api/heartbeat.ts';
import type { Auth } from './auth.ts';
import { LABS } from '../index.ts';
import { ChatError, ChatSession, createChatLab, type ChatLimits, type ChatNodeApi } from './lab.ts';
import { createUpgradeHandler } from '../../connection/upgrade.ts';
import { captureConnection } from '../../connection/tap/capture.ts';
import { RateLimiter } from '../../http/rate-limit.ts';
import { encodeEnvelope, type ServerEnvelope } from '../../fanout/envelope.ts';
import { TopicTable, topics, roomOf } from '../../fanout/pubsub.ts';
import { QueueFullError, type Broker, type LinkStatus, type SocketPresence } from '../../fanout/broker.ts';
import type { HostRule } from '../../http/hosts.ts';
import { reportError, safeInterval, safeTimeout } from '../../process/safe.ts';

/** A message as it travels through the broker between nodes. */
export interface FanoutMessage {
  id: string;
  /** the node that published it, and that node's run (ids and seqs restart with it) */
  origin: string;
  boot: string;
  /** per origin run and topic: a gap on arrival means messages were lost on the way */
  seq: number;
  topic: string;
  kind: 'chat' | 'dm' | 'broadcast' | 'presence';
  from: string | null;
  room: string | null;
  to: string | null;
  text: string | null;
  users: string[] | null;
  /** ms since the epoch, when the origin node accepted it */
  ts: number;
}

export interface NodeCounters {
  /** messages this node published to the broker */
  published: number;
  /** publishes that failed because the broker link was down (local members still got them) */
  publishFailed: number;
  /** messages that came in from the broker (own ones excluded) */
  received: number;
  /** frames written to local clients */
  delivered: number;
  /** deliveries dropped because the client was too slow (backpressure) */
  dropped: number;
  /** messages that never arrived: gaps in publishers' sequence numbers */
  lost: number;
  queued: number;
  dequeued: number;
  acked: number;
}

export interface NodeOptions {
  id: string;
  host: string;
  /** the Host names requests to this node may carry (DNS rebinding, server/http/hosts.ts) */
  hosts?: HostRule;
  /** 0 picks a free port on first start; a restart reuses the port */
  port: number;
  bus: EventBus;
  registry: Registry;
  auth: Auth;
  /** makes this node's link to the broker (a new one on every start) */
  connectBroker: (node: string) => Broker;
  limits: ChatLimits;
  heartbeat: () => HeartbeatConfig;
  /** origins allowed besides the node's own host (the main page's origin is added by the cluster) */
  allowOrigins: readonly string[];
  maxPayload: number;
  maxConnections: number;
  upgradeRate: { perSecond: number; burst: number };
  /** presence entries expire this long after their last refresh */
  presenceTtlMs: number;
  /** offline queue bound per user, and how long an untouched queue lives */
  queueMax: number;
  queueTtlMs: number;
}

/** A chat or broadcast accepted from a client; `lost` says who did not get it (the broker was down). */
export interface Accepted {
  id: string;
  lost?: string;
}

const MAX_SEQ_KEYS = 10_000;
/** Joins and leaves within this window share one presence broadcast per room and node. */
export const PRESENCE_COALESCE_MS = 50;
/** Rooms with more users get no presence broadcasts (each would go to every member: O(n²) on mass joins). */
export const PRESENCE_MAX_USERS = 500;

export class ChatNode implements ChatNodeApi {
  readonly id: string;
  readonly auth: Auth;
  readonly limits: ChatLimits;
  readonly bus: EventBus;
  readonly registry: Registry;
  port: number;
  broker: Broker | null = null;
  readonly counters: NodeCounters = { published: 0, publishFailed: 0, received: 0, delivered: 0, dropped: 0, lost: 0, queued: 0, dequeued: 0, acked: 0 };
  private server: Server | null = null;
  private upgrades: ReturnType<typeof createUpgradeHandler> | null = null;
  private readonly sockets = new Set<Socket>();
  /** authenticated sessions on this node */
  private readonly sessions = new Set<ChatSession>();
  private readonly table = new TopicTable<ChatSession>();
  private boot = '';
  private counter = 0;
  private readonly seqs = new Map<string, number>();
  private readonly seen = new Map<string, number>();
  private presenceTimer: NodeJS.Timeout | null = null;
  private readonly announcing = new Map<string, NodeJS.Timeout>();
  private stopping = false;
  /** the first start publishes no events: a server's history starts empty (GET /__wslab/nodes has them) */
  private quiet = false;

  constructor(private readonly opts: NodeOptions) {
    this.id = opts.id;
    this.auth = opts.auth;
    this.limits = opts.limits;
    this.bus = opts.bus;
    this.registry = opts.registry;
    this.port = opts.port;
  }

  get running(): boolean {
    return this.server !== null && !this.stopping;
  }

  get url(): string {
    const host = this.opts.host.includes(':') ? `[${this.opts.host}]` : this.opts.host;
    return `ws://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${this.port}/lab/chat`;
  }

  /** The host to reach this node from this process. */
  get connectHost(): string {
    const h = this.opts.host;
    return h === '0.0.0.0' ? '127.0.0.1' : h === '::' ? '::1' : h;
  }

  get clientCount(): number {
    return this.sockets.size;
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  async start(quiet = false): Promise<void> {
    if (this.server) return;
    this.quiet = quiet;
    this.stopping = false;
    this.boot = randomBytes(3).toString('hex');
    this.seqs.clear();
    this.seen.clear();
    const o = this.opts;
    this.upgrades = createUpgradeHandler({
      bus: o.bus,
      registry: o.registry,
      maxPayload: o.maxPayload,
      maxConnections: o.maxConnections,
      maxObservers: 10,
      heartbeat: o.heartbeat,
      allowOrigins: o.allowOrigins,
      limiter: new RateLimiter(o.upgradeRate.perSecond, o.upgradeRate.burst),
      hosts: o.hosts,
      labs: new Map([...LABS, ['chat', createChatLab(this)]]),
    });
    const upgrades = this.upgrades;
    const server = createServer((req, res) => {
      if (o.hosts && !o.hosts.checkRequest(req, res)) return;
      res.writeHead(426, { 'Content-Type': 'text/plain; charset=utf-8', Upgrade: 'websocket', Connection: 'close' });
      res.end(`wslab chat node ${this.id}: connect with a WebSocket to ${this.url}\n`);
      void req;
    });
    server.headersTimeout = 10_000;
    server.on('connection', (socket: Socket) => captureConnection(socket));
    server.on('upgrade', (req, socket: Socket, head) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      upgrades.handle(req, socket, head);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, o.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    // accept() failing (EMFILE at the open-file limit) must not end the process
    server.on('error', (err) => reportError(`chat node ${this.id}`, err));
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    o.hosts?.addPort(this.port);
    this.emitNode('start', `listening on port ${this.port}`);

    const broker = o.connectBroker(this.id);
    this.broker = broker;
    await broker.start({
      message: (topic, data, streamId) => this.onBrokerMessage(topic, data, streamId),
      status: (status, detail) => this.onBrokerStatus(broker, status, detail),
    });
    await broker.subscribe(topics.all);
    this.quiet = false;
    const every = Math.max(100, Math.floor(o.presenceTtlMs / 3));
    this.presenceTimer = safeInterval('chat presence', () => this.refreshPresence(), every);
    this.presenceTimer.unref();
  }

  /**
   * Stops the node. `crash`: as a killed process would — sockets cut without a close frame, nothing
   * cleaned up in the broker (its presence entries linger until their TTL). Otherwise a graceful
   * stop: presence removed, clients closed with 1001.
   */
  async stop(crash = false): Promise<void> {
    const server = this.server;
    if (!server || this.stopping) return;
    this.stopping = true;
    if (this.presenceTimer) clearInterval(this.presenceTimer);
    this.presenceTimer = null;
    for (const t of this.announcing.values()) clearTimeout(t);
    this.announcing.clear();
    const broker = this.broker;
    if (!crash && broker) {
      const present = [...this.sessions].map((s) => this.presenceOf(s));
      await Promise.all(present.map((p) => broker.removePresence(p).catch(() => {})));
    }
    this.emitNode('stop', crash ? 'crashed: sockets cut, broker entries left to expire' : 'stopped: clients closed with 1001');
    if (crash) {
      await broker?.close();
      for (const socket of this.sockets) socket.destroy();
    } else {
      for (const s of this.sessions) s.ws.close(1001, `node ${this.id} is going away`);
      for (const r of this.registry.all()) if (r.meta.localPort === this.port && r.ws && r.ws.readyState === 1) r.ws.close(1001, 'node going away');
      await new Promise((r) => setTimeout(r, 50));
      for (const socket of this.sockets) socket.destroy();
      await broker?.close();
    }
    this.upgrades?.close();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    this.server = null;
    this.upgrades = null;
    this.broker = null;
    this.sessions.clear();
  }

  // events ----------------------------------------------------------------------------------

  private emitNode(action: 'start' | 'stop' | 'pause' | 'resume', detail: string): void {
    if (this.quiet) return;
    this.bus.publish({ type: 'node', node: this.id, action, url: this.url, port: this.port, detail });
  }

  private hop(body: Partial<EventBody<'fanout'>> & Pick<EventBody<'fanout'>, 'hop' | 'topic'>): void {
    this.bus.publish({
      type: 'fanout',
      node: this.id,
      room: roomOf(body.topic),
      msgId: null,
      kind: null,
      from: null,
      to: null,
      origin: null,
      count: null,
      streamId: null,
      detail: '',
      ...body,
    } as EventBody<'fanout'>);
  }

  private hopFor(m: FanoutMessage, hop: EventBody<'fanout'>['hop'], extra: Partial<EventBody<'fanout'>> = {}): void {
    this.hop({ hop, topic: m.topic, room: m.room, msgId: m.id, kind: m.kind, from: m.from, to: m.to, origin: m.origin, ...extra });
  }

  pause(ms: number | null): void {
    this.broker?.pause();
    this.emitNode('pause', ms ? `broker link paused for ${ms} ms` : 'broker link paused');
  }

  resume(): void {
    this.broker?.resume();
    this.emitNode('resume', 'broker link resumed');
  }

  private onBrokerStatus(broker: Broker, status: LinkStatus, detail: string): void {
    const d = broker.describe();
    if (!this.quiet) this.bus.publish({ type: 'broker', node: this.id, broker: broker.kind, mode: broker.mode, status, topics: d.topics.length, detail });
    // A restarted Redis without persistence forgot everyone: write our entries back at once.
    if (status === 'up') this.refreshPresence();
  }

  // presence --------------------------------------------------------------------------------

  presenceOf(s: ChatSession): SocketPresence {
    return { socketId: s.conn, sessionId: s.sessionId, userId: s.user ?? '', node: this.id, rooms: [...s.rooms], connectedAt: s.connectedAt };
  }

  private refreshPresence(): void {
    const broker = this.broker;
    if (!broker || broker.status !== 'up' || this.sessions.size === 0) return;
    broker.refreshPresence([...this.sessions].map((s) => this.presenceOf(s)), this.opts.presenceTtlMs).catch(() => {});
  }

  private async writePresence(s: ChatSession): Promise<void> {
    await this.broker?.putPresence(this.presenceOf(s), this.opts.presenceTtlMs).catch(() => {});
  }

  // subscriptions ---------------------------------------------------------------------------

  private async subscribe(topic: string, s: ChatSession): Promise<void> {
    if (!this.table.subscribe(topic, s)) return;
    this.hop({ hop: 'subscribe', topic, conn: s.conn, detail: 'first local member: subscribe in the broker' });
    await this.broker?.subscribe(topic).catch(() => {});
  }

  private async unsubscribe(topic: string, s: ChatSession): Promise<void> {
    if (!this.table.unsubscribe(topic, s)) return;
    this.hop({ hop: 'unsubscribe', topic, conn: s.conn, detail: 'no local member left: unsubscribe in the broker' });
    this.forgetSequences(topic);
    await this.broker?.unsubscribe(topic).catch(() => {});
  }

  /**
   * A node that leaves a topic stops following its publishers' sequence numbers: what they publish
   * while nobody here listens is not lost, merely not ours, and must not count as a gap on rejoin.
   */
  private forgetSequences(topic: string): void {
    for (const key of this.seen.keys()) if (key.endsWith(`|${topic}`)) this.seen.delete(key);
  }

  // ChatNodeApi -----------------------------------------------------------------------------

  async attach(s: ChatSession): Promise<void> {
    if (this.stopping) return;
    this.sessions.add(s);
    await this.subscribe(topics.user(s.user!), s);
    await this.writePresence(s);
    await this.drainQueue(s);
  }

  detach(s: ChatSession): void {
    if (!this.sessions.delete(s)) return;
    const rooms = [...s.rooms];
    const emptied = this.table.unsubscribeAll(s);
    void (async () => {
      // the notes' last steps: detect the drop (heartbeat timeout or close), unsubscribe, clean up
      for (const topic of emptied) {
        this.hop({ hop: 'unsubscribe', topic, conn: s.conn, detail: 'last local member gone: unsubscribe in the broker' });
        this.forgetSequences(topic);
        await this.broker?.unsubscribe(topic).catch(() => {});
      }
      if (this.stopping) return;
      await this.broker?.removePresence(this.presenceOf(s)).catch(() => {});
      for (const room of rooms) await this.announce(room);
    })().catch(() => {});
  }

  async join(s: ChatSession, room: string): Promise<void> {
    s.rooms.add(room);
    await this.subscribe(topics.room(room), s);
    await this.writePresence(s);
  }

  async leave(s: ChatSession, room: string): Promise<void> {
    s.rooms.delete(room);
    await this.unsubscribe(topics.room(room), s);
    await this.broker?.leavePresence(this.presenceOf(s), room).catch(() => {});
  }

  async chat(s: ChatSession, room: string, text: string): Promise<Accepted> {
    const m = this.message('chat', topics.room(room), { from: s.user, room, text });
    return this.accepted(m, await this.publish(m, s.conn), `members of ${room}`);
  }

  async broadcast(s: ChatSession, text: string): Promise<Accepted> {
    const m = this.message('broadcast', topics.all, { from: s.user, text });
    return this.accepted(m, await this.publish(m, s.conn), 'users');
  }

  /** What the sender's ack says: when the broker was down, that only this node's members got it. */
  private accepted(m: FanoutMessage, r: { local: number; brokerError: string | null }, who: string): Accepted {
    if (r.brokerError === null) return { id: m.id };
    return {
      id: m.id,
      lost: `the broker is down: delivered to ${r.local} local socket${r.local === 1 ? '' : 's'} on node ${this.id} only; ${who} on other nodes did not get it and will not`,
    };
  }

  async dm(s: ChatSession, to: string, text: string): Promise<{ id: string; queued: boolean }> {
    const topic = topics.user(to);
    const m = this.message('dm', topic, { from: s.user, to, text });
    let online: boolean;
    try {
      online = (await this.broker!.userSockets(to)).length > 0;
    } catch {
      online = this.table.subscribers(topic).size > 0;
    }
    if (online) {
      const { local, receivers } = await this.publish(m, s.conn);
      // pub/sub says how many nodes got it; our own subscription is one of them
      const remote = receivers === null ? 1 : receivers - (this.table.has(topic) ? 1 : 0);
      if (local > 0 || remote > 0) return { id: m.id, queued: false };
    }
    await this.enqueue(m, s.conn);
    return { id: m.id, queued: true };
  }

  async ackQueued(s: ChatSession, ref: string): Promise<void> {
    const entry = s.pendingAcks.get(ref);
    if (entry === undefined || !s.user) return;
    try {
      await this.broker!.dequeue(s.user, entry);
    } catch {
      return; // the broker is down: the entry stays queued and comes again (at least once)
    }
    s.pendingAcks.delete(ref);
    this.counters.acked++;
    this.hop({ hop: 'ack', topic: topics.user(s.user), conn: s.conn, msgId: ref, kind: 'dm', to: s.user, detail: 'client acknowledged: removed from the queue' });
  }

  // messages --------------------------------------------------------------------------------

  private message(kind: FanoutMessage['kind'], topic: string, fields: Partial<FanoutMessage>): FanoutMessage {
    const seq = (this.seqs.get(topic) ?? 0) + 1;
    if (this.seqs.size >= MAX_SEQ_KEYS && !this.seqs.has(topic)) this.seqs.clear();
    this.seqs.set(topic, seq);
    return {
      id: `${this.id}.${this.boot}.${++this.counter}`,
      origin: this.id,
      boot: this.boot,
      seq,
      topic,
      kind,
      from: null,
      room: null,
      to: null,
      text: null,
      users: null,
      ts: Date.now(),
      ...fields,
    };
  }

  private render(m: FanoutMessage, queued = false): ServerEnvelope {
    const meta = { timestamp: m.ts, node: this.id, origin: m.origin, ...(queued && { queued: true }) };
    switch (m.kind) {
      case 'chat':
        return { type: 'chat', id: m.id, meta, payload: { room: m.room, from: m.from, text: m.text } };
      case 'dm':
        return { type: 'dm', id: m.id, meta, payload: { from: m.from, to: m.to, text: m.text } };
      case 'broadcast':
        return { type: 'broadcast', id: m.id, meta, payload: { from: m.from, text: m.text } };
      case 'presence':
        return { type: 'presence', id: m.id, meta, payload: { room: m.room, users: m.users } };
    }
  }

  /** Local members first, then the broker for everyone else. */
  private async publish(m: FanoutMessage, conn: string | undefined): Promise<{ local: number; receivers: number | null; brokerError: string | null }> {
    this.hopFor(m, 'publish', { conn, detail: 'accepted from a client: deliver locally, publish to the broker' });
    const local = this.deliverLocal(m);
    const broker = this.broker;
    try {
      if (!broker) throw new Error('no broker');
      const r = await broker.publish(m.topic, JSON.stringify(m));
      this.counters.published++;
      return { local, receivers: r.receivers, brokerError: null };
    } catch (err) {
      this.counters.publishFailed++;
      this.hopFor(m, 'drop', { count: 1, detail: `broker down, local members only: ${(err as Error).message}` });
      return { local, receivers: 0, brokerError: (err as Error).message };
    }
  }

  private deliverLocal(m: FanoutMessage): number {
    const subs: ReadonlySet<ChatSession> = m.topic === topics.all ? this.sessions : this.table.subscribers(m.topic);
    if (subs.size === 0) return 0;
    const text = Buffer.from(encodeEnvelope(this.render(m)));
    // before the sends: the tap reports each frame as ws writes it, and the hop comes first
    this.hopFor(m, 'deliver', { count: subs.size, detail: `to ${subs.size} local socket${subs.size === 1 ? '' : 's'}` });
    let sent = 0;
    for (const s of subs) if (s.send(text)) sent++;
    const dropped = subs.size - sent;
    this.counters.delivered += sent;
    this.counters.dropped += dropped;
    if (dropped) this.hopFor(m, 'drop', { count: dropped, detail: `${dropped} slow client${dropped === 1 ? '' : 's'} skipped (bufferedAmount over ${this.limits.sendHighWater} B)` });
    return sent;
  }

  private onBrokerMessage(topic: string, data: string, streamId: string | null): void {
    let m: FanoutMessage;
    try {
      m = JSON.parse(data) as FanoutMessage;
    } catch {
      return;
    }
    if (m.origin === this.id && m.boot === this.boot) return; // delivered locally when published
    this.counters.received++;
    const key = `${m.origin}.${m.boot}|${topic}`;
    const last = this.seen.get(key);
    if (last !== undefined && m.seq > last + 1) {
      const gap = m.seq - last - 1;
      this.counters.lost += gap;
      this.hopFor(m, 'lost', { count: gap, streamId, detail: `${gap} message${gap === 1 ? '' : 's'} from ${m.origin} on ${topic} never arrived` });
    }
    if (last === undefined || m.seq > last) {
      if (last === undefined && this.seen.size >= MAX_SEQ_KEYS) this.seen.clear();
      this.seen.set(key, m.seq);
    }
    this.hopFor(m, 'broker', { streamId, detail: streamId ? `read from stream entry ${streamId}` : `pushed by the broker (pub/sub), published on ${m.origin}` });
    this.deliverLocal(m);
  }

  /** Schedules one presence broadcast for the room (joins and leaves close together share it). */
  async announce(room: string): Promise<void> {
    if (this.announcing.has(room) || this.stopping) return;
    const timer = safeTimeout('a chat node', () => {
      this.announcing.delete(room);
      this.announceNow(room).catch(() => {});
    }, PRESENCE_COALESCE_MS);
    timer.unref();
    this.announcing.set(room, timer);
  }

  private async announceNow(room: string): Promise<void> {
    let users: string[];
    try {
      users = await this.broker!.roomUsers(room);
    } catch {
      users = [...new Set([...this.table.subscribers(topics.room(room))].map((s) => s.user!))].sort();
    }
    if (users.length > PRESENCE_MAX_USERS) return;
    await this.publish(this.message('presence', topics.room(room), { room, users }), undefined);
  }

  // offline queue ---------------------------------------------------------------------------

  private async enqueue(m: FanoutMessage, conn: string): Promise<void> {
    let r;
    try {
      r = await this.broker!.enqueue(m.to!, JSON.stringify(m), this.opts.queueMax, this.opts.queueTtlMs);
    } catch (err) {
      if (err instanceof QueueFullError) {
        this.hopFor(m, 'drop', { conn, count: 1, detail: `${m.to} is offline and ${err.message}: refused` });
        throw new ChatError('queue_full', `${m.to} is offline and ${err.message}: the message was not queued; try again when they are online`);
      }
      throw new ChatError('broker_down', `${m.to} is offline and the broker is down: the message was not queued (${(err as Error).message})`);
    }
    this.counters.queued++;
    this.hopFor(m, 'queue', { conn, count: r.length, detail: `${m.to} is offline: queued (${r.length} waiting)` });
    if (r.dropped) this.hopFor(m, 'drop', { count: r.dropped, detail: `queue over ${this.opts.queueMax}: oldest ${r.dropped} dropped` });
  }

  /** Sends the user's queued DMs, oldest first; each stays queued until the client acks its id. */
  private async drainQueue(s: ChatSession): Promise<void> {
    let entries: string[];
    try {
      entries = await this.broker!.queued(s.user!);
    } catch {
      return;
    }
    for (const entry of entries) {
      let m: FanoutMessage;
      try {
        m = JSON.parse(entry) as FanoutMessage;
      } catch {
        continue;
      }
      if (s.pendingAcks.has(m.id)) continue;
      s.pendingAcks.set(m.id, entry);
      if (s.send(encodeEnvelope(this.render(m, true)))) this.counters.dequeued++;
      this.hopFor(m, 'dequeue', { conn: s.conn, detail: 'delivered from the offline queue; kept until the client acks it' });
    }
  }
}
