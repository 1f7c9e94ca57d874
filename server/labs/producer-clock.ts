// One clock drives every push producer (the ticker, the backpressure producer): a single timer that
// visits them round-robin and hands each a bounded allowance of work. However many clients ask for
// however high a rate, one tick does at most WORK_PER_TICK units and stops after TIME_PER_TICK_MS,
// then yields to the event loop, so HTTP requests (health), new connections and SIGTERM are served
// between ticks. The next tick starts where the last one stopped, so no producer starves.
//
// A producer is stepped with the clock's time and the work it may do (one unit = one message, or
// 4 KiB of payload); it returns the work it did. What it could not do in its share is its to skip
// (a push lab skips due messages rather than catch up with a burst). A producer that throws is
// removed: one broken connection must not stop the others, or the process.
//
// Pure: no node:* imports; the timer and the clock are injected (tests drive them by hand).

export const PRODUCER_TICK_MS = 10;
/** work units one tick may do across all producers */
export const WORK_PER_TICK = 4000;
/** and the time one tick may take, ms: the rest of the period belongs to the event loop */
export const TIME_PER_TICK_MS = 4;
/**
 * a late tick may catch up at most this many periods' worth (100 ms: a busy machine still gets the
 * rate it asked for, but never a whole backlog; the tick's work bound applies on top)
 */
export const MAX_CATCH_UP_TICKS = 10;

/** Work units for one message of `bytes`: 1, plus one per 4 KiB. */
export function workUnits(bytes: number): number {
  return 1 + (bytes >>> 12);
}

/**
 * The most messages a producer at `rate` a second may have due after `elapsedMs`: its share of the
 * time, the time capped at MAX_CATCH_UP_TICKS periods, and at least one message.
 */
export function creditCap(rate: number): number {
  return Math.max(1, (rate * PRODUCER_TICK_MS * MAX_CATCH_UP_TICKS) / 1000);
}

export interface PushProducer {
  /** does up to `allowance` units of work at time `now` (ms); returns the units done */
  step(now: number, allowance: number): number;
}

export interface ClockTimers {
  now(): number;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export interface ProducerClockOptions {
  periodMs?: number;
  workPerTick?: number;
  timePerTickMs?: number;
  timers?: ClockTimers;
  /** told about a producer that threw (and was removed) */
  onError?: (err: unknown) => void;
}

const defaultTimers: ClockTimers = {
  now: () => performance.now(),
  setInterval: (fn, ms) => {
    const t = setInterval(fn, ms) as unknown as { unref?: () => void };
    t.unref?.(); // the clock never keeps a process alive on its own
    return t;
  },
  clearInterval: (h) => clearInterval(h as Parameters<typeof clearInterval>[0]),
};

export class ProducerClock {
  readonly periodMs: number;
  readonly workPerTick: number;
  readonly timePerTickMs: number;
  private readonly timers: ClockTimers;
  private readonly onError: (err: unknown) => void;
  private producers: PushProducer[] = [];
  private next = 0;
  private timer: unknown = null;
  /** ticks run, and ticks that ran out of work or time before every producer had its turn */
  ticks = 0;
  cutShort = 0;

  constructor(options: ProducerClockOptions = {}) {
    this.periodMs = options.periodMs ?? PRODUCER_TICK_MS;
    this.workPerTick = options.workPerTick ?? WORK_PER_TICK;
    this.timePerTickMs = options.timePerTickMs ?? TIME_PER_TICK_MS;
    this.timers = options.timers ?? defaultTimers;
    this.onError = options.onError ?? (() => {});
  }

  get size(): number {
    return this.producers.length;
  }

  get running(): boolean {
    return this.timer !== null;
  }

  /** Starts stepping `p` from the next tick; returns the function that stops it (idempotent). */
  add(p: PushProducer): () => void {
    this.producers.push(p);
    if (this.timer === null) this.timer = this.timers.setInterval(() => this.tick(), this.periodMs);
    return () => this.remove(p);
  }

  remove(p: PushProducer): void {
    const i = this.producers.indexOf(p);
    if (i < 0) return;
    this.producers.splice(i, 1);
    if (i < this.next) this.next--;
    if (this.next >= this.producers.length) this.next = 0;
    if (this.producers.length === 0 && this.timer !== null) {
      this.timers.clearInterval(this.timer);
      this.timer = null;
    }
  }

  /** One round: every producer in turn from where the last round stopped, within the tick's bounds. */
  tick(): void {
    this.ticks++;
    const list = this.producers;
    const total = list.length;
    if (total === 0) return;
    const started = this.timers.now();
    let work = this.workPerTick;
    // an equal share each, so the first in line cannot take the whole tick
    const share = Math.max(1, Math.ceil(work / total));
    let visited = 0;
    let i = this.next % total;
    while (visited < total && list.length > 0) {
      if (work <= 0 || this.timers.now() - started > this.timePerTickMs) {
        this.cutShort++;
        break;
      }
      const p = list[i];
      visited++;
      try {
        work -= Math.max(0, p.step(started, Math.min(share, work)) || 0);
      } catch (err) {
        this.onError(err);
        this.remove(p);
      }
      // a producer that stopped (or was removed) during its step left its index to the next one
      if (list[i] === p) i++;
      if (i >= list.length) i = 0;
    }
    this.next = i;
  }
}

/** The clock every push lab of this process shares. */
export const producerClock = new ProducerClock({
  onError: (err) => {
    try {
      console.error(`wslab: a push producer failed and was stopped: ${(err as Error)?.message ?? err}`);
    } catch {
      // nothing to do: the producer is already removed
    }
  },
});
