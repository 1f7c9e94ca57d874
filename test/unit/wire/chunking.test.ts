// RFC 6455 §5.2 / §5.4: the decoder is incremental. Property tests (fast-check): valid frame
// sequences survive encode → split anywhere → decode unchanged, and the verdict (frames and
// violation) of any byte stream does not depend on how it was chunked.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createReader, encodeFrame, type Frame, type FrameSpec, type ReaderOptions, type WireEvent } from '../../../server/core/wire/index.ts';

const enc = new TextEncoder();

/** A data message split into fragments, with control frames injected between them (§5.4). */
const messageArb = (masked: boolean) =>
  fc
    .record({
      kind: fc.constantFrom('text', 'binary', 'ping', 'pong'),
      text: fc.string({ unit: 'grapheme', maxLength: 40 }),
      bytes: fc.uint8Array({ maxLength: 400 }),
      big: fc.integer({ min: 0, max: 9 }).map((x) => x === 0),
      cuts: fc.array(fc.nat(), { maxLength: 3 }),
      injected: fc.option(fc.uint8Array({ maxLength: 125 }), { nil: undefined }),
      key: fc.uint8Array({ minLength: 4, maxLength: 4 }),
    })
    .map(({ kind, text, bytes, big, cuts, injected, key }): FrameSpec[] => {
      const maskingKey = masked ? key : null;
      if (kind === 'ping' || kind === 'pong') return [{ opcode: kind === 'ping' ? 9 : 10, payload: bytes.subarray(0, 125), maskingKey }];
      let payload = kind === 'text' ? enc.encode(text) : bytes;
      if (big && kind === 'binary') payload = new Uint8Array(70_000).map((_, i) => (i * 7 + bytes.length) & 0xff);
      // Cut anywhere, even inside a UTF-8 character: that is allowed across fragments.
      const points = [...new Set(cuts.map((c) => c % (payload.length + 1)))].sort((a, b) => a - b);
      const pieces: Uint8Array[] = [];
      let last = 0;
      for (const p of points) {
        pieces.push(payload.subarray(last, p));
        last = p;
      }
      pieces.push(payload.subarray(last));
      const specs: FrameSpec[] = [];
      pieces.forEach((piece, i) => {
        specs.push({ opcode: i === 0 ? (kind === 'text' ? 1 : 2) : 0, fin: i === pieces.length - 1, payload: piece, maskingKey });
        if (i === 0 && pieces.length > 1 && injected) specs.push({ opcode: 9, payload: injected, maskingKey });
      });
      return specs;
    });

const streamArb = fc.boolean().chain((masked) =>
  fc.record({
    masked: fc.constant(masked),
    messages: fc.array(messageArb(masked), { maxLength: 6 }),
    close: fc.option(fc.tuple(fc.constantFrom(1000, 1001, 1011, 4000), fc.string({ maxLength: 20 })), { nil: undefined }),
  }),
);

function expectedFrames(specs: FrameSpec[]): { bytes: Uint8Array; frames: Frame[] } {
  const parts = specs.map((s) => encodeFrame(s));
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  const frames: Frame[] = [];
  let at = 0;
  specs.forEach((s, i) => {
    bytes.set(parts[i], at);
    const len = s.payload!.length;
    const lengthBits = len < 126 ? 7 : len < 65536 ? 16 : 64;
    frames.push({
      offset: at,
      fin: s.fin ?? true,
      rsv1: false,
      rsv2: false,
      rsv3: false,
      opcode: s.opcode,
      masked: s.maskingKey != null,
      maskingKey: s.maskingKey ?? null,
      payloadLength: len,
      headerLength: parts[i].length - len,
      lengthBits,
      payload: s.payload!,
    });
    at += parts[i].length;
  });
  return { bytes, frames };
}

function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let last = 0;
  for (const p of points) {
    chunks.push(bytes.slice(last, p));
    last = p;
  }
  chunks.push(bytes.slice(last));
  return chunks;
}

interface Verdict {
  events: WireEvent[];
  incomplete: ReturnType<ReturnType<typeof createReader>['finish']>;
  offset: number;
}

/** Payloads as base64 strings: deep-comparing 70 KB typed arrays element by element is slow. */
function norm(e: WireEvent): unknown {
  return e.type === 'frame' ? { ...e.frame, payload: Buffer.from(e.frame.payload).toString('base64'), maskingKey: e.frame.maskingKey && [...e.frame.maskingKey] } : e;
}

function run(chunks: Uint8Array[], opts: ReaderOptions): Verdict {
  const reader = createReader(opts);
  const events: WireEvent[] = [];
  for (const c of chunks) events.push(...reader.push(c));
  return { events: events.map(norm) as WireEvent[], incomplete: reader.finish(), offset: reader.offset };
}

describe('RFC 6455 §5.2 incremental decoding (property tests)', () => {
  it('any valid frame sequence survives encode → split at random points → decode unchanged', () => {
    fc.assert(
      fc.property(streamArb, fc.array(fc.nat(), { maxLength: 12 }), ({ masked, messages, close }, cuts) => {
        const specs = messages.flat();
        if (close) specs.push({ opcode: 8, payload: new Uint8Array([close[0] >> 8, close[0] & 0xff, ...enc.encode(close[1]).subarray(0, 123)]), maskingKey: masked ? Uint8Array.of(9, 8, 7, 6) : null });
        const { bytes, frames } = expectedFrames(specs);
        const direction = masked ? 'client' : 'server';
        const verdict = run(split(bytes, cuts), { direction });
        expect(verdict.events.filter((e) => e.type === 'violation')).toEqual([]);
        expect(verdict.events).toEqual(frames.map((frame) => norm({ type: 'frame', frame })));
        expect(verdict.incomplete).toBeNull();
        expect(verdict.offset).toBe(bytes.length);
      }),
      { numRuns: 300 },
    );
  });

  it('one byte at a time gives exactly what one chunk gives', () => {
    fc.assert(
      fc.property(streamArb, ({ messages }) => {
        const { bytes } = expectedFrames(messages.flat().filter((s) => s.payload!.length < 1000));
        const whole = run([bytes], { direction: 'any' });
        const bytewise = run(Array.from(bytes, (b) => Uint8Array.of(b)), { direction: 'any' });
        expect(bytewise).toEqual(whole);
      }),
      { numRuns: 100 },
    );
  });

  it('the verdict on random (mostly invalid) streams does not depend on chunking', () => {
    const opts = fc.record({
      direction: fc.constantFrom('client', 'server', 'any') as fc.Arbitrary<'client' | 'server' | 'any'>,
      maxPayload: fc.constantFrom(0, 5, 125, 1009, 70_000),
      perMessageDeflate: fc.boolean(),
    });
    // Random bytes biased toward plausible headers, so deeper rules are reached too.
    const bytesArb = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc.array(fc.tuple(fc.constantFrom(0x81, 0x01, 0x80, 0x00, 0x82, 0x88, 0x89, 0x8a, 0xc1, 0x41), fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 20 })), { maxLength: 12 }).map((fs) =>
        Uint8Array.from(fs.flatMap(([b0, b1, rest]) => [b0, b1, ...rest])),
      ),
    );
    fc.assert(
      fc.property(bytesArb, opts, fc.array(fc.nat(), { maxLength: 10 }), (bytes, o, cuts) => {
        const whole = run([bytes], o);
        expect(run(split(bytes, cuts), o)).toEqual(whole);
        expect(run(Array.from(bytes, (b) => Uint8Array.of(b)), o)).toEqual(whole);
      }),
      { numRuns: 1000 },
    );
  });

  it('keepBinary: binary data frames keep only their first N payload bytes, everything else is as without it', () => {
    fc.assert(
      fc.property(streamArb, fc.array(fc.nat(), { maxLength: 12 }), fc.constantFrom(0, 1, 4, 64, 260, 1000), ({ masked, messages }, cuts, keep) => {
        const specs = messages.flat();
        const { bytes, frames } = expectedFrames(specs);
        const direction = masked ? 'client' : 'server';
        const verdict = run(split(bytes, cuts), { direction, keepBinary: keep });
        // continuations of a binary message are cut like its first frame; text and control frames never
        let binary = false;
        const expected = frames.map((frame) => {
          if (frame.opcode === 1 || frame.opcode === 2) binary = frame.opcode === 2;
          const cut = (frame.opcode === 2 || (frame.opcode === 0 && binary)) && frame.payload.length > keep;
          return norm({ type: 'frame', frame: cut ? { ...frame, payload: frame.payload.subarray(0, keep) } : frame });
        });
        expect(verdict.events).toEqual(expected);
        expect(verdict.incomplete).toBeNull();
        expect(verdict.offset).toBe(bytes.length);
      }),
      { numRuns: 300 },
    );
  });

  it('keepBinary changes no verdict on random (mostly invalid) streams', () => {
    const bytesArb = fc.array(fc.tuple(fc.constantFrom(0x82, 0x02, 0x80, 0x00, 0x81, 0x88, 0x89, 0xc2), fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 40 })), { maxLength: 12 }).map((fs) =>
      Uint8Array.from(fs.flatMap(([b0, b1, rest]) => [b0, b1, ...rest])),
    );
    fc.assert(
      fc.property(bytesArb, fc.constantFrom<'client' | 'server' | 'any'>('client', 'server', 'any'), fc.array(fc.nat(), { maxLength: 10 }), (bytes, direction, cuts) => {
        const whole = run([bytes], { direction });
        const cut = run(split(bytes, cuts), { direction, keepBinary: 3 });
        // norm() flattens a frame event to the frame itself; a violation stays an event
        const kinds = (v: Verdict) => v.events.map((e) => (e.type === 'violation' ? e : [(e as unknown as Frame).offset, (e as unknown as Frame).opcode, (e as unknown as Frame).payloadLength]));
        expect(kinds(cut)).toEqual(kinds(whole));
        expect(cut.incomplete).toEqual(whole.incomplete);
        expect(cut.offset).toBe(whole.offset);
      }),
      { numRuns: 1000 },
    );
  });
});
