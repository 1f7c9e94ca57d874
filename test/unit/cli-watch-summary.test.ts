// The --summary aggregator of `wslab watch`: events in, one line per window out.
import { describe, expect, test } from 'vitest';
import { formatSummary, SummaryAggregator } from '../../server/cli/watch-summary.ts';

const frame = (seq: number, dir: 'c2s' | 's2c', opcode: number, headerLength: number, payloadLength: number) => ({ seq, type: 'frame', conn: 'c1', dir, opcode, headerLength, payloadLength });

describe('watch --summary aggregator', () => {
  test('counts frames per opcode and wire bytes per direction, then starts a fresh window', () => {
    const agg = new SummaryAggregator();
    agg.setBaseline(0, 1);
    agg.add({ seq: 1, type: 'conn.open', conn: 'c1' });
    agg.add(frame(2, 'c2s', 1, 6, 10)); // masked text: 2 + 4 header bytes
    agg.add(frame(3, 's2c', 1, 2, 10));
    agg.add(frame(4, 's2c', 9, 2, 4)); // a heartbeat ping "hb:1"
    agg.add(frame(5, 'c2s', 10, 6, 4));
    agg.add(frame(6, 'c2s', 1, 6, 10));
    const w = agg.take();
    expect(formatSummary(w, '12:00:01')).toBe('12:00:01  conns 1  frames/s 5 (TEXT 3, PING 1, PONG 1)  bytes/s 60 (in 42, out 18)');
    expect(formatSummary(agg.take(), '12:00:02')).toBe('12:00:02  conns 1  frames/s 0  bytes/s 0 (in 0, out 0)');
  });

  test('rates are per second over the window length', () => {
    const agg = new SummaryAggregator();
    for (let i = 0; i < 300; i++) agg.add(frame(i + 1, 's2c', 2, 4, 1000));
    expect(formatSummary(agg.take(), '00:00:00', 2)).toBe('00:00:00  conns 0  frames/s 150 (BINARY 150)  bytes/s 150,600 (in 0, out 150,600)');
  });

  test('connections: the server count at the baseline seq, then only later opens and closes move it', () => {
    const agg = new SummaryAggregator();
    agg.setBaseline(3, 10);
    agg.add({ seq: 8, type: 'conn.open', conn: 'old' }); // already in the count of 3
    agg.add({ seq: 9, type: 'close', conn: 'gone' }); // already out of it
    expect(agg.connections).toBe(3);
    agg.add({ seq: 10, type: 'conn.open', conn: 'n1' });
    agg.add({ seq: 11, type: 'conn.open', conn: 'n2' });
    expect(agg.connections).toBe(5);
    agg.add({ seq: 12, type: 'close', conn: 'n1' }); // opened after the baseline
    agg.add({ seq: 13, type: 'close', conn: 'before' }); // one of the three
    expect(agg.connections).toBe(3);
    for (let s = 14; s < 20; s++) agg.add({ seq: s, type: 'close', conn: `x${s}` });
    expect(agg.connections).toBe(1); // n2; never below zero
  });

  test('unknown opcodes print as OP0xN after the known ones, in a fixed order', () => {
    const agg = new SummaryAggregator();
    agg.add(frame(1, 'c2s', 3, 6, 0));
    agg.add(frame(2, 's2c', 8, 2, 2));
    agg.add(frame(3, 's2c', 0, 2, 5));
    agg.add(frame(4, 's2c', 2, 2, 5));
    expect(formatSummary(agg.take(), '01:02:03')).toBe('01:02:03  conns 0  frames/s 4 (BINARY 1, CONT 1, CLOSE 1, OP0x3 1)  bytes/s 24 (in 6, out 18)');
  });
});
