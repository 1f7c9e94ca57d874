// What the presenter page computes for a room of hundreds: which roster groups to draw (only those
// near the scrolled-to place: a window over the participants), the connections per state, and the
// room's messages per second. Pure: no React, no DOM.
import type { RosterRow } from './model.ts';

/** The presenter page redraws its roster and totals at most this often, ms (twice a second). */
export const PRESENTER_TICK_MS = 500;

export interface RosterWindow {
  /** the groups to draw: rows[start] .. rows[end - 1] */
  start: number;
  end: number;
  /** px above the first drawn group and below the last one (the spacers) */
  top: number;
  bottom: number;
}

/**
 * Which participants' groups to draw. Group i is `lines[i]` rows of `lineHeight` px plus
 * `groupExtra` px (its top border); the box shows `viewHeight` px from `scrollTop`, and `overscan`
 * px more are drawn on each side so a fast scroll or a Tab to the next button finds rows there.
 * `keep` (a focused group) is drawn too when it is near, so focus is not lost under the keyboard.
 */
export function rosterWindow(
  lines: readonly number[],
  geometry: { lineHeight: number; groupExtra: number },
  scrollTop: number,
  viewHeight: number,
  overscan: number,
  keep = -1,
): RosterWindow {
  const from = Math.max(0, scrollTop - overscan);
  const to = scrollTop + viewHeight + overscan;
  let y = 0;
  let start = lines.length;
  let end = lines.length;
  let top = 0;
  let drawnBottom = 0;
  for (let i = 0; i < lines.length; i++) {
    const h = Math.max(1, lines[i]) * geometry.lineHeight + geometry.groupExtra;
    if (start === lines.length && y + h > from) {
      start = i;
      top = y;
    }
    if (start !== lines.length && y >= to) {
      end = i;
      drawnBottom = y;
      break;
    }
    y += h;
  }
  let total = y;
  if (end === lines.length) {
    drawnBottom = y;
  } else {
    for (let i = end; i < lines.length; i++) total += Math.max(1, lines[i]) * geometry.lineHeight + geometry.groupExtra;
  }
  if (start === lines.length) return { start: lines.length, end: lines.length, top: total, bottom: 0 };
  // a focused group just outside the window (at most 40 groups away) is drawn with the groups in between
  if (keep >= 0 && keep < lines.length && (keep < start ? start - keep : keep - end + 1) <= 40) {
    while (keep < start) {
      start--;
      top -= Math.max(1, lines[start]) * geometry.lineHeight + geometry.groupExtra;
    }
    while (keep >= end) {
      drawnBottom += Math.max(1, lines[end]) * geometry.lineHeight + geometry.groupExtra;
      end++;
    }
  }
  return { start, end, top: Math.max(0, top), bottom: Math.max(0, total - drawnBottom) };
}

export interface StateCounts {
  open: number;
  connecting: number;
  closing: number;
  /** closed within the last CLOSED_KEPT_MS (still listed) */
  closed: number;
}

/** The roster's connections per state. */
export function stateCounts(rows: readonly RosterRow[]): StateCounts {
  const out: StateCounts = { open: 0, connecting: 0, closing: 0, closed: 0 };
  for (const r of rows) for (const c of r.conns) out[c.state]++;
  return out;
}

/**
 * The room's data messages per second, each way. Each event is looked at once (walking back from
 * the newest to the last one seen), so the cost per event is O(1) however often the rate is read;
 * the rate is the count over the last second or so of samples.
 */
export class MessageRate {
  private seenSeq = -1;
  private c2s = 0;
  private s2c = 0;
  private samples: { t: number; c2s: number; s2c: number }[] = [];

  constructor(private readonly windowMs = 1000) {}

  /** Counts the events newer than the last call; returns messages per second at `now` (ms). */
  update(events: readonly { seq: number; type: string; dir?: string }[], now: number): { c2s: number; s2c: number } {
    const newest = events.length ? events[events.length - 1].seq : this.seenSeq;
    // the first call only marks where counting starts: the history a page opens with is not "now"
    if (this.seenSeq >= 0) {
      for (let i = events.length - 1; i >= 0 && events[i].seq > this.seenSeq; i--) {
        const e = events[i];
        if (e.type !== 'message') continue;
        if (e.dir === 'c2s') this.c2s++;
        else this.s2c++;
      }
    }
    this.seenSeq = Math.max(this.seenSeq, newest);
    this.samples.push({ t: now, c2s: this.c2s, s2c: this.s2c });
    // keep the newest sample at least windowMs old, and the ones after it
    while (this.samples.length > 2 && now - this.samples[1].t >= this.windowMs) this.samples.shift();
    const first = this.samples[0];
    const span = now - first.t;
    if (span <= 0) return { c2s: 0, s2c: 0 };
    return { c2s: ((this.c2s - first.c2s) * 1000) / span, s2c: ((this.s2c - first.s2c) * 1000) / span };
  }
}
