// Fuzzing the reader (RFC 6455 §10.4: a receiver must survive any bytes): 100,000+ inputs of
// random bytes and mutated valid streams, fed in random chunkings. The reader must never
// throw, never stop working from an internal error, finish each input in bounded time,
// report at most one violation (last), and never allocate a buffer above maxPayload — huge
// declared lengths end in 1009 (or 1002 for a set MSB) without allocating.
import { describe, expect, it } from 'vitest';
import { closePayload, concatBytes, createReader, encodeFrame, type FrameSpec, type ReaderOptions, type WireEvent } from '../../../server/core/wire/index.ts';

/** xorshift32: deterministic, fast, good enough for fuzzing */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

const DIRECTIONS = ['client', 'server', 'any'] as const;
const MAX_PAYLOADS = [0, 3, 125, 1009, 4096];

function validStream(next: () => number): Uint8Array {
  const masked = (next() & 1) === 1;
  const key = masked ? Uint8Array.of(next() & 255, next() & 255, next() & 255, next() & 255) : null;
  const specs: FrameSpec[] = [];
  const n = 1 + (next() % 4);
  for (let k = 0; k < n; k++) {
    const len = next() % 3 === 0 ? 126 + (next() % 300) : next() % 20;
    const payload = new Uint8Array(len).map(() => 0x20 + (next() % 90));
    const kind = next() % 5;
    if (kind === 0) specs.push({ opcode: 9, payload: payload.subarray(0, 125), maskingKey: key });
    else if (kind === 1) specs.push({ opcode: 1, fin: false, payload, maskingKey: key }, { opcode: 0, payload: payload.subarray(0, 5), maskingKey: key });
    else specs.push({ opcode: kind === 2 ? 1 : 2, payload, maskingKey: key });
  }
  if (next() % 4 === 0) specs.push({ opcode: 8, payload: closePayload(1000, 'bye'), maskingKey: key });
  return concatBytes(specs.map((s) => encodeFrame(s)));
}

function mutate(bytes: Uint8Array, next: () => number): Uint8Array {
  const out = bytes.slice();
  const edits = 1 + (next() % 4);
  for (let e = 0; e < edits && out.length > 0; e++) {
    const at = next() % out.length;
    const how = next() % 3;
    if (how === 0) out[at] = next() & 255;
    else if (how === 1) out[at] ^= 1 << (next() % 8);
    else out[at] = [0x00, 0x7e, 0x7f, 0xff, 0x80, 0xc0, 0xed][next() % 7];
  }
  return next() % 5 === 0 ? out.subarray(0, next() % (out.length + 1)) : out;
}

function randomBytes(next: () => number): Uint8Array {
  return new Uint8Array(next() % 64).map(() => next() & 255);
}

interface Outcome {
  events: WireEvent[];
  finish: unknown;
}

function feed(bytes: Uint8Array, opts: ReaderOptions, next: () => number, chunked: boolean): Outcome {
  const reader = createReader(opts);
  const events: WireEvent[] = [];
  let i = 0;
  while (i < bytes.length) {
    const step = chunked ? 1 + (next() % 9) : bytes.length;
    events.push(...reader.push(bytes.subarray(i, i + step)));
    i += step;
  }
  const finish = reader.finish();
  expect((reader as unknown as { internalError: unknown }).internalError).toBeNull();
  return { events, finish };
}

function summary(o: Outcome): string {
  return JSON.stringify([o.events.map((e) => (e.type === 'frame' ? [e.frame.offset, e.frame.opcode, e.frame.payloadLength, Buffer.from(e.frame.payload).toString('hex')] : e.violation)), o.finish]);
}

describe('RFC 6455 §10.4 robustness (fuzz)', () => {
  it('survives 100,000 random and mutated inputs in random chunkings', { timeout: 180_000 }, () => {
    const next = rng(0x5eed1234);
    const INPUTS = 100_000;
    let violations = 0;
    let frames = 0;
    let slowest = 0;
    for (let n = 0; n < INPUTS; n++) {
      const bytes = n % 2 === 0 ? randomBytes(next) : mutate(validStream(next), next);
      const opts: ReaderOptions = { direction: DIRECTIONS[next() % 3], maxPayload: MAX_PAYLOADS[next() % MAX_PAYLOADS.length], perMessageDeflate: (next() & 1) === 1 };
      const start = performance.now();
      const out = feed(bytes, opts, next, true);
      const took = performance.now() - start;
      if (took > slowest) slowest = took;
      const vs = out.events.filter((e) => e.type === 'violation');
      expect(vs.length).toBeLessThanOrEqual(1);
      if (vs.length === 1) {
        violations++;
        expect(out.events[out.events.length - 1]).toBe(vs[0]);
        const v = vs[0].type === 'violation' ? vs[0].violation : null;
        expect([1002, 1007, 1009]).toContain(v!.closeCode);
        expect(v!.offset).toBeGreaterThanOrEqual(0);
        expect(v!.offset).toBeLessThan(bytes.length);
        expect(out.finish).toBeNull();
      }
      for (const e of out.events) {
        if (e.type === 'frame') {
          frames++;
          expect(e.frame.payload.length).toBeLessThanOrEqual(opts.maxPayload!);
          expect(e.frame.payload.length).toBe(e.frame.payloadLength);
        }
      }
      // Every 10th input: the verdict must not depend on the chunking.
      if (n % 10 === 0) expect(summary(out)).toBe(summary(feed(bytes, opts, next, false)));
    }
    // "Never hangs": no input takes anywhere near a hang's time. The bound is loose on purpose
    // (shared, loaded machines pause for GC and scheduling); speed itself is measured by npm run bench.
    expect(slowest).toBeLessThan(5_000);
    // The corpus reaches both outcomes often (a fuzzer that only ever fails at byte 0 proves little).
    expect(violations).toBeGreaterThan(INPUTS / 4);
    expect(frames).toBeGreaterThan(INPUTS / 4);
  });

  it('huge declared lengths end in a violation and never allocate more than maxPayload', () => {
    const next = rng(0xbadc0de);
    const Original = globalThis.Uint8Array;
    let largest = 0;
    globalThis.Uint8Array = new Proxy(Original, {
      construct(target, args, newTarget) {
        // new Uint8Array(n) allocates n bytes; new Uint8Array(slab, offset, n) carves n bytes
        // out of the decoder's shared 64 KiB slab for small payloads (counted the same way).
        const n = typeof args[0] === 'number' ? args[0] : typeof args[2] === 'number' ? args[2] : 0;
        if (n > largest) largest = n;
        return Reflect.construct(target, args, newTarget);
      },
    });
    const kinds = new Map<string, number>();
    try {
      for (let n = 0; n < 10_000; n++) {
        const maxPayload = [0, 10, 125, 1009][n % 4];
        const hi = next() % 4 === 0 ? next() >>> 0 : next() % 0x200000;
        const lo = next() >>> 0;
        const header = Original.of(0x82, 0xff, hi >>> 24, (hi >>> 16) & 255, (hi >>> 8) & 255, hi & 255, lo >>> 24, (lo >>> 16) & 255, (lo >>> 8) & 255, lo & 255, 1, 2, 3, 4);
        const reader = createReader({ direction: 'client', maxPayload });
        const events = [...reader.push(header.subarray(0, 5)), ...reader.push(header.subarray(5)), ...reader.push(new Original(64))];
        const len = hi * 2 ** 32 + lo;
        if (len <= maxPayload) continue;
        expect(events.length).toBe(1);
        const v = events[0].type === 'violation' ? events[0].violation : null;
        expect(v).not.toBeNull();
        const expected = hi >= 0x80000000 ? ['LENGTH_MSB_SET', 1002] : ['PAYLOAD_TOO_BIG', 1009];
        expect([v!.kind, v!.closeCode, v!.offset]).toEqual([...expected, 2]);
        kinds.set(v!.kind, (kinds.get(v!.kind) ?? 0) + 1);
      }
    } finally {
      globalThis.Uint8Array = Original;
    }
    expect(largest).toBeLessThanOrEqual(1009);
    expect(kinds.get('PAYLOAD_TOO_BIG')).toBeGreaterThan(1000);
    expect(kinds.get('LENGTH_MSB_SET')).toBeGreaterThan(100);
  });

  it('a 1 GiB declared length with the default limit fails with 1009 before any payload arrives', () => {
    const reader = createReader({ direction: 'server' });
    const events = reader.push(encodeFrame({ opcode: 2, lengthOverride: 2 ** 30 }));
    expect(events.map((e) => (e.type === 'violation' ? [e.violation.kind, e.violation.closeCode, e.violation.offset] : e.type))).toEqual([['PAYLOAD_TOO_BIG', 1009, 2]]);
  });
});
