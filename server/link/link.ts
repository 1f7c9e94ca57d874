// The chaos link: a TCP proxy inside the server, between a client and a lab endpoint.
//
//   client ──TCP──► [link: client socket │ pipes │ upstream socket] ──TCP──► the same server's lab
//
// A client asks for it with ?link=TAG on any lab URL. The HTTP server hands the link the upgraded
// client socket; the link opens its own TCP connection to this server, writes the upgrade request
// (without the link parameter) and from then on forwards raw bytes both ways. The lab side is an
// ordinary tapped lab connection, so the tap shows what actually arrived at the server; the link
// reports what it held back and what it threw away.
//
// Conditions, per connection or as defaults, change while bytes flow: latency with jitter,
// bandwidth each way, blackhole (drop everything both ways: no FIN, no RST), reset (RST both ways)
// and pause (stop reading one side, so the other side's kernel and ws buffers fill).
import { connect, type Socket } from 'node:net';
import type { EventBus } from '../stream/bus.ts';
import type { EventBody } from '../core/events/schema.ts';
import { FrameScanner, type FrameMark } from './frames.ts';
import { NO_CONDITIONS, type LinkConditions, type LinkSelector } from '../core/api/link.ts';
import { safeTimeout } from '../process/safe.ts';

type Dir = 'c2s' | 's2c';

/** Bytes one direction holds before the link stops reading its sender (a router's queue). */
export const HOLD_LIMIT = 64 * 1024;
/** `stats` events: at most this often per link connection, and only when counters moved. */
export const STATS_MS = 500;
/** hold/drop events for data frames: at most this many a second per link connection (control frames always). */
export const CHUNK_EVENTS_PER_SEC = 20;
/** Frames listed in one hold/drop event. */
const MAX_FRAMES_LISTED = 8;
/** Link connections at most, by default (lowered by a small open-file limit: server/process/limits.ts). */
export const MAX_LINK_CONNECTIONS = 5000;
/** After one side closed cleanly, the other gets this long to close before the link closes it. */
const LINGER_MS = 10_000;

export interface LinkTarget {
  host: string;
  port: number;
}

export interface LinkOptions {
  bus: EventBus;
  /** where the labs are: this server's own address */
  target: () => LinkTarget;
  /** link connections at most (default MAX_LINK_CONNECTIONS) */
  maxConnections?: number;
  /** the server's descriptor budget: null admits another link connection, a sentence refuses with 503 */
  admit?: () => string | null;
  /** for jitter; injectable so tests can fix it */
  random?: () => number;
}

export type { LinkSelector };

export interface AttachInfo {
  /** the lab path forwarded upstream, e.g. /lab/echo */
  path: string;
  tag: string;
  /** the public session id of whoever opened it (server/http/session.ts); null: nobody's */
  owner?: string | null;
  /** simulated clients: no periodic stats events (there may be thousands) */
  quiet?: boolean;
}

export class LinkError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class ChaosLink {
  /** what every new link connection starts with */
  defaults: LinkConditions = { ...NO_CONDITIONS };
  readonly conns = new Map<string, LinkConnection>();
  readonly maxConnections: number;
  readonly random: () => number;
  private readonly byUpstreamPort = new Map<number, LinkConnection>();
  /** told of every new link connection before any byte is forwarded (simulated clients use it) */
  readonly attachListeners = new Set<(lc: LinkConnection) => void>();
  private counter = 0;
  private readonly unsubscribe: () => void;

  constructor(readonly options: LinkOptions) {
    this.maxConnections = options.maxConnections ?? MAX_LINK_CONNECTIONS;
    this.random = options.random ?? Math.random;
    // The lab connection behind a link connection is the one whose remote port is the link's
    // upstream local port: learn it from the tap's conn.open.
    this.unsubscribe = options.bus.subscribe(
      (e) => {
        if (e.type !== 'conn.open') return;
        const lc = this.byUpstreamPort.get(e.remote.port);
        if (lc && lc.conn === null) lc.conn = e.conn;
      },
      { types: new Set(['conn.open']) },
    );
  }

  get bus(): EventBus {
    return this.options.bus;
  }

  publish(body: EventBody<'link'>): void {
    this.options.bus.publish(body);
  }

  /**
   * Takes over an upgraded client socket: connects to the lab and forwards `request` (the upgrade
   * request as it should reach the lab) and then everything both ways.
   */
  attach(client: Socket, request: Buffer, info: AttachInfo): LinkConnection {
    if (this.conns.size >= this.maxConnections) throw new LinkError(503, `the chaos link already carries ${this.maxConnections} connections`);
    const full = this.options.admit?.();
    if (full) throw new LinkError(503, full);
    const id = `L${++this.counter}`;
    const { host, port } = this.options.target();
    const upstream = connect({ host, port, allowHalfOpen: true, noDelay: true });
    const lc = new LinkConnection(this, id, client, upstream, info, { ...this.defaults });
    this.conns.set(id, lc);
    for (const fn of this.attachListeners) fn(lc);
    upstream.once('connect', () => {
      if (upstream.localPort !== undefined) {
        lc.upstreamPort = upstream.localPort;
        this.byUpstreamPort.set(upstream.localPort, lc);
      }
    });
    lc.start(request);
    return lc;
  }

  /** Called by a link connection once both of its sockets have closed. */
  forget(lc: LinkConnection): void {
    this.conns.delete(lc.id);
    if (lc.upstreamPort !== null && this.byUpstreamPort.get(lc.upstreamPort) === lc) this.byUpstreamPort.delete(lc.upstreamPort);
  }

  select(sel: LinkSelector): LinkConnection[] {
    if (sel.link !== undefined) {
      const lc = this.conns.get(sel.link);
      return lc ? [lc] : [];
    }
    const out: LinkConnection[] = [];
    for (const lc of this.conns.values()) {
      if (sel.tag !== undefined && lc.tag !== sel.tag) continue;
      if (sel.conn !== undefined && lc.conn !== sel.conn) continue;
      out.push(lc);
    }
    return out;
  }

  /** Changes the defaults and every live connection (no selector), or the selected connections. */
  configure(change: Partial<LinkConditions>, sel: LinkSelector | null): LinkConnection[] {
    if (sel === null) {
      this.defaults = { ...this.defaults, ...change };
      this.publish({ type: 'link', link: '*', action: 'config', conditions: { ...this.defaults } });
      const all = [...this.conns.values()];
      for (const lc of all) lc.configure(change);
      return all;
    }
    const chosen = this.select(sel);
    for (const lc of chosen) lc.configure(change);
    return chosen;
  }

  reset(sel: LinkSelector | null): LinkConnection[] {
    const chosen = sel === null ? [...this.conns.values()] : this.select(sel);
    for (const lc of chosen) lc.reset('reset requested');
    return chosen;
  }

  close(): void {
    this.unsubscribe();
    for (const lc of [...this.conns.values()]) lc.destroy();
  }
}

/** One proxied connection: the client's socket, the upstream socket, and a pipe each way. */
export class LinkConnection {
  /** the server-side connection id, once the tap reported it */
  conn: string | null = null;
  upstreamPort: number | null = null;
  readonly c2s: Pipe;
  readonly s2c: Pipe;
  readonly tag: string;
  readonly path: string;
  readonly quiet: boolean;
  readonly openedAt: number;
  /** whose it is: a workshop participant may change only their own (server/workshop/guard.ts) */
  owner: string | null;
  clientClosed = false;
  serverClosed = false;
  /** a side closed while the blackhole swallowed it: the other side never heard */
  private swallowed = false;
  private statsTimer: NodeJS.Timeout | null = null;
  private dirty = false;
  private lingerTimer: NodeJS.Timeout | null = null;
  private finished = false;
  /** chunk events left in the current second, and when that second started */
  private budget = CHUNK_EVENTS_PER_SEC;
  private budgetAt = 0;

  constructor(
    readonly link: ChaosLink,
    readonly id: string,
    readonly client: Socket,
    readonly upstream: Socket,
    info: AttachInfo,
    public conditions: LinkConditions,
  ) {
    this.tag = info.tag;
    this.owner = info.owner ?? null;
    this.path = info.path;
    this.quiet = info.quiet ?? false;
    this.openedAt = performance.now();
    client.allowHalfOpen = true;
    this.c2s = new Pipe(this, 'c2s', client, upstream);
    this.s2c = new Pipe(this, 's2c', upstream, client);
    client.on('close', (hadError) => this.onSideClose('client', hadError));
    upstream.on('close', (hadError) => this.onSideClose('server', hadError));
  }

  start(request: Buffer): void {
    this.event({ action: 'open', path: this.path, tag: this.tag, conditions: { ...this.conditions } });
    // The upgrade request goes through the link like any other bytes: latency delays the handshake too.
    this.c2s.push(request);
    this.c2s.updateReading();
    this.s2c.updateReading();
  }

  event(body: Omit<EventBody<'link'>, 'type' | 'link' | 'conn'>): void {
    this.link.publish({ type: 'link', link: this.id, ...(this.conn !== null ? { conn: this.conn } : {}), ...body });
  }

  configure(change: Partial<LinkConditions>): void {
    const before = this.conditions;
    this.conditions = { ...before, ...change };
    this.event({ action: 'config', conditions: { ...this.conditions } });
    if (this.conditions.blackhole && !before.blackhole) {
      // Whatever was in flight is lost in the tunnel too.
      this.c2s.dropHeld();
      this.s2c.dropHeld();
    }
    if (!this.conditions.blackhole && before.blackhole && this.swallowed) {
      // Out of the tunnel: one end is gone and the other now finds out the hard way, as a
      // returning phone meets a server that forgot it (the kernel answers with RST).
      this.reset('the other end closed while the link was blackholed');
      return;
    }
    this.c2s.updateReading();
    this.s2c.updateReading();
    this.c2s.pump();
    this.s2c.pump();
  }

  /** RST both ways. */
  reset(reason: string): void {
    if (this.finished) return;
    this.event({ action: 'reset', reason, counters: this.counters() });
    for (const s of [this.client, this.upstream]) {
      if (s.destroyed) continue;
      try {
        s.resetAndDestroy();
      } catch {
        s.destroy();
      }
    }
  }

  destroy(): void {
    this.client.destroy();
    this.upstream.destroy();
  }

  counters(): NonNullable<EventBody<'link'>['counters']> {
    return { c2s: this.c2s.counters(), s2c: this.s2c.counters() };
  }

  /** A chunk was held or dropped: report it with its frames (control frames always, data frames within a budget). */
  noteChunk(action: 'hold' | 'drop', dir: Dir, bytes: number, frames: FrameMark[]): void {
    this.changed();
    const control = frames.some((f) => f.opcode >= 8);
    if (!control) {
      const now = performance.now();
      if (now - this.budgetAt >= 1000) {
        this.budgetAt = now;
        this.budget = CHUNK_EVENTS_PER_SEC;
      }
      if (this.budget <= 0 || this.quiet) return;
      this.budget--;
    }
    this.event({ action, dir, bytes, frames: frames.slice(0, MAX_FRAMES_LISTED) });
  }

  /** Counters moved: a stats event follows within STATS_MS. */
  changed(): void {
    if (this.quiet || this.finished) return;
    this.dirty = true;
    if (this.statsTimer) return;
    this.statsTimer = safeTimeout('the chaos link', () => {
      this.statsTimer = null;
      if (!this.dirty || this.finished) return;
      this.dirty = false;
      this.event({ action: 'stats', counters: this.counters() });
    }, STATS_MS);
    this.statsTimer.unref();
  }

  onSourceEnd(pipe: Pipe): void {
    if (this.conditions.blackhole) {
      // Nothing crosses the tunnel, not even the FIN; that end is finished with the link.
      this.swallowed = true;
      pipe.closeSourceQuietly();
      return;
    }
    pipe.sourceEnded();
  }

  private onSideClose(side: 'client' | 'server', hadError: boolean): void {
    if (side === 'client') this.clientClosed = true;
    else this.serverClosed = true;
    const other = side === 'client' ? this.upstream : this.client;
    if (this.clientClosed && this.serverClosed) return this.finish();
    if (this.conditions.blackhole) {
      // Nothing crosses the tunnel, not even the news that one end went away.
      this.swallowed = true;
      return;
    }
    const pipe = side === 'client' ? this.c2s : this.s2c;
    if (hadError || pipe.sawReset) {
      if (!other.destroyed) {
        try {
          other.resetAndDestroy();
        } catch {
          other.destroy();
        }
      }
      return;
    }
    pipe.sourceEnded();
    this.lingerTimer ??= safeTimeout('the chaos link', () => other.destroy(), LINGER_MS);
    this.lingerTimer.unref();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.statsTimer) clearTimeout(this.statsTimer);
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.c2s.stop();
    this.s2c.stop();
    this.event({ action: 'close', counters: this.counters() });
    this.link.forget(this);
  }
}

interface Held {
  data: Buffer;
  /** performance.now() when it may leave */
  at: number;
}

/** One direction: reads the sender, holds bytes for latency and bandwidth, writes the receiver. */
export class Pipe {
  read = 0;
  forwarded = 0;
  held = 0;
  dropped = 0;
  /** the sender's socket reported ECONNRESET */
  sawReset = false;
  private queue: Held[] = [];
  private lastAt = 0;
  private tokens = 0;
  private lastRefill = performance.now();
  private timer: NodeJS.Timeout | null = null;
  private waitingDrain = false;
  /** reading stopped because HOLD_LIMIT bytes are held */
  private full = false;
  private srcEnded = false;
  private endSent = false;
  private readonly scanner = new FrameScanner();
  private readonly onDrain = () => {
    this.waitingDrain = false;
    this.pump();
  };

  constructor(
    private readonly owner: LinkConnection,
    readonly dir: Dir,
    private readonly src: Socket,
    private readonly dst: Socket,
  ) {
    src.on('data', (chunk: Buffer) => this.push(chunk));
    src.on('end', () => owner.onSourceEnd(this));
    src.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNRESET') this.sawReset = true;
    });
  }

  private get bytesPerSec(): number {
    const c = this.owner.conditions;
    return this.dir === 'c2s' ? c.c2sBytesPerSec : c.s2cBytesPerSec;
  }

  private get pausedByCondition(): boolean {
    const c = this.owner.conditions;
    return this.dir === 'c2s' ? c.pauseClient : c.pauseServer;
  }

  counters() {
    return { read: this.read, forwarded: this.forwarded, held: this.held, dropped: this.dropped };
  }

  push(chunk: Buffer): void {
    this.read += chunk.length;
    const frames = this.scanner.scan(chunk);
    const c = this.owner.conditions;
    if (c.blackhole) {
      this.dropped += chunk.length;
      this.owner.noteChunk('drop', this.dir, chunk.length, frames);
      return;
    }
    const now = performance.now();
    const delay = c.latencyMs + (c.jitterMs > 0 ? this.owner.link.random() * c.jitterMs : 0);
    // TCP delivers in order: a chunk never overtakes the one before it, whatever its jitter.
    const at = Math.max(now + delay, this.lastAt);
    this.lastAt = at;
    this.queue.push({ data: chunk, at });
    this.held += chunk.length;
    const throttled = this.bytesPerSec > 0 && this.held > chunk.length;
    if (delay > 0 || throttled) this.owner.noteChunk('hold', this.dir, chunk.length, frames);
    else this.owner.changed();
    if (this.held >= HOLD_LIMIT && !this.full) {
      this.full = true;
      this.updateReading();
    }
    this.pump();
  }

  /** Reads the sender unless a condition or a full queue says not to. */
  updateReading(): void {
    if (this.src.destroyed) return;
    if (this.full || this.pausedByCondition) this.src.pause();
    else this.src.resume();
  }

  /** Answers the sender's FIN with ours, without telling the receiver (the blackhole swallowed it). */
  closeSourceQuietly(): void {
    if (!this.src.destroyed && this.src.writable) this.src.end();
  }

  sourceEnded(): void {
    this.srcEnded = true;
    this.pump();
  }

  /** The blackhole starts: what was held is lost. */
  dropHeld(): void {
    if (this.held === 0) return;
    this.dropped += this.held;
    this.held = 0;
    this.queue = [];
    this.owner.changed();
    if (this.full) {
      this.full = false;
      this.updateReading();
    }
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.queue = [];
    this.held = 0;
    this.dst.off('drain', this.onDrain);
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = safeTimeout('the chaos link', () => {
      this.timer = null;
      this.pump();
    }, Math.max(1, Math.ceil(ms)));
  }

  private refill(now: number, bps: number): void {
    const burst = Math.max(Math.floor(bps / 20), Math.ceil(bps / 100), 1);
    this.tokens = Math.min(burst, this.tokens + ((now - this.lastRefill) / 1000) * bps);
    this.lastRefill = now;
  }

  /** Writes what is due, as the bandwidth allows; schedules itself for the rest. */
  pump(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.owner.conditions.blackhole) return;
    while (this.queue.length > 0) {
      if (this.waitingDrain) return;
      const item = this.queue[0];
      const now = performance.now();
      if (item.at > now + 0.25) return this.schedule(item.at - now);
      let n = item.data.length;
      const bps = this.bytesPerSec;
      if (bps > 0) {
        this.refill(now, bps);
        const quantum = Math.min(n, Math.max(1, Math.floor(bps / 100)));
        if (this.tokens < quantum) return this.schedule(((quantum - this.tokens) / bps) * 1000);
        n = Math.min(n, Math.floor(this.tokens));
        this.tokens -= n;
      } else {
        this.lastRefill = now;
      }
      let part: Buffer;
      if (n === item.data.length) {
        part = item.data;
        this.queue.shift();
      } else {
        part = item.data.subarray(0, n);
        item.data = item.data.subarray(n);
      }
      this.held -= n;
      if (this.dst.destroyed || !this.dst.writable) {
        this.dropped += n;
        continue;
      }
      this.forwarded += n;
      this.owner.changed();
      if (!this.dst.write(part)) {
        this.waitingDrain = true;
        this.dst.once('drain', this.onDrain);
      }
      if (this.full && this.held < HOLD_LIMIT / 2) {
        this.full = false;
        this.updateReading();
      }
    }
    if (this.full) {
      this.full = false;
      this.updateReading();
    }
    if (this.srcEnded && !this.endSent && !this.dst.destroyed) {
      this.endSent = true;
      this.dst.end();
    }
  }
}
