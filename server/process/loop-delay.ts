// How late the event loop ran, as the server sees it: timers firing late because the loop was busy
// or the process was not on a CPU. Reported by GET /__wslab/health for the latest complete window,
// so a slow answer can be told apart: the server's own work (the delay is high) or the way there
// (the delay is low).
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** The window the delay is measured over. */
export const LOOP_WINDOW_MS = 10_000;

export interface LoopDelay {
  windowMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export class LoopDelayMonitor {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private readonly timer: NodeJS.Timeout;
  private last: LoopDelay | null = null;

  constructor(windowMs = LOOP_WINDOW_MS) {
    this.histogram.enable();
    this.timer = setInterval(() => {
      this.last = this.read(windowMs);
      this.histogram.reset();
    }, windowMs);
    this.timer.unref();
  }

  private read(windowMs: number): LoopDelay {
    const ms = (ns: number) => Math.round(ns / 1e4) / 100;
    const h = this.histogram;
    return h.count === 0 ? { windowMs, p50Ms: 0, p99Ms: 0, maxMs: 0 } : { windowMs, p50Ms: ms(h.percentile(50)), p99Ms: ms(h.percentile(99)), maxMs: ms(h.max) };
  }

  /** The latest complete window (null during the first). */
  get latest(): LoopDelay | null {
    return this.last;
  }

  close(): void {
    clearInterval(this.timer);
    this.histogram.disable();
  }
}
