// Observers of the event stream: /__wslab/events over WebSocket, and the NDJSON history over GET.
//
// An observer is a cursor over the bus history. While it keeps up, each event is sent as it is
// published. When its socket's send buffer passes the high-water mark it stops receiving; once the
// buffer drains it resumes from its cursor, reading the ring-buffer history. If the history moved
// past its cursor meanwhile, one `gap` event says how many events it missed. Nothing is queued per
// observer, so a slow or stuck observer can never grow the server's memory: the ring is the bound.
import type { ServerResponse } from 'node:http';
import type { WebSocket } from 'ws';
import type { BusEntry, EventBus, EventFilter } from './events/bus.ts';

/** Bytes an observer's socket may have waiting before it stops receiving. */
export const OBSERVER_HIGH_WATER = 1024 * 1024;
/** How often a paused observer checks whether its buffer drained. */
const RESUME_POLL_MS = 25;
/** Events sent per turn while catching up, so one observer cannot hold the event loop. */
const CATCH_UP_BATCH = 2000;

export interface ObserverOptions {
  since: number | null;
  filter: EventFilter;
  highWater?: number;
  /**
   * Send the events of one event-loop turn as ONE text message of newline-separated JSON
   * (`?batch=1`). The default stays one event per message; the web app asks for batches, which cost
   * the server one WebSocket frame per turn instead of one per event.
   */
  batch?: boolean;
}

/**
 * A batch message holds at most this many bytes (more go in the next message). Nothing is kept per
 * observer between turns: a batch is made for the message that sends it, so a room of idle
 * observers costs no buffers.
 */
const BATCH_BYTES = 256 * 1024;
const NEWLINE = 0x0a;

export class Observer {
  /** the next sequence number this observer has not been offered */
  private cursor: number;
  private caughtUp = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly unsubscribe: () => void;
  private readonly highWater: number;
  private corked = false;
  /** batch mode without a filter: copies runs of the history (see pumpSpan) */
  private readonly span: boolean;
  private woken: NodeJS.Immediate | null = null;
  /** filtered batch mode: this turn's events, copied out of the history as they come */
  private pending: Buffer[] = [];
  private staged = 0;
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
    this.cursor = Math.min(options.since ?? bus.headSeq, bus.headSeq);
    // A batching observer that wants everything copies whole runs of the history per turn (the
    // events lie there as newline-separated JSON already); any other one is handed each event.
    this.span = options.batch === true && !options.filter.conn && !options.filter.types;
    this.unsubscribe = this.span
      ? bus.subscribeWake(() => this.wake())
      : bus.subscribeEntries((entry) => this.onEvent(entry), options.filter);
    ws.once('close', () => this.stop());
    this.pump('history-evicted');
  }

  stop(): void {
    this.unsubscribe();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.woken) clearImmediate(this.woken);
    this.woken = null;
    this.pending = [];
    this.staged = 0;
  }

  /**
   * Sends one event's JSON bytes (copied: the history reuses its bytes). The observer's socket is
   * corked until the event loop's check phase, so the events of one loop turn leave in one writev
   * instead of one system call each; in batch mode they leave as one message.
   */
  private send(json: Uint8Array): void {
    this.sent++;
    if (this.options.batch) {
      if (this.staged + json.length + 1 > BATCH_BYTES) this.flushBatch();
      if (this.pending.length === 0) setImmediate(() => this.flushBatch());
      this.pending.push(Buffer.from(json)); // a copy: the history reuses its bytes
      this.staged += json.length + 1;
      return;
    }
    if (!this.corked) {
      const socket = (this.ws as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
      if (socket) {
        socket.cork();
        this.corked = true;
        setImmediate(() => {
          this.corked = false;
          socket.uncork();
        });
      }
    }
    this.sendNow(json);
  }

  private sendNow(json: Uint8Array): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(Buffer.from(json), { binary: false });
  }

  private flushBatch(): void {
    const parts = this.pending;
    if (parts.length === 0) return;
    const text = Buffer.allocUnsafe(this.staged - 1);
    let at = 0;
    for (const part of parts) {
      if (at > 0) text[at++] = NEWLINE;
      text.set(part, at);
      at += part.length;
    }
    this.pending = [];
    this.staged = 0;
    this.sendText(text);
  }

  private sendText(text: Buffer): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(text, { binary: false });
  }

  private congested(): boolean {
    return this.ws.bufferedAmount + this.staged > this.highWater;
  }

  /** Span mode: something was published; read the history from the cursor at the end of this turn. */
  private wake(): void {
    if (this.woken || this.timer) return;
    this.woken = setImmediate(() => {
      this.woken = null;
      this.pump('slow-observer');
    });
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
    this.timer = setTimeout(() => {
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
    const oldest = this.bus.oldestSeq;
    if (this.cursor < oldest) {
      const dropped = oldest - this.cursor;
      this.dropped += dropped;
      const gap = Buffer.from(JSON.stringify(this.bus.publishPrivate({ type: 'gap', dropped, fromSeq: this.cursor, toSeq: oldest - 1, reason })));
      if (this.span) {
        this.sendText(gap); // a line of its own, before the events after it
      } else {
        this.send(gap);
        this.sent--; // the gap stands for missed events; it is not one of them
      }
      this.cursor = oldest;
    }
    const head = this.bus.headSeq;
    if (this.span) {
      this.pumpSpan(head);
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
   * Span mode: copies the history from the cursor in runs (one copy for all the events of a turn
   * that lie next to each other), BATCH_BYTES per message, while the socket has room.
   */
  private pumpSpan(head: number): void {
    let budget = CATCH_UP_BATCH;
    while (this.cursor < head && budget > 0 && !this.congested()) {
      const next = this.bus.measureRange(this.cursor, head, BATCH_BYTES);
      if (next === this.cursor) {
        this.sendNow(this.bus.bytesAt(this.cursor)!); // larger than a whole batch: a message of its own
        this.sent++;
        this.cursor++;
        budget--;
        continue;
      }
      // One buffer of exactly the run's size (each event comes with its newline; the last is dropped).
      const text = Buffer.allocUnsafe(this.bus.copiedBytes);
      this.bus.copyRange(this.cursor, next, text, 0, text.length);
      this.sendText(text.subarray(0, text.length - 1));
      this.sent += next - this.cursor;
      budget -= next - this.cursor;
      this.cursor = next;
    }
    if (this.cursor < head) this.schedule();
  }
}

/** GET /__wslab/events?since=SEQ: the history as NDJSON, written with backpressure. */
export function writeHistory(res: ServerResponse, bus: EventBus, since: number, filter: EventFilter): void {
  const { entries, evicted } = bus.history(since, filter);
  res.writeHead(200, { 'Content-Type': 'application/x-ndjson; charset=utf-8', 'Cache-Control': 'no-store' });
  if (evicted > 0) {
    const gap = bus.publishPrivate({
      type: 'gap',
      dropped: evicted,
      fromSeq: Math.max(since, 1),
      toSeq: bus.oldestSeq - 1,
      reason: 'history-evicted',
    });
    res.write(JSON.stringify(gap) + '\n');
  }
  let i = 0;
  const writeMore = () => {
    while (i < entries.length) {
      const ok = res.write(entries[i++].json + '\n');
      if (!ok) {
        res.once('drain', writeMore);
        return;
      }
    }
    res.end();
  };
  writeMore();
}
