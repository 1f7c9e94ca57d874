// The presenter page's arithmetic for a room of hundreds: which roster groups are drawn for a
// scroll position (and the spacers' heights, so the scrollbar stays true), the connections per
// state, and messages per second counted once per event.
import { describe, expect, it } from 'vitest';
import { MessageRate, rosterWindow, stateCounts } from '../../web/src/workshop/roster-window.ts';
import type { RosterConn, RosterRow } from '../../web/src/workshop/model.ts';

const geometry = { lineHeight: 40, groupExtra: 2 };
const ones = (n: number) => Array.from({ length: n }, () => 1);

describe('rosterWindow', () => {
  it('draws only the groups within the view and the overscan, with spacers for the rest', () => {
    // 500 groups of 42 px; view 600 px from 21,000 px (group 500 starts there), 126 px overscan (3 groups)
    const w = rosterWindow(ones(500), geometry, 21_000, 600, 126);
    expect(w).toEqual({ start: 497, end: 500, top: 497 * 42, bottom: 0 });
    const mid = rosterWindow(ones(500), geometry, 4200, 420, 84);
    // from 4116 px (group 98) to 4704 px (group 112 starts there: not drawn)
    expect(mid).toEqual({ start: 98, end: 112, top: 98 * 42, bottom: (500 - 112) * 42 });
    expect(mid.top + (mid.end - mid.start) * 42 + mid.bottom).toBe(500 * 42);
  });

  it('at the top draws from the first group; a group of several connections is that many lines tall', () => {
    const lines = [3, 1, 0, 2, ...ones(100)];
    const w = rosterWindow(lines, geometry, 0, 200, 0);
    // 122, 42, 42 (no connection: one line), 82: the fourth starts at 206 px, past the view
    expect(w).toEqual({ start: 0, end: 3, top: 0, bottom: 82 + 100 * 42 });
  });

  it('keeps a focused group near the window drawn, with the groups in between; not one far away', () => {
    const near = rosterWindow(ones(500), geometry, 4200, 420, 0, 95);
    expect(near.start).toBe(95);
    expect(near.top).toBe(95 * 42);
    const far = rosterWindow(ones(500), geometry, 4200, 420, 0, 400);
    expect(far.end).toBe(110);
  });

  it('an empty roster, or one scrolled past its end, draws nothing', () => {
    expect(rosterWindow([], geometry, 0, 600, 100)).toEqual({ start: 0, end: 0, top: 0, bottom: 0 });
    expect(rosterWindow(ones(3), geometry, 10_000, 600, 0)).toEqual({ start: 3, end: 3, top: 126, bottom: 0 });
  });
});

describe('stateCounts', () => {
  it('counts the roster connections per state', () => {
    const c = (state: RosterConn['state']) => ({ state }) as RosterConn;
    const rows = [
      { id: 'p1', name: 'Ada', conns: [c('open'), c('closed')], live: 1 },
      { id: 'p2', name: 'Grace', conns: [], live: 0 },
      { id: 'p3', name: 'Linus', conns: [c('open'), c('connecting'), c('closing')], live: 3 },
    ] as RosterRow[];
    expect(stateCounts(rows)).toEqual({ open: 2, connecting: 1, closing: 1, closed: 1 });
  });
});

describe('MessageRate', () => {
  const events: { seq: number; type: string; dir?: string }[] = [];
  let seq = 0;
  const add = (n: number, dir: 'c2s' | 's2c') => {
    for (let i = 0; i < n; i++) {
      events.push({ seq: ++seq, type: 'frame', dir });
      events.push({ seq: ++seq, type: 'message', dir });
    }
  };

  it('does not count the history the page opened with; then counts each message event once, per second', () => {
    const rate = new MessageRate(1000);
    add(300, 'c2s');
    expect(rate.update(events, 0)).toEqual({ c2s: 0, s2c: 0 });
    add(250, 'c2s');
    add(250, 's2c');
    expect(rate.update(events, 500)).toEqual({ c2s: 500, s2c: 500 });
    // nothing new: the same events are not counted again
    add(250, 'c2s');
    expect(rate.update(events, 1000)).toEqual({ c2s: 500, s2c: 250 });
    expect(rate.update(events, 1500)).toEqual({ c2s: 250, s2c: 0 });
    expect(rate.update(events, 2000)).toEqual({ c2s: 0, s2c: 0 });
  });
});
