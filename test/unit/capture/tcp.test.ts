// TCP reassembly (server/core/capture/tcp.ts): whatever order segments arrive in, however often
// they are retransmitted or overlap, and wherever the sequence numbers wrap, the stream comes out
// once and in order; a hole is reported, never papered over; memory stays within its bound.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TcpHalf } from '../../../server/core/capture/tcp.ts';

function joined(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Cuts [0, len) into segments at the given points, plus retransmitted ranges (same bytes). */
const scenario = fc
  .record({
    data: fc.uint8Array({ minLength: 0, maxLength: 3000 }),
    isn: fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0xffffff00, max: 0xffffffff })),
    cuts: fc.array(fc.nat(), { maxLength: 40 }),
    extra: fc.array(fc.tuple(fc.nat(), fc.nat({ max: 600 })), { maxLength: 10 }),
    order: fc.array(fc.nat(), { maxLength: 80 }),
    syn: fc.boolean(),
  })
  .map(({ data, isn, cuts, extra, order, syn }) => {
    const points = [...new Set(cuts.map((c) => (data.length ? c % data.length : 0)))].sort((a, b) => a - b);
    const bounds = [0, ...points.filter((p) => p > 0), data.length];
    const segs: [number, number][] = [];
    for (let i = 0; i + 1 < bounds.length; i++) if (bounds[i + 1] > bounds[i]) segs.push([bounds[i], bounds[i + 1]]);
    for (const [start, len] of extra) {
      if (!data.length) break;
      const s = start % data.length;
      if (len > 0) segs.push([s, Math.min(data.length, s + len)]);
    }
    // A shuffle driven by `order`, but the first segment carrying byte 0 stays first when there is no SYN
    // (without a SYN the first segment seen defines where the stream starts).
    const shuffled = segs.slice();
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = (order[i % Math.max(1, order.length)] ?? 0) % (i + 1);
      [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
    }
    if (!syn) {
      const k = shuffled.findIndex(([s]) => s === 0);
      if (k > 0) shuffled.unshift(...shuffled.splice(k, 1));
    }
    return { data, isn, segs: shuffled, syn };
  });

describe('TCP reassembly of one direction', () => {
  it('delivers every byte once and in order, whatever the arrival order, retransmissions, overlaps and sequence wrap', () => {
    fc.assert(
      fc.property(scenario, ({ data, isn, segs, syn }) => {
        const half = new TcpHalf(1 << 20, 10_000);
        const out: Uint8Array[] = [];
        const first = syn ? (isn + 1) >>> 0 : isn;
        if (syn) out.push(...half.push(isn, new Uint8Array(0), true));
        for (const [s, e] of segs) out.push(...half.push((first + s) >>> 0, data.subarray(s, e), false));
        expect(half.finish()).toBeNull();
        expect(Buffer.from(joined(out)).equals(Buffer.from(data))).toBe(true);
        expect(half.delivered).toBe(data.length);
      }),
      { numRuns: 1500 },
    );
  });

  it('stops at a hole the capture never filled: the bytes before it come out, the rest is reported with where it lies', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 20, maxLength: 2000 }), fc.nat(), fc.integer({ min: 1, max: 15 }), fc.integer({ min: 0, max: 0xffffffff }), (data, at, holeLen, isn) => {
        const hole = 1 + (at % (data.length - holeLen - 1));
        const half = new TcpHalf();
        const out = [...half.push(isn, new Uint8Array(0), true)];
        out.push(...half.push((isn + 1) >>> 0, data.subarray(0, hole), false));
        out.push(...half.push((isn + 1 + hole + holeLen) >>> 0, data.subarray(hole + holeLen), false));
        expect(Buffer.from(joined(out)).equals(Buffer.from(data.subarray(0, hole)))).toBe(true);
        expect(half.finish()).toBe(`${data.length - hole - holeLen} bytes from byte ${hole + holeLen} on were captured but the bytes from ${hole} to ${hole + holeLen} never were (a lost segment)`);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps at most its bound of bytes and segments waiting behind a hole, then says so and drops them', () => {
    const half = new TcpHalf(1000, 50);
    half.push(100, new Uint8Array(0), true);
    let delivered = 0;
    for (let i = 0; i < 100_000; i++) delivered += half.push(101 + 10 + i * 10, new Uint8Array(10), false).length;
    expect(delivered).toBe(0);
    expect(half.error).toBe('more than 1000 bytes or 50 segments arrived after a hole at byte 0 that the capture never filled (a lost segment)');
    // Nothing is delivered after the stop, even the missing bytes.
    expect(half.push(101, new Uint8Array(10), false)).toEqual([]);
  });

  it('treats a segment the snapshot length cut as a hole right after its captured bytes', () => {
    const half = new TcpHalf();
    half.push(0, new Uint8Array(0), true);
    const out = half.push(1, Uint8Array.of(1, 2, 3), false, 97);
    expect(joined(out)).toEqual(Uint8Array.of(1, 2, 3));
    expect(half.error).toBe('the capture kept only 3 of the 100 bytes of a segment (snapshot length), so this direction\'s stream has a hole at byte 3');
  });

  it('fuzz: random sequence numbers, SYNs, cut lengths and payloads never throw, never deliver more than was fed, and stop within the bound', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ seq: fc.integer({ min: 0, max: 0xffffffff }), len: fc.nat({ max: 2000 }), syn: fc.boolean(), cut: fc.oneof(fc.constant(0), fc.nat({ max: 5000 })) }), { maxLength: 300 }),
        (segs) => {
          const half = new TcpHalf(8192, 64);
          let fed = 0;
          let got = 0;
          for (const s of segs) {
            fed += s.len;
            for (const p of half.push(s.seq, new Uint8Array(s.len), s.syn, s.cut)) got += p.length;
          }
          const problem = half.finish();
          expect(got).toBeLessThanOrEqual(fed);
          expect(got).toBe(half.delivered);
          if (problem !== null) expect(problem).toMatch(/^(more than|the capture kept only|\d+ bytes from byte)/);
        },
      ),
      { numRuns: 5000 },
    );
  });
});
