// The head-of-line blocking lab's arithmetic (web/src/labs/hol/model.ts): frame sizes on the wire,
// transfer times at a link rate, the settings refused, what a run showed and the timeline's bars.
import { describe, expect, test } from 'vitest';
import { frameBytes, msLabel, niceCeil, outcome, settingsProblem, sizeLabel, timeline, transferMs, urgentText, URGENT_BYTES, type HolRun } from '../../web/src/labs/hol/model.ts';

function run(n: number, mode: 'one' | 'two', bulkAck: number | null, urgentAck: number | null, bulkT: number | null, urgentT: number | null): HolRun {
  return {
    n,
    settings: { mode, bulkBytes: 1048576, bytesPerSec: 500_000 },
    bulk: { bytes: 1048576, conn: 'c1', ackMs: bulkAck, serverT: bulkT },
    urgent: { bytes: 10, conn: mode === 'one' ? 'c1' : 'c2', ackMs: urgentAck, serverT: urgentT },
    bufferedAfterSend: 0,
    state: bulkAck === null ? 'running' : 'done',
    problem: null,
  };
}

describe('hol model', () => {
  test('a masked client frame: 6 bytes of header under 126, 8 up to 65535, 14 above', () => {
    expect(frameBytes(10)).toBe(16);
    expect(frameBytes(125)).toBe(131);
    expect(frameBytes(126)).toBe(134);
    expect(frameBytes(65535)).toBe(65543);
    expect(frameBytes(65536)).toBe(65550);
    expect(frameBytes(1048576)).toBe(1048590);
  });

  test('transfer time: frame bytes over the rate', () => {
    expect(transferMs(1048576, 500_000)).toBeCloseTo(2097.18, 2);
    expect(transferMs(10, 200_000)).toBeCloseTo(0.08, 5);
  });

  test('the urgent text is always URGENT_BYTES long', () => {
    for (const n of [1, 7, 42, 999, 1000, 12345]) expect(new TextEncoder().encode(urgentText(n)).length).toBe(URGENT_BYTES);
    expect(urgentText(7)).toBe('urgent 007');
  });

  test('settings: rates outside 10,000..10,000,000, unknown sizes and runs over 30 s are refused with a sentence', () => {
    expect(settingsProblem({ mode: 'one', bulkBytes: 1048576, bytesPerSec: 500_000 })).toBeNull();
    expect(settingsProblem({ mode: 'one', bulkBytes: 1048576, bytesPerSec: 9_999 })).toMatch(/from 10,000 to 10,000,000/);
    expect(settingsProblem({ mode: 'two', bulkBytes: 1000, bytesPerSec: 500_000 })).toBe('Pick one of the bulk sizes offered.');
    expect(settingsProblem({ mode: 'one', bulkBytes: 4194304, bytesPerSec: 100_000 })).toMatch(/would take 42 s/);
    expect(settingsProblem({ mode: 'one', bulkBytes: 4194304, bytesPerSec: 140_000 })).toBeNull();
  });

  test('outcome: queued when the server had the urgent message after the bulk one; null while in flight', () => {
    expect(outcome(run(1, 'one', 2100, 2101, 5000, 5000.5))).toEqual({ queued: true, waitedMs: expect.closeTo(2101 - 0.032, 3) });
    expect(outcome(run(2, 'two', 2100, 3, 5000, 2900))!.queued).toBe(false);
    expect(outcome(run(3, 'two', null, 3, null, 2900))).toBeNull();
  });

  test('timeline: one rounded scale for every run, bars as percentages of it, the ideal line where the bulk frame would end', () => {
    const t = timeline([run(1, 'one', 2200, 2201, 10, 11), run(2, 'two', 2150, 4, 30, 20), run(3, 'two', null, 5, null, 40)]);
    expect(t.scaleMs).toBe(5000);
    expect(t.ticks).toEqual([0, 1000, 2000, 3000, 4000, 5000]);
    expect(t.rows.map((r) => r.bars.map((b) => (b.percent === null ? null : Math.round(b.percent * 100) / 100)))).toEqual([
      [44, 44.02],
      [43, 0.08],
      [null, 0.1],
    ]);
    expect(t.rows.map((r) => r.bars[1].queued)).toEqual([true, false, false]);
    expect(t.rows[0].idealPercent).toBeCloseTo(41.94, 2);
    expect(t.rows[0].bars.map((b) => b.label)).toEqual(['bulk, 1 MiB', 'urgent, 10 B']);
  });

  test('labels', () => {
    expect([niceCeil(0), niceCeil(1), niceCeil(1.2), niceCeil(430), niceCeil(2001), niceCeil(5000)]).toEqual([1, 1, 2, 500, 5000, 5000]);
    expect([sizeLabel(262144), sizeLabel(4194304), sizeLabel(10), sizeLabel(1500)]).toEqual(['256 KiB', '4 MiB', '10 B', '1500 B']);
    expect([msLabel(null), msLabel(2.345), msLabel(1966.4)]).toEqual(['—', '2.3 ms', '1,966 ms']);
  });
});
