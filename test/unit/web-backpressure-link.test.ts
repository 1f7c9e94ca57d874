// The backpressure lab's view of the consumer's link: conditions and forwarded bytes per second.
import { describe, expect, test } from 'vitest';
import { trackLink, type LinkView } from '../../web/src/labs/stream.ts';
import type { EventOf } from '../../server/core/events/schema.ts';

const counters = (forwarded: number, held: number) => ({ c2s: { read: 0, forwarded: 0, held: 0, dropped: 0 }, s2c: { read: forwarded + held, forwarded, held, dropped: 0 } });
const conditions = { latencyMs: 0, jitterMs: 0, c2sBytesPerSec: 0, s2cBytesPerSec: 100_000, blackhole: false, pauseClient: false, pauseServer: false };
const ev = (t: number, body: Partial<EventOf<'link'>>) => ({ v: 1, seq: t, t, type: 'link', link: 'L1', conn: 'c1', action: 'stats', ...body }) as EventOf<'link'>;

describe('trackLink', () => {
  test('keeps the latest conditions and turns forwarded counters into bytes per second', () => {
    const map = new Map<string, LinkView>();
    trackLink(map, ev(1000, { action: 'config', conditions }));
    trackLink(map, ev(1500, { counters: counters(50_000, 4096) }));
    trackLink(map, ev(2000, { counters: counters(100_000, 4096) }));
    const v = map.get('c1')!;
    expect(v.conditions).toEqual(conditions);
    expect(v.series.t).toEqual([1500, 2000]);
    expect(v.series.cols[0]).toEqual([100_000, 100_000]);
    expect(v.series.cols[1]).toEqual([4096, 4096]);
    trackLink(map, ev(2500, { action: 'config', conditions: { ...conditions, pauseServer: true } }));
    expect(map.get('c1')!.conditions!.pauseServer).toBe(true);
  });
});
