// The web app's event store: follows the server's /__wslab/events stream and keeps what the views
// show, outside React. Every event is stored as it arrives; listeners are told at most once per
// animation frame, and each slice (frames, connections, events) has its own version so a view
// re-renders only when the part it shows changed.
import type { EventOf, WslabEvent } from '../../../server/core/events/schema.ts';
import { EVENT_TYPES } from '../../../server/core/events/event-types.ts';
import type { FromWorker, ToWorker } from './stream.worker.ts';
import { readStreamMessage } from './stream-message.ts';

export type FrameEvent = EventOf<'frame'>;

export interface ConnView {
  conn: string;
  open: EventOf<'conn.open'> | null;
  handshake: EventOf<'handshake'> | null;
  /** server and client readyState changes, in order */
  states: EventOf<'state'>[];
  /** pongs with an RTT, newest last (at most 500) */
  rtts: { t: number; rtt: number; dir: 'c2s' | 's2c' }[];
  /** send-buffer samples, newest last (at most 2,000) */
  buffers: EventOf<'buffer'>[];
  heartbeats: EventOf<'heartbeat'>[];
  meta: EventOf<'meta'> | null;
  close: EventOf<'close'> | null;
  errors: EventOf<'error'>[];
  frames: number;
  /** of those, frames from the client (into the server) and from the server (out of it) */
  framesIn: number;
  framesOut: number;
  lastT: number;
}

export interface StoreLimits {
  /** frames kept for the inspector (default 200,000); older ones are evicted and counted */
  maxFrames: number;
  /** events kept for the diagram and timelines (default 20,000) */
  maxEvents: number;
  /** connections kept after they closed (default 500) */
  maxClosedConns: number;
}

const DEFAULT_LIMITS: StoreLimits = { maxFrames: 200_000, maxEvents: 20_000, maxClosedConns: 500 };
const KNOWN_TYPES = new Set<string>(EVENT_TYPES);

type Slice = 'frames' | 'conns' | 'events' | 'status';

/** Events a scroll back asks the server for at once (`GET /__wslab/events?since=&until=`): a window of seqs. */
export const OLDER_WINDOW = 2000;
/** Windows one scroll back reads at most while they bring nothing in scope (a participant's). */
const MAX_EMPTY_WINDOWS = 50;
/** The types a recent window sends ahead of itself, however old (so they do not tell where it starts). */
const ANCHOR_TYPES = new Set<string>(['conn.open', 'handshake', 'state']);

/** Older history, as far as this page knows it. */
export type OlderState =
  /** not known yet (no event so far, or the count is being asked) */
  | { kind: 'unknown' }
  /** `count` events in this page's scope lie before what it holds */
  | { kind: 'more'; count: number }
  | { kind: 'loading'; count: number | null }
  /** the page holds everything the server still keeps; `evicted`: the server's history began after seq 1 */
  | { kind: 'beginning'; evicted: boolean }
  /** the store's frame cap leaves no room for more: `count` older events stay on the server */
  | { kind: 'bound'; count: number | null }
  | { kind: 'error'; message: string; count: number | null }
  /** a file is shown, or the list was cleared: no scrolling back */
  | { kind: 'off' };

/** How much of an older window the store took in (EventStore.mergeOlder). */
export interface MergeResult {
  /** events taken in (duplicates and what did not fit are not counted) */
  added: number;
  /** of those, frames */
  frames: number;
  /** older events left out because the frame cap was reached */
  refused: number;
}

/** What a page-side import loaded (server/core/import's summary of the file). */
export interface ImportedInfo {
  summary: string;
  /** wall-clock ms of the file's t = 0, when it has one */
  startedAt: number | null;
  synthesised: string[];
  problems: string[];
}

export class EventStore {
  readonly limits: StoreLimits;
  /** frames in arrival order; index 0 is the oldest still kept */
  frames: FrameEvent[] = [];
  /** frames evicted by the cap (or cleared), and the time of the newest evicted one */
  evictedFrames = 0;
  evictedUntil: number | null = null;
  /** of evictedFrames, those removed by clear() rather than by the cap */
  clearedFrames = 0;
  events: WslabEvent[] = [];
  /** a data message's message event, keyed by the frame that ended it (for the subprotocol decoders) */
  readonly messageOf = new WeakMap<FrameEvent, EventOf<'message'>>();
  readonly conns = new Map<string, ConnView>();
  /** events the server could not send us (gap events), summed */
  missed = 0;
  /** events that arrived while capture was paused and were not kept */
  skipped = 0;
  paused = false;
  status: 'connecting' | 'open' | 'closed' = 'connecting';
  lastSeq = 0;
  /** a file read into the page (/inspect's import): the live stream is off while it is shown */
  imported: ImportedInfo | null = null;
  /**
   * The seq from which this page holds the history it was sent without holes (its recent window's
   * start, as far as the events tell; lower after a scroll back); null before the first event.
   */
  floorSeq: number | null = null;
  /** the server's oldest kept seq, as its last history answer said */
  serverOldestSeq: number | null = null;
  older: OlderState = { kind: 'unknown' };
  private olderBusy = false;

  private readonly versions: Record<Slice, number> = { frames: 0, conns: 0, events: 0, status: 0 };
  private readonly dirty = new Set<Slice>();
  private readonly listeners = new Set<() => void>();
  private pending: WslabEvent[] = [];
  private scheduled = false;
  private ws: WebSocket | null = null;
  private worker: Worker | null = null;
  private readonly fieldShapes = new Map<number, FrameEvent['fields']>();
  private retry = 0;
  private stopped = false;

  constructor(limits: Partial<StoreLimits> = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  version(slice: Slice): number {
    return this.versions[slice];
  }

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  /**
   * Follows the event stream of the server this page came from, resuming after reconnects. The
   * socket lives in a worker (stream.worker.ts) that hands events over in batches, so a fast
   * stream costs the page one task per batch, not one per event; without workers, a socket here.
   */
  connect(base: string = location.origin): void {
    this.stopped = false;
    const url = new URL('/__wslab/events', base.replace(/^http/, 'ws'));
    // a page that opens starts from a recent window (and each live connection's opening events),
    // not the whole history; after a reconnect it resumes where it was
    if (this.lastSeq === 0) url.searchParams.set('recent', String(RECENT_WINDOW));
    else url.searchParams.set('since', String(this.lastSeq + 1));
    url.searchParams.set('format', 'bin');
    this.setStatus('connecting');
    if (ticketSource) {
      // the workshop presenter: a one-use ticket opens the stream of the whole room
      void ticketSource().then((ticket) => {
        if (this.stopped) return;
        if (ticket) url.searchParams.set('ticket', ticket);
        this.open(url, base);
      });
      return;
    }
    this.open(url, base);
  }

  private open(url: URL, base: string): void {
    const onOpen = () => {
      this.retry = 0;
      this.setStatus('open');
    };
    const onClose = () => {
      this.setStatus('closed');
      if (this.stopped) return;
      // Reconnect with capped exponential backoff and full jitter.
      const delay = Math.random() * Math.min(10_000, 250 * 2 ** this.retry++);
      setTimeout(() => !this.stopped && this.connect(base), delay);
    };
    if (typeof Worker === 'function') {
      if (!this.worker) {
        this.worker = new Worker(new URL('./stream.worker.ts', import.meta.url), { type: 'module' });
        this.worker.onmessage = (e: MessageEvent<FromWorker>) => {
          const m = e.data;
          if (m.type === 'batch') this.receiveRaw(m.events);
          else if (m.type === 'open') onOpen();
          else onClose();
        };
      }
      this.worker.postMessage({ type: 'connect', url: url.href } satisfies ToWorker);
      return;
    }
    this.ws?.close();
    const ws = new WebSocket(url);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    ws.onopen = onOpen;
    ws.onmessage = (msg: MessageEvent<string | ArrayBuffer>) => {
      const text = readStreamMessage(msg.data);
      if (text !== null) this.receiveRaw([text]);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      onClose();
    };
  }

  disconnect(): void {
    this.stopped = true;
    this.worker?.postMessage({ type: 'close' } satisfies ToWorker);
    this.ws?.close();
    this.ws = null;
  }

  /**
   * Parses events as they came off the stream and adds the valid ones. Each text is one event, or
   * (a batch: ?batch=1, or a rendered ?format=bin message) several separated by newlines: JSON text never holds a raw newline, so the lines
   * of a batch become array elements by turning each newline into a comma.
   */
  receiveRaw(texts: readonly string[]): void {
    let parsed: unknown[] | null = null;
    try {
      parsed = JSON.parse(`[${texts.join(',').replaceAll('\n', ',')}]`) as unknown[];
    } catch {
      parsed = [];
      for (const t of texts) {
        for (const line of t.split('\n')) {
          try {
            parsed.push(JSON.parse(line));
          } catch {
            // not JSON: ignored
          }
        }
      }
    }
    for (const event of parsed as WslabEvent[]) {
      if (event && typeof event === 'object' && event.v === 1 && KNOWN_TYPES.has(event.type)) this.receive(event);
    }
  }

  /** Adds one event (from the stream, or a test); views hear about it on the next frame. */
  receive(event: WslabEvent): void {
    if (event.seq > this.lastSeq) this.lastSeq = event.seq;
    // a recent window's first event that is not one of the connections' anchors (sent ahead,
    // however old) is where the held history starts: at or after the window's true start, so a
    // scroll back may fetch a few events again (dropped as duplicates) but never skips one
    if (this.floorSeq === null && !this.imported && event.type !== 'gap' && !ANCHOR_TYPES.has(event.type)) {
      this.floorSeq = event.seq;
    }
    if (this.paused && event.type !== 'gap') {
      this.skipped++;
      return;
    }
    this.pending.push(event);
    this.schedule();
  }

  setPaused(paused: boolean): void {
    this.paused = paused;
    this.markDirty('status');
    this.schedule();
  }

  /**
   * Shows a file's events instead of the live stream (/inspect's import): the stream is closed and
   * everything shown so far is forgotten; reloading the page goes back to live traffic.
   */
  loadImport(bodies: readonly Omit<WslabEvent, 'v' | 'seq'>[], info: ImportedInfo): void {
    // numbered after everything this page has shown, so no view takes them for frames it had
    const events = bodies.map((b, i) => ({ ...b, v: 1, seq: this.lastSeq + 1 + i }) as WslabEvent);
    this.lastSeq += events.length;
    this.disconnect();
    this.pending = [];
    this.frames = [];
    this.events = [];
    this.conns.clear();
    this.evictedFrames = this.clearedFrames = this.missed = this.skipped = 0;
    this.evictedUntil = null;
    this.paused = false;
    this.imported = info;
    this.floorSeq = null;
    this.older = { kind: 'off' };
    for (const e of events) this.pending.push(e);
    for (const slice of ['frames', 'events', 'conns', 'status'] as const) this.markDirty(slice);
    this.schedule();
  }

  /** Forgets the frames and events shown so far (they are counted as evicted, not lost silently). */
  clear(): void {
    if (this.frames.length) {
      this.evictedFrames += this.frames.length;
      this.clearedFrames += this.frames.length;
      this.evictedUntil = this.frames[this.frames.length - 1].t;
    }
    this.frames = [];
    this.events = [];
    for (const [conn, view] of this.conns) if (view.close) this.conns.delete(conn);
    // what was cleared stays cleared: no scrolling back past it
    this.floorSeq = this.lastSeq + 1;
    this.older = { kind: 'off' };
    this.markDirty('status');
    this.markDirty('frames');
    this.markDirty('events');
    this.markDirty('conns');
    this.schedule();
  }

  /**
   * Takes in a window of older events (a scroll back's GET answer, oldest first): those below the
   * floor this page does not hold yet, merged in seq order into the frames and events, duplicates
   * dropped. The caps hold without evicting anything newer: the frames take what fits under 90 %
   * of maxFrames (the newest of the window first, so what was taken joins what is held without a
   * hole) and the rest is refused; the events slice (the diagram's) takes what fits under its cap.
   */
  mergeOlder(window: readonly WslabEvent[]): MergeResult {
    // a file shown, or a clear: nothing older comes back
    if (this.imported || this.older.kind === 'off') return { added: 0, frames: 0, refused: 0 };
    this.flush(); // what the stream already handed over goes first
    const floor = this.floorSeq ?? this.lastSeq + 1;
    const held = new Set<number>();
    for (const e of this.events) {
      if (e.seq >= floor) break;
      held.add(e.seq);
    }
    for (const f of this.frames) {
      if (f.seq >= floor) break;
      held.add(f.seq);
    }
    for (const v of this.conns.values()) {
      if (v.open) held.add(v.open.seq);
      if (v.handshake) held.add(v.handshake.seq);
      for (const st of v.states) held.add(st.seq);
    }
    const fresh: WslabEvent[] = [];
    const seen = new Set<number>();
    for (const e of window) {
      if (!e || e.v !== 1 || !KNOWN_TYPES.has(e.type) || e.type === 'gap') continue;
      if (e.seq >= floor || held.has(e.seq) || seen.has(e.seq)) continue;
      seen.add(e.seq);
      fresh.push(e);
    }
    fresh.sort((a, b) => a.seq - b.seq);
    // from the newest down: what fits under the frame cap
    let frameRoom = Math.max(0, Math.floor(this.limits.maxFrames * 0.9) - this.frames.length);
    let cut = 0; // fresh[cut..] are taken
    for (let i = fresh.length - 1; i >= 0; i--) {
      if (fresh[i].type !== 'frame') continue;
      if (frameRoom === 0) {
        cut = i + 1;
        break;
      }
      frameRoom--;
    }
    const taken = fresh.slice(cut);
    const refused = fresh.length - taken.length;
    if (taken.length === 0) return { added: 0, frames: 0, refused };

    // frames and events: merged with the held ones below the floor (anchors), in seq order
    const olderFrames: FrameEvent[] = [];
    const olderEvents: WslabEvent[] = [];
    const lastFrameOf = new Map<string, FrameEvent>();
    for (const e of taken) {
      if (e.type !== 'buffer') olderEvents.push(e);
      if (e.type === 'frame') {
        const shape = e.headerLength * 2 + (e.masked ? 1 : 0);
        const known = this.fieldShapes.get(shape);
        if (known) e.fields = known;
        else this.fieldShapes.set(shape, e.fields);
        olderFrames.push(e);
        lastFrameOf.set(`${e.conn} ${e.dir}`, e);
      } else if (e.type === 'message') {
        const f = lastFrameOf.get(`${e.conn} ${e.dir}`);
        if (f && f.fin && f.opcode <= 0x2) this.messageOf.set(f, e);
      }
      this.applyOlderToConn(e);
    }
    this.frames = mergeBySeq(olderFrames, this.frames);
    const eventRoom = Math.max(0, Math.floor(this.limits.maxEvents * 0.9) - this.events.length);
    if (eventRoom > 0) this.events = mergeBySeq(olderEvents.slice(Math.max(0, olderEvents.length - eventRoom)), this.events);
    this.floorSeq = taken[0].seq;
    this.markDirty('frames');
    this.markDirty('events');
    this.markDirty('conns');
    this.markDirty('status');
    this.schedule();
    return { added: taken.length, frames: olderFrames.length, refused };
  }

  /** An older event's part in its connection's view (arrays kept in order). */
  private applyOlderToConn(e: WslabEvent): void {
    if (!('conn' in e) || e.conn === undefined) return;
    const v = this.view(e.conn);
    if (e.t > v.lastT) v.lastT = e.t;
    switch (e.type) {
      case 'conn.open':
        v.open ??= e;
        break;
      case 'handshake':
        v.handshake ??= e;
        break;
      case 'state':
        insertInOrder(v.states, e, (x) => x.seq);
        break;
      case 'meta':
        v.meta ??= e;
        break;
      case 'close':
        v.close ??= e;
        break;
      case 'error':
        insertInOrder(v.errors, e, (x) => x.seq);
        break;
      case 'pong':
        if (e.rtt !== null && v.rtts.length < 500) insertInOrder(v.rtts, { t: e.t, rtt: e.rtt, dir: e.dir }, (x) => x.t);
        break;
      case 'buffer':
        if (v.buffers.length < 2000) insertInOrder(v.buffers, e, (x) => x.seq);
        break;
      case 'heartbeat':
        if (v.heartbeats.length < 200) insertInOrder(v.heartbeats, e, (x) => x.seq);
        break;
      case 'frame':
        v.frames++;
        if (e.dir === 'c2s') v.framesIn++;
        else v.framesOut++;
        break;
    }
  }

  /**
   * Asks the server for the window of OLDER_WINDOW seqs below the floor (GET /__wslab/events with
   * since and until, in the same scope as the page's stream: the session cookie goes with it, the
   * presenter's page asks for a fresh ticket) and merges it in. `probe`: ask only how many older
   * events there are (an empty range), to say so before the learner scrolls.
   */
  async loadOlder({ probe = false, base = location.origin }: { probe?: boolean; base?: string } = {}): Promise<void> {
    if (this.olderBusy || this.imported || this.floorSeq === null) return;
    const k = this.older.kind;
    if (k === 'off' || k === 'beginning' || k === 'bound') return;
    this.olderBusy = true;
    const known = k === 'more' || k === 'loading' ? this.older.count : k === 'error' ? this.older.count : null;
    if (!probe) this.setOlder({ kind: 'loading', count: known });
    try {
      for (let windows = 0; ; windows++) {
        const floor: number | null = this.floorSeq;
        if (floor === null || this.imported) return;
        const since: number = probe ? floor : Math.max(1, this.serverOldestSeq ?? 1, floor - OLDER_WINDOW);
        const url = new URL('/__wslab/events', base);
        url.searchParams.set('since', String(since));
        url.searchParams.set('until', String(floor));
        if (ticketSource) {
          const ticket = await ticketSource();
          if (ticket) url.searchParams.set('ticket', ticket);
        }
        const res = await fetch(url, { credentials: 'same-origin', cache: 'no-store' });
        const text = await res.text();
        if (!res.ok) {
          const sentence = text.trim().startsWith('{') ? ((JSON.parse(text) as { error?: string }).error ?? text) : text.trim();
          this.setOlder({ kind: 'error', message: `The server answered ${res.status} to the request for older events: ${sentence || res.statusText}`, count: known });
          return;
        }
        const oldest = Number(res.headers.get('X-Wslab-Oldest-Seq'));
        const before = Number(res.headers.get('X-Wslab-Before'));
        if (Number.isFinite(oldest) && oldest > 0) this.serverOldestSeq = oldest;
        const window: WslabEvent[] = [];
        for (const line of text.split('\n')) {
          if (!line) continue;
          try {
            window.push(JSON.parse(line) as WslabEvent);
          } catch {
            // a line cut short: left out
          }
        }
        const merged = probe ? { added: 0, frames: 0, refused: 0 } : this.mergeOlder(window);
        // the floor may not have moved (nothing in scope in that window): the window's start is
        // then held, as far as this page may read
        if (merged.refused > 0) {
          this.setOlder({ kind: 'bound', count: Number.isFinite(before) ? before + merged.refused : null });
          return;
        }
        if (!probe && this.floorSeq !== null && this.floorSeq > since) this.floorSeq = since;
        const remaining = Number.isFinite(before) ? before : null;
        if (remaining === 0 || since <= (this.serverOldestSeq ?? 1)) {
          this.setOlder({ kind: 'beginning', evicted: (this.serverOldestSeq ?? 1) > 1 });
          return;
        }
        this.setOlder({ kind: 'more', count: remaining ?? 0 });
        if (probe || merged.frames > 0 || windows >= MAX_EMPTY_WINDOWS) return;
        this.setOlder({ kind: 'loading', count: remaining });
      }
    } catch (err) {
      this.setOlder({ kind: 'error', message: `Older events could not be loaded: ${(err as Error).message || String(err)}.`, count: known });
    } finally {
      this.olderBusy = false;
    }
  }

  private setOlder(state: OlderState): void {
    this.older = state;
    this.markDirty('status');
    this.schedule();
  }

  private setStatus(status: EventStore['status']): void {
    this.status = status;
    this.markDirty('status');
    this.schedule();
  }

  private markDirty(slice: Slice): void {
    this.dirty.add(slice);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const run = () => this.flush();
    if (typeof requestAnimationFrame === 'function' && typeof document !== 'undefined' && !document.hidden) requestAnimationFrame(run);
    else setTimeout(run, 16);
  }

  /** Applies everything received since the last frame, then tells the listeners once. */
  flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    for (const e of batch) this.apply(e);
    this.trim();
    if (this.dirty.size === 0) return;
    for (const slice of this.dirty) this.versions[slice]++;
    this.dirty.clear();
    for (const fn of this.listeners) fn();
  }

  private view(conn: string): ConnView {
    let v = this.conns.get(conn);
    if (!v) {
      v = { conn, open: null, handshake: null, states: [], rtts: [], buffers: [], heartbeats: [], meta: null, close: null, errors: [], frames: 0, framesIn: 0, framesOut: 0, lastT: 0 };
      this.conns.set(conn, v);
    }
    return v;
  }

  private apply(e: WslabEvent): void {
    if (e.type === 'gap') {
      this.missed += e.dropped;
      this.markDirty('status');
    }
    if (e.type !== 'buffer') {
      this.events.push(e);
      this.markDirty('events');
    }
    if (e.type === 'frame') {
      // frames with the same header shape have the same field positions: keep one copy
      const shape = e.headerLength * 2 + (e.masked ? 1 : 0);
      const known = this.fieldShapes.get(shape);
      if (known) e.fields = known;
      else this.fieldShapes.set(shape, e.fields);
      this.frames.push(e);
      this.markDirty('frames');
    }
    if (e.type === 'message') {
      // the tap writes a message event right after the frame that ends the message
      for (let i = this.frames.length - 1; i >= 0 && i >= this.frames.length - 64; i--) {
        const f = this.frames[i];
        if (f.conn !== e.conn || f.dir !== e.dir) continue;
        if (f.fin && f.opcode <= 0x2) this.messageOf.set(f, e);
        break;
      }
    }
    if (!('conn' in e) || e.conn === undefined) return;
    const v = this.view(e.conn);
    v.lastT = e.t;
    switch (e.type) {
      case 'conn.open':
        v.open = e;
        break;
      case 'handshake':
        v.handshake = e;
        break;
      case 'state':
        v.states.push(e);
        break;
      case 'pong':
        if (e.rtt !== null) {
          v.rtts.push({ t: e.t, rtt: e.rtt, dir: e.dir });
          if (v.rtts.length > 500) v.rtts.splice(0, v.rtts.length - 500);
        }
        break;
      case 'buffer':
        v.buffers.push(e);
        if (v.buffers.length > 2000) v.buffers.splice(0, v.buffers.length - 2000);
        break;
      case 'heartbeat':
        v.heartbeats.push(e);
        if (v.heartbeats.length > 200) v.heartbeats.splice(0, v.heartbeats.length - 200);
        break;
      case 'meta':
        v.meta = e;
        break;
      case 'close':
        v.close = e;
        break;
      case 'error':
        v.errors.push(e);
        break;
      case 'frame':
        v.frames++;
        if (e.dir === 'c2s') v.framesIn++;
        else v.framesOut++;
        break;
      default:
        return;
    }
    this.markDirty('conns');
  }

  /** Evicts the oldest frames and events past the caps, in slices so eviction stays cheap. */
  private trim(): void {
    const { maxFrames, maxEvents, maxClosedConns } = this.limits;
    if (this.frames.length > maxFrames) {
      const cut = this.frames.length - maxFrames + Math.floor(maxFrames / 10);
      this.evictedUntil = this.frames[cut - 1].t;
      this.evictedFrames += cut;
      this.frames = this.frames.slice(cut);
      // the frames below are gone: the held history starts at the oldest frame kept
      if (this.floorSeq !== null && this.frames.length && this.frames[0].seq > this.floorSeq) this.floorSeq = this.frames[0].seq;
    }
    if (this.events.length > maxEvents) this.events = this.events.slice(this.events.length - maxEvents + Math.floor(maxEvents / 10));
    let closed = 0;
    for (const v of this.conns.values()) if (v.close) closed++;
    if (closed > maxClosedConns) {
      for (const [conn, v] of this.conns) {
        if (closed <= maxClosedConns) break;
        if (v.close) {
          this.conns.delete(conn);
          closed--;
        }
      }
    }
  }
}

/** `older` merged with `held` (both in seq order), one list in seq order; equal seqs kept once. */
export function mergeBySeq<T extends { seq: number }>(older: readonly T[], held: readonly T[]): T[] {
  if (older.length === 0) return held as T[];
  if (held.length === 0 || older[older.length - 1].seq < held[0].seq) return older.concat(held);
  const out: T[] = [];
  let i = 0;
  let j = 0;
  while (i < older.length || j < held.length) {
    if (j >= held.length || (i < older.length && older[i].seq < held[j].seq)) out.push(older[i++]);
    else {
      if (i < older.length && older[i].seq === held[j].seq) i++;
      out.push(held[j++]);
    }
  }
  return out;
}

function insertInOrder<T>(list: T[], item: T, key: (x: T) => number): void {
  const k = key(item);
  let i = list.length;
  while (i > 0 && key(list[i - 1]) > k) i--;
  list.splice(i, 0, item);
}

let shared: EventStore | null = null;

/** Events a page starts from (`?recent=`): the server adds each live connection's conn.open, handshake and state. */
export const RECENT_WINDOW = 2000;

let ticketSource: (() => Promise<string | null>) | null = null;

/**
 * Workshop presenter: from now on the page's stream opens with a ticket from `source` (the
 * presenter's whole-room view) instead of the participant's own scope; reconnects at once.
 */
export function streamWithTicket(source: () => Promise<string | null>): void {
  if (ticketSource) return;
  ticketSource = source;
  shared?.connect(); // the same since: what it already holds is not sent again
}

/** The page's one store, following this server's event stream from the start of its history. */
export function getStore(): EventStore {
  if (!shared) {
    shared = new EventStore();
    shared.connect();
  }
  return shared;
}
