// The one feed the transports lab delivers four ways (short poll, long poll, server-sent events,
// WebSocket): small JSON updates with a sequence number and the moment the server had them.
//
// Pure: no node:* imports and no DOM, so the page can share its types. The clock and the timer
// functions are injected; the server passes wall-clock milliseconds with a fraction
// (performance.timeOrigin + performance.now()), which a page on the same machine can compare with
// its own.
//
// Updates come on average every `periodMs`, each gap drawn between half and one and a half periods.
// Real news does not keep time; a metronome feed would also lock into phase with a short-poll timer
// and make every update wait the same amount, hiding that polling delays news by half an interval
// on average.
//
// The feed only ticks while someone is watching: a subscriber (an SSE stream, a WebSocket, a held
// long poll) or a short poll within the last LEASE_MS. An idle server produces nothing.

export interface TransportUpdate {
  seq: number;
  /** when the server had this update: epoch ms with a fraction (µs) */
  at: number;
  /** something for the feed to be about: a made-up price on a random walk */
  price: number;
}

export interface Backlog {
  /** the newest seq produced so far (0 before the first) */
  head: number;
  /** updates after the asked seq still kept, oldest first */
  updates: TransportUpdate[];
  /** updates after the asked seq that are no longer kept (the client asked too late) */
  missed: number;
}

export interface FeedClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** in [0, 1) */
  random(): number;
}

/** Updates kept for replay (poll `after=`, SSE `Last-Event-ID`, WebSocket `after=`). */
export const FEED_HISTORY = 256;
/** A short poll keeps the feed running this long after it asked. */
export const LEASE_MS = 5000;
export const DEFAULT_PERIOD_MS = 500;

export class TransportFeed {
  private readonly history: TransportUpdate[] = [];
  private readonly subscribers = new Set<(u: TransportUpdate) => void>();
  private seq = 0;
  private price = 100;
  private timer: unknown = null;
  private leaseUntil = 0;

  constructor(
    readonly periodMs: number,
    private readonly clock: FeedClock,
  ) {}

  get head(): number {
    return this.seq;
  }

  get running(): boolean {
    return this.timer !== null;
  }

  get watchers(): number {
    return this.subscribers.size;
  }

  /** What came after `after` (clamped to the head: a seq from the future gets nothing). */
  since(after: number): Backlog {
    const from = Math.min(after, this.seq);
    const oldest = this.history.length ? this.history[0].seq : this.seq + 1;
    const updates = this.history.filter((u) => u.seq > from);
    return { head: this.seq, updates, missed: Math.max(0, Math.min(oldest, this.seq + 1) - from - 1) };
  }

  /** Calls `fn` with every new update until the returned function is called. Starts the feed. */
  subscribe(fn: (u: TransportUpdate) => void): () => void {
    this.subscribers.add(fn);
    this.start();
    return () => {
      this.subscribers.delete(fn);
    };
  }

  /** A short poll: keep producing for LEASE_MS even though nobody holds a subscription. */
  touch(): void {
    this.leaseUntil = this.clock.now() + LEASE_MS;
    this.start();
  }

  /** Produces one update now (the timer's job; tests may call it). */
  tick(): TransportUpdate {
    // a bounded random walk, rounded to cents so the JSON stays short
    this.price = Math.round(Math.min(200, Math.max(1, this.price + (this.clock.random() - 0.5) * 2)) * 100) / 100;
    const update: TransportUpdate = { seq: ++this.seq, at: Math.round(this.clock.now() * 1000) / 1000, price: this.price };
    this.history.push(update);
    if (this.history.length > FEED_HISTORY) this.history.shift();
    for (const fn of [...this.subscribers]) fn(update);
    return update;
  }

  stop(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private start(): void {
    if (this.timer !== null) return;
    this.schedule();
  }

  private schedule(): void {
    this.timer = this.clock.setTimeout(() => {
      if (this.subscribers.size === 0 && this.clock.now() > this.leaseUntil) {
        this.timer = null; // nobody is watching: stop before producing for no one
        return;
      }
      this.tick();
      this.schedule();
    }, this.periodMs * (0.5 + this.clock.random()));
  }
}

/** The update as JSON text: the body of an SSE `data:` line and of a WebSocket message. */
export function updateJson(u: TransportUpdate): string {
  return JSON.stringify(u);
}

/** One server-sent event: `id:` lets the browser resume with Last-Event-ID after a reconnect. */
export function sseEvent(u: TransportUpdate): string {
  return `id: ${u.seq}\ndata: ${updateJson(u)}\n\n`;
}

/**
 * Wall-clock milliseconds with a sub-millisecond fraction, the same on the server and in the page,
 * so that "when the server had it" and "when the page got it" can be subtracted. Date.now() alone
 * has whole milliseconds; performance.timeOrigin + performance.now() has the fraction but is fixed
 * when the process (or page) starts, and the monotonic clock drifts from the system clock while NTP
 * adjusts it — by many milliseconds over a server's hours. So the monotonic clock is re-anchored to
 * Date.now() every few seconds (+0.5: Date.now() truncates), which keeps both within about half a
 * millisecond of the system clock.
 */
export function wallClock(dateNow: () => number, monoNow: () => number): () => number {
  let anchor = 0;
  let anchoredAt = -Infinity;
  return () => {
    const mono = monoNow();
    if (mono - anchoredAt > 5000) {
      anchor = dateNow() + 0.5 - mono;
      anchoredAt = mono;
    }
    return anchor + mono;
  };
}

/** Parses a seq given by a client (`after=`, `Last-Event-ID`): a non-negative safe integer, else null. */
export function parseSeq(raw: string | null | undefined): number | null {
  if (raw === null || raw === undefined || !/^\d{1,15}$/.test(raw.trim())) return null;
  return Number(raw.trim());
}
