// Observers of the event stream: /__wslab/events over WebSocket (the NDJSON history over GET is
// server/http/history.ts).
//
// An observer is a cursor over the bus history. While it keeps up, each event is sent as it is
// published. When its socket's send buffer passes the high-water mark it stops receiving; once the
// buffer drains it resumes from its cursor, reading the ring-buffer history. If the history moved
// past its cursor meanwhile, one `gap` event says how many events it missed. Nothing is queued per
// observer, so a slow or stuck observer can never grow the server's memory: the ring is the bound.
import type { WebSocket } from 'ws';
import type { BusEntry, EventBus, EventFilter } from './bus.ts';
import { ITEM_HEADER_BYTES, KIND_JSON, writeItemHeader } from '../core/events/records.ts';
import { safeTimeout } from '../process/safe.ts';

/** Bytes an observer's socket may have waiting before it stops receiving. */
export const OBSERVER_HIGH_WATER = 1024 * 1024;
/** How often a paused observer checks whether its buffer drained. */
const RESUME_POLL_MS = 25;
/** Batch modes: at most one message per this many ms while events keep coming (see wake). */
export const COALESCE_MS = 10;
/** Events sent per turn while catching up, so one observer cannot hold the event loop. */
const CATCH_UP_BATCH = 2000;

export interface ObserverOptions {
  since: number | null;
  /** the TCP socket under the observer's WebSocket: its writes are corked per event-loop turn */
  socket?: { cork(): void; uncork(): void };
  filter: EventFilter;
  highWater?: number;
  /**
   * Send the events of one event-loop turn as ONE text message of newline-separated JSON
   * (`?batch=1`); while events keep coming, one message per COALESCE_MS at most. The default stays
   * one event per message; scripts may ask for batches, which cost the server one WebSocket frame
   * per batch instead of one per event.
   */
  batch?: boolean;
  /**
   * `bin` (`?format=bin`, implies batch): each turn's events as ONE binary message of items as the
   * history keeps them, the tap's frame and message events as records (events/records.ts), which
   * the reader turns into the same JSON with records.renderBatch. This is how the web app reads
   * the stream: the server copies bytes instead of writing JSON for every frame.
   */
  format?: 'json' | 'bin';
  /**
   * `?recent=N` (without since): start N events before the head instead of replaying the whole
   * history, after each live connection's conn.open, handshake and latest state (however old),
   * so that every connection shown is complete. What the web app opens with (RECENT_WINDOW).
   */
  recent?: number | null;
}

/** The window a page starts from (`?recent=`), and the most it may ask for. */
export const RECENT_WINDOW = 2000;
export const MAX_RECENT = 100_000;
/**
 * Seqs a scoped observer (or a preamble) may have waiting at most: beyond, the oldest are dropped
 * and reported as a gap. The bound on what one observer holds.
 */
export const MAX_QUEUED = 8192;

/**
 * A batch message holds at most this many bytes (more go in the next message). Batches are
 * gathered in one scratch buffer shared by all observers (the pump is synchronous) and each message
 * is copied out at its exact size, so a room of idle observers costs no buffers.
 */
const BATCH_BYTES = 256 * 1024;
const scratch = Buffer.allocUnsafe(BATCH_BYTES);
const NEWLINE = 0x0a;

export class Observer {
  /** the next sequence number this observer has not been offered */
  private cursor: number;
  private caughtUp = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly unsubscribe: () => void;
  private readonly highWater: number;
  private corked = false;
  /** batch modes (`?batch=1`, `?format=bin`): woken once per turn (COALESCE_MS apart at most often), read the history (see pumpBatch) */
  private readonly batch: boolean;
  private readonly bin: boolean;
  private woken: NodeJS.Immediate | null = null;
  /** batch modes: the wake-up waiting for COALESCE_MS after the last batch */
  private coalescing: NodeJS.Timeout | null = null;
  private lastPump = -Infinity;
  /**
   * Seqs to send before (unscoped: the preamble of a recent window) or instead of (scoped) the
   * cursor: a scoped observer is handed only the seqs of its scope and never reads the rest of
   * the history, so a room's traffic costs each page only its own.
   */
  private queue: number[] = [];
  private queueHead = 0;
  /** seqs dropped from a full queue, not yet reported */
  private lostCount = 0;
  private lostFrom = 0;
  private lostTo = 0;
  private readonly scoped: boolean;
  /** bytes gathered in the shared scratch by the queue pump */
  private at = 0;
  dropped = 0;
  sent = 0;

  constructor(
    private readonly ws: WebSocket,
    private readonly bus: EventBus,
    private readonly options: ObserverOptions,
  ) {
    this.highWater = options.highWater ?? OBSERVER_HIGH_WATER;
    // A since beyond the head can only be a cursor from an earlier run of the server (a page
    // reconnecting after a restart): start live rather than wait, silent, for that seq to come.
    // Seqs start at 1, so since=0 asks for the same as since=1: no event 0 was ever missed.
    const recent = options.since === null && options.recent != null ? Math.min(MAX_RECENT, Math.max(0, options.recent)) : null;
    const start = recent !== null ? Math.max(bus.oldestSeq, bus.headSeq - recent) : (options.since ?? bus.headSeq);
    this.cursor = Math.max(1, Math.min(start, bus.headSeq));
    // A batching observer reads the history once per turn; one that wants single events is handed each.
    this.bin = options.format === 'bin';
    this.batch = this.bin || options.batch === true;
    this.scoped = !!options.filter.scope;
    if (recent !== null) for (const seq of bus.anchorsBefore(this.cursor, options.filter)) this.enqueue(seq);
    if (this.scoped) {
      // the history in scope from the cursor, read once; then only the seqs the bus hands over
      for (let seq = Math.max(this.cursor, bus.oldestSeq); seq < bus.headSeq; seq++) if (bus.matchesAt(seq, options.filter)) this.enqueue(seq);
      if (this.cursor < bus.oldestSeq) this.lose(this.cursor, bus.oldestSeq - 1);
      this.unsubscribe = bus.subscribeScoped(options.filter.scope!, (seq) => {
        this.enqueue(seq);
        this.wake();
      });
    } else {
      this.unsubscribe = this.batch
        ? bus.subscribeWake(() => this.wake())
        : bus.subscribeEntries((entry) => this.onEvent(entry), options.filter);
    }
    ws.once('close', () => this.stop());
    this.pump('history-evicted');
  }

  stop(): void {
    this.unsubscribe();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.woken) clearImmediate(this.woken);
    this.woken = null;
    if (this.coalescing) clearTimeout(this.coalescing);
    this.coalescing = null;
  }

  /**
   * Sends one event's JSON bytes (copied: the history reuses its bytes). The observer's socket is
   * corked until the event loop's check phase, so the events of one loop turn leave in one writev
   * instead of one system call each.
   */
  private send(json: Uint8Array): void {
    this.sent++;
    if (!this.corked) {
      const socket = this.options.socket;
      if (socket) {
        socket.cork();
        this.corked = true;
        setImmediate(() => {
          this.corked = false;
          socket.uncork();
        });
      }
    }
    this.sendNow(Buffer.from(json), false);
  }

  private sendNow(data: Buffer, binary: boolean): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(data, { binary });
  }

  private congested(): boolean {
    return this.ws.bufferedAmount > this.highWater;
  }

  /**
   * Batch modes: something was published; read the history from the cursor at the end of this
   * turn, or, when the last batch left less than COALESCE_MS ago, once that much time has passed.
   * A quiet stream is sent at once; a busy one costs one message per COALESCE_MS instead of one
   * per event-loop turn (at 20,000 frames/s that was thousands of messages, each a system call
   * on both ends).
   */
  private wake(): void {
    if (this.woken || this.coalescing || this.timer) return;
    const wait = this.lastPump + COALESCE_MS - performance.now();
    if (wait > 0) {
      this.coalescing = safeTimeout('the event stream', () => {
        this.coalescing = null;
        this.pumpWoken();
      }, wait);
      return;
    }
    this.woken = setImmediate(() => {
      this.woken = null;
      this.pumpWoken();
    });
  }

  private pumpWoken(): void {
    this.lastPump = performance.now();
    this.pump('slow-observer');
  }

  private enqueue(seq: number): void {
    if (this.queue.length - this.queueHead >= MAX_QUEUED) this.lose(this.queue[this.queueHead], this.queue[this.queueHead++]);
    this.queue.push(seq);
  }

  private lose(from: number, to: number): void {
    if (this.lostCount === 0) this.lostFrom = from;
    this.lostCount += to - from + 1;
    this.lostTo = Math.max(this.lostTo, to);
  }

  private queued(): boolean {
    return this.queueHead < this.queue.length || this.lostCount > 0;
  }

  /** Sends one gap event standing for the seqs lost from the queue (or evicted before they were sent). */
  private sendGap(reason: 'slow-observer' | 'history-evicted'): void {
    this.flushQueued();
    const dropped = this.lostCount;
    this.dropped += dropped;
    const gap = Buffer.from(JSON.stringify(this.bus.publishPrivate({ type: 'gap', dropped, fromSeq: this.lostFrom, toSeq: this.lostTo, reason })));
    this.lostCount = 0;
    this.lostTo = 0;
    this.sendGapBytes(gap);
  }

  private sendGapBytes(gap: Buffer): void {
    if (this.bin) {
      // a message of its own, before the events after it
      const item = Buffer.allocUnsafe(ITEM_HEADER_BYTES + gap.length);
      writeItemHeader(item, 0, KIND_JSON, gap.length);
      item.set(gap, ITEM_HEADER_BYTES);
      this.sendNow(item, true);
    } else if (this.batch) {
      this.sendNow(gap, false);
    } else {
      this.send(gap);
      this.sent--; // the gap stands for missed events; it is not one of them
    }
  }

  /**
   * Sends the queued seqs that pass the filter, in the observer's format, while the socket has
   * room. True when the queue is empty.
   */
  private pumpQueue(reason: 'slow-observer' | 'history-evicted'): boolean {
    const bus = this.bus;
    const filter = this.options.filter;
    let budget = CATCH_UP_BATCH;
    this.at = 0;
    while (this.queued() && budget > 0 && !this.congested()) {
      if (this.lostCount > 0 && (this.queueHead >= this.queue.length || this.queue[this.queueHead] > this.lostTo)) {
        this.sendGap(reason);
        continue;
      }
      const seq = this.queue[this.queueHead++];
      if (seq < bus.oldestSeq) {
        this.lose(seq, seq); // evicted while it waited
        continue;
      }
      if (!bus.matchesAt(seq, filter)) continue;
      this.sendQueued(seq);
      budget--;
    }
    this.flushQueued();
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
    return !this.queued();
  }

  /** Adds one event to what the queue pump sends, in the observer's format. */
  private sendQueued(seq: number): void {
    const bus = this.bus;
    this.sent++;
    if (!this.batch) {
      this.send(bus.bytesAt(seq)!);
      return;
    }
    const kind = this.bin ? bus.kindAt(seq) : KIND_JSON;
    const bytes = this.bin ? bus.keptAt(seq) : bus.bytesAt(seq)!;
    const size = this.bin ? ITEM_HEADER_BYTES + bytes.length : bytes.length + 1;
    if (this.at + size > BATCH_BYTES) this.flushQueued();
    if (size > BATCH_BYTES) {
      // larger than a whole batch: a message of its own
      if (this.bin) {
        const alone = Buffer.allocUnsafe(size);
        writeItemHeader(alone, 0, kind, bytes.length);
        alone.set(bytes, ITEM_HEADER_BYTES);
        this.sendNow(alone, true);
      } else {
        this.sendNow(Buffer.from(bytes), false);
      }
      return;
    }
    if (this.bin) {
      writeItemHeader(scratch, this.at, kind, bytes.length);
      scratch.set(bytes, this.at + ITEM_HEADER_BYTES);
    } else {
      scratch.set(bytes, this.at);
      scratch[this.at + bytes.length] = NEWLINE;
    }
    this.at += size;
  }

  private flushQueued(): void {
    if (this.at > 0) this.flushBatch(this.at);
    this.at = 0;
  }

  private onEvent(entry: BusEntry): void {
    if (this.caughtUp && entry.seq === this.cursor && !this.congested()) {
      this.cursor++;
      this.send(entry.bytes);
      return;
    }
    // Behind (or just became so): the pump reads the history when the socket can take more.
    this.caughtUp = false;
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.ws.readyState !== this.ws.OPEN) return;
    this.timer = safeTimeout('the event stream', () => {
      this.timer = null;
      this.pump('slow-observer');
    }, this.congested() ? RESUME_POLL_MS : 0);
  }

  /** Sends history from the cursor while the socket has room; reports evicted events as a gap. */
  private pump(reason: 'slow-observer' | 'history-evicted'): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    if (this.congested()) {
      this.schedule();
      return;
    }
    if (this.queued() && !this.pumpQueue(reason)) {
      this.schedule();
      return;
    }
    if (this.scoped) return;
    const oldest = this.bus.oldestSeq;
    if (this.cursor < oldest) {
      const dropped = oldest - this.cursor;
      this.dropped += dropped;
      this.sendGapBytes(Buffer.from(JSON.stringify(this.bus.publishPrivate({ type: 'gap', dropped, fromSeq: this.cursor, toSeq: oldest - 1, reason }))));
      this.cursor = oldest;
    }
    const head = this.bus.headSeq;
    if (this.batch) {
      this.pumpBatch(head);
      return;
    }
    let budget = CATCH_UP_BATCH;
    while (this.cursor < head && budget > 0 && !this.congested()) {
      const seq = this.cursor++;
      if (this.bus.matchesAt(seq, this.options.filter)) {
        this.send(this.bus.bytesAt(seq)!);
        budget--;
      }
    }
    if (this.cursor >= head) this.caughtUp = true;
    else this.schedule();
  }

  /**
   * Batch modes: sends the events from the cursor that pass the filter, BATCH_BYTES per message,
   * while the socket has room: as items (`?format=bin`: copied in runs, exactly as the history
   * keeps them) or as newline-separated JSON (`?batch=1`: records written as JSON here). Messages
   * are gathered in the shared scratch buffer and copied out at their exact size.
   */
  private pumpBatch(head: number): void {
    if (this.bin) this.pumpItems(head);
    else this.pumpLines(head);
  }

  private pumpItems(head: number): void {
    const bus = this.bus;
    let budget = CATCH_UP_BATCH;
    while (this.cursor < head && budget > 0 && !this.congested()) {
      const next = bus.copyItems(this.cursor, head, scratch, 0, BATCH_BYTES, this.options.filter);
      const events = bus.copiedEvents;
      if (events > 0) this.flushBatch(bus.copiedBytes);
      else if (next < head) {
        // the event at `next` is larger than a whole batch: a message of its own
        const kept = bus.keptAt(next);
        const alone = Buffer.allocUnsafe(ITEM_HEADER_BYTES + kept.length);
        writeItemHeader(alone, 0, bus.kindAt(next), kept.length);
        alone.set(kept, ITEM_HEADER_BYTES);
        this.sendNow(alone, true);
        this.cursor = next + 1;
        this.sent++;
        budget--;
        continue;
      }
      this.sent += events;
      budget -= Math.max(1, events);
      this.cursor = next;
    }
    if (this.cursor < head) this.schedule();
  }

  private pumpLines(head: number): void {
    const bus = this.bus;
    const filter = this.options.filter;
    const filtered = !!(filter.conn || filter.types);
    let budget = CATCH_UP_BATCH;
    let at = 0;
    while (this.cursor < head && budget > 0) {
      const seq = this.cursor;
      if (filtered && !bus.matchesAt(seq, filter)) {
        this.cursor++;
        continue;
      }
      const json = bus.bytesAt(seq)!;
      const size = json.length + 1;
      if (at + size > BATCH_BYTES) {
        if (at > 0) {
          this.flushBatch(at);
          at = 0;
          if (this.congested()) break;
          continue;
        }
        this.sendNow(Buffer.from(json), false); // larger than a whole batch: a message of its own
      } else {
        scratch.set(json, at);
        scratch[at + json.length] = NEWLINE;
        at += size;
      }
      this.cursor++;
      this.sent++;
      budget--;
    }
    if (at > 0) this.flushBatch(at);
    if (this.cursor < head) this.schedule();
  }

  /** Sends scratch[0, end) as one message, copied at its exact size (JSON lines drop the last newline). */
  private flushBatch(end: number): void {
    const size = this.bin ? end : end - 1;
    const message = Buffer.allocUnsafe(size);
    scratch.copy(message, 0, 0, size);
    this.sendNow(message, this.bin);
  }
}
