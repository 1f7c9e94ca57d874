// The tap keeps frame and message events as binary records in the bus history, and their JSON is
// written when read (server/core/events/records.ts). These properties check that JSON against the
// codec's own view of the same bytes: for random messages (text with multi-byte characters or
// binary, fragmented or not, masked or not, cut into random chunks), every field of every event is
// what the frame and message really were, and the text is byte for byte what JSON.stringify writes.
// The `?format=bin` items of the same events render to the same JSON.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { EventBus } from '../../server/stream/bus.ts';
import { ITEM_HEADER_BYTES, renderBatch, writeItemHeader } from '../../server/core/events/records.ts';
import { parseEvent, type WslabEvent } from '../../server/core/events/schema.ts';
import { TapInflater } from '../../server/connection/tap/inflate.ts';
import { DirectionTap, FRAME_PREVIEW_BYTES, MESSAGE_PREVIEW_BYTES, type Dir } from '../../server/connection/tap/direction.ts';
import { createReader, encodeFrame, frameFields, frameHeader, frameToJson } from '../../server/core/wire/index.ts';
import type { Frame } from '../../server/core/wire/types.ts';

const fatal = new TextDecoder('utf-8', { fatal: true });
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** The text a preview shows: the bytes as UTF-8, minus a character cut off at the end when truncated; null when not text. */
function previewText(bytes: Uint8Array, truncated: boolean): string | null {
  for (let cut = 0; cut <= (truncated ? 3 : 0) && cut <= bytes.length; cut++) {
    try {
      return fatal.decode(bytes.subarray(0, bytes.length - cut));
    } catch {
      // try one byte shorter
    }
  }
  return null;
}

interface Case {
  dir: Dir;
  text: boolean;
  payload: Uint8Array;
  /** frame boundaries inside the payload */
  splits: number[];
  /** chunk boundaries inside the encoded stream, as fractions */
  chunks: number[];
  pingBetween: boolean;
}

const caseArb: fc.Arbitrary<Case> = fc
  .record({
    dir: fc.constantFrom<Dir>('c2s', 's2c'),
    text: fc.boolean(),
    str: fc.string({ unit: 'grapheme', maxLength: 200 }),
    bin: fc.uint8Array({ maxLength: 700 }),
    splits: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 2 }),
    chunks: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 4 }),
    pingBetween: fc.boolean(),
  })
  .map(({ dir, text, str, bin, splits, chunks, pingBetween }) => {
    const payload = text ? new TextEncoder().encode(str.repeat(1 + (str.length % 3))) : bin;
    return {
      dir,
      text,
      payload,
      splits: [...new Set(splits.map((f) => Math.floor(f * payload.length)))].sort((a, b) => a - b),
      chunks,
      pingBetween,
    };
  });

/** The stream of frames for a case, and the frames as the codec decodes them. */
function encode(c: Case): { stream: Uint8Array; frames: Frame[] } {
  const bounds = [0, ...c.splits.filter((s) => s > 0 && s < c.payload.length), c.payload.length];
  const parts: Uint8Array[] = [];
  const key = c.dir === 'c2s' ? new Uint8Array([0x37, 0xfa, 0x21, 0x3d]) : undefined;
  for (let i = 0; i + 1 < bounds.length; i++) {
    const last = i + 2 === bounds.length;
    parts.push(encodeFrame({ fin: last, opcode: i === 0 ? (c.text ? 1 : 2) : 0, maskingKey: key, payload: c.payload.subarray(bounds[i], bounds[i + 1]) }));
    if (c.pingBetween && !last) parts.push(encodeFrame({ opcode: 9, maskingKey: key, payload: new Uint8Array([1, 2]) }));
  }
  const stream = Buffer.concat(parts);
  const out = createReader({ direction: c.dir === 'c2s' ? 'client' : 'server' }).push(stream);
  const frames = out.map((e) => {
    if (e.type !== 'frame') throw new Error(`unexpected ${e.type}`);
    return e.frame;
  });
  return { stream, frames };
}

function tapEvents(c: Case, stream: Uint8Array): WslabEvent[] {
  const bus = new EventBus({ historySize: 1000, allocate: (n) => Buffer.allocUnsafe(n) });
  const events: WslabEvent[] = [];
  bus.subscribe((e, entry) => {
    events.push(JSON.parse(entry.json) as WslabEvent);
    expect(parseEvent(JSON.parse(entry.json)).ok).toBe(true);
    expect(e).toEqual(JSON.parse(entry.json));
    expect(entry.json).toBe(JSON.stringify(e));
    expect(renderBatch(item(bus, entry.seq))).toBe(entry.json);
  });
  const sink = { emit: (b: Parameters<EventBus['publish']>[0]) => bus.publish(b), onFrame() {}, onViolation() {} };
  const HEAD = 129; // bytes of the HTTP head before the first frame
  const tap = new DirectionTap(c.dir, 'c1', sink, bus, 64 * 1024, HEAD, null);
  const cuts = [...new Set(c.chunks.map((f) => Math.floor(f * stream.length)))].sort((a, b) => a - b);
  let at = 0;
  for (const cut of [...cuts, stream.length]) {
    // a copy per chunk, as the socket would hand them over
    if (cut > at) tap.push(Buffer.from(stream.subarray(at, cut)));
    at = Math.max(at, cut);
  }
  return events;
}

/** The event with this seq as one `?format=bin` item, as an observer would send it. */
function item(bus: EventBus, seq: number): Uint8Array {
  const kept = bus.keptAt(seq);
  const out = new Uint8Array(ITEM_HEADER_BYTES + kept.length);
  writeItemHeader(out, 0, bus.kindAt(seq), kept.length);
  out.set(kept, ITEM_HEADER_BYTES);
  return out;
}

describe('tap frame and message events', () => {
  test('every field of every frame event is the decoded frame, with previews cut as documented', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const { stream, frames } = encode(c);
        const events = tapEvents(c, stream);
        const frameEvents = events.filter((e) => e.type === 'frame');
        expect(frameEvents).toHaveLength(frames.length);
        let seq = 0;
        for (const e of events) expect(e.seq).toBe(++seq);
        frames.forEach((f, i) => {
          const e = frameEvents[i] as Extract<WslabEvent, { type: 'frame' }>;
          const json = frameToJson(f);
          const truncated = f.payload.length > FRAME_PREVIEW_BYTES;
          const preview = f.payload.subarray(0, FRAME_PREVIEW_BYTES);
          const textual = f.opcode === 1 || f.opcode === 9 || (f.opcode === 0 && c.text);
          const fields: Record<string, [number, number, number]> = {};
          for (const x of frameFields(f)) fields[x.field] = [x.byteOffset, x.bitOffset, x.bits];
          expect(e).toEqual({
            v: 1,
            seq: e.seq,
            t: e.t,
            type: 'frame',
            conn: 'c1',
            dir: c.dir,
            offset: json.offset + 129,
            fin: json.fin,
            rsv1: false,
            rsv2: false,
            rsv3: false,
            opcode: json.opcode,
            opcodeName: json.opcodeName,
            masked: c.dir === 'c2s',
            maskingKey: c.dir === 'c2s' ? '37fa213d' : null,
            payloadLength: json.payloadLength,
            headerLength: json.headerLength,
            headerHex: hex(frameHeader(f)),
            fields,
            payloadHex: hex(preview),
            truncated,
            text: textual ? previewText(preview, truncated) : null,
            closeCode: null,
            closeReason: null,
            inflated: null,
          });
        });
      }),
      { numRuns: 400 },
    );
  });

  test('the message event is the assembled message: lengths, frame count, text and hex previews', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const { stream, frames } = encode(c);
        const messages = tapEvents(c, stream).filter((e) => e.type === 'message');
        expect(messages).toHaveLength(1);
        const truncated = c.payload.length > MESSAGE_PREVIEW_BYTES;
        const preview = c.payload.subarray(0, MESSAGE_PREVIEW_BYTES);
        expect(messages[0]).toEqual({
          v: 1,
          seq: messages[0].seq,
          t: messages[0].t,
          type: 'message',
          conn: 'c1',
          dir: c.dir,
          opcode: c.text ? 1 : 2,
          opcodeName: c.text ? 'TEXT' : 'BINARY',
          length: c.payload.length,
          wireLength: c.payload.length,
          frames: frames.filter((f) => f.opcode < 8).length,
          compressed: false,
          text: c.text ? previewText(preview, truncated) : null,
          previewHex: hex(c.payload.subarray(0, MESSAGE_PREVIEW_BYTES)),
          truncated,
        });
      }),
      { numRuns: 400 },
    );
  });

  test('control characters, quotes and backslashes in text are escaped as JSON.stringify does', () => {
    const text = 'He said "hi"\n\\\u0000\u001f\u007f\u2028</script>é😀';
    const c: Case = { dir: 'c2s', text: true, payload: new TextEncoder().encode(text), splits: [], chunks: [], pingBetween: false };
    const bus = new EventBus({ historySize: 100 });
    const jsons: string[] = [];
    bus.subscribeEntries((entry) => jsons.push(entry.json));
    const tap = new DirectionTap('c2s', 'c1', { emit: (b) => bus.publish(b), onFrame() {}, onViolation() {} }, bus, 1024, 0, null);
    tap.push(encode(c).stream);
    expect(jsons).toHaveLength(2);
    expect(jsons[0]).toContain(`"text":${JSON.stringify(text)}`);
    expect(jsons[1]).toContain(`"text":${JSON.stringify(text)}`);
  });

  test('fuzz: random bytes (valid frames with garbage mixed in) give only schema-valid events, at most one error, and never throw', () => {
    const frameArb = fc.record({
      opcode: fc.constantFrom(0, 1, 2, 3, 8, 9, 10, 15),
      fin: fc.boolean(),
      rsv1: fc.boolean(),
      payload: fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 100 }).map((s) => new TextEncoder().encode(s))),
    });
    const streamArb = fc.array(fc.oneof(frameArb.map((f) => encodeFrame({ ...f, maskingKey: new Uint8Array([9, 8, 7, 6]) })), fc.uint8Array({ maxLength: 20 })), { maxLength: 8 });
    fc.assert(
      fc.property(streamArb, fc.boolean(), fc.boolean(), (parts, c2s, deflate) => {
        const bus = new EventBus({ historySize: 200, historyBytes: 64 * 1024 });
        const types: string[] = [];
        bus.subscribeEntries((entry) => {
          const parsed = parseEvent(JSON.parse(entry.json));
          expect(parsed.ok).toBe(true);
          expect(entry.json).toBe(JSON.stringify(JSON.parse(entry.json)));
          types.push(entry.type);
        });
        const sink = { emit: (b: Parameters<EventBus['publish']>[0]) => bus.publish(b), onFrame() {}, onViolation() {} };
        const tap = new DirectionTap(c2s ? 'c2s' : 's2c', 'c1', sink, bus, 256, 0, deflate ? new TapInflater(true, 256) : null);
        for (const p of parts) tap.push(p);
        expect(types.filter((t) => t === 'error' && !deflate).length).toBeLessThanOrEqual(1);
      }),
      { numRuns: 3000 },
    );
  });

  test('a ?format=bin message of several items renders to the newline-separated JSON of its events', () => {
    const bus = new EventBus({ historySize: 100 });
    const jsons: string[] = [];
    bus.subscribeEntries((entry) => jsons.push(entry.json));
    const tap = new DirectionTap('c2s', 'c7', { emit: (b) => bus.publish(b), onFrame() {}, onViolation() {} }, bus, 1024, 0, null);
    tap.push(encodeFrame({ opcode: 1, maskingKey: new Uint8Array([1, 2, 3, 4]), payload: new TextEncoder().encode('hi') }));
    bus.publish({ type: 'meta', conn: 'c7', socketId: 's', sessionId: null, userId: 'ann' });
    const items = [1, 2, 3].map((seq) => item(bus, seq));
    const message = Buffer.concat([...items, Uint8Array.of(9, 1, 0, 0, 0, 0x41)]); // an item of an unknown kind is skipped
    expect(renderBatch(message)).toBe(jsons.join('\n'));
    expect(jsons).toHaveLength(3);
    expect(JSON.parse(jsons[2])).toMatchObject({ type: 'meta', userId: 'ann' });
    // a message cut inside an item renders the whole items before it
    expect(renderBatch(message.subarray(0, items[0].length + 3))).toBe(jsons[0]);
  });

  test('a frame with a 64-bit length: the record keeps the 10-byte header and the JSON has the length and layout', () => {
    const bus = new EventBus({ historySize: 100 });
    const events: WslabEvent[] = [];
    bus.subscribe((e) => events.push(e));
    const tap = new DirectionTap('s2c', 'c3', { emit: (b) => bus.publish(b), onFrame() {}, onViolation() {} }, bus, 128 * 1024, 0, null);
    const payload = new Uint8Array(70_000).fill(0x61);
    tap.push(encodeFrame({ opcode: 2, payload }));
    expect(events[0]).toMatchObject({
      type: 'frame',
      payloadLength: 70_000,
      headerLength: 10,
      headerHex: '827f0000000000011170',
      fields: { payloadLength7: [1, 1, 7], payloadLength64: [2, 0, 64] },
      payloadHex: '61'.repeat(64),
      truncated: true,
      text: null,
    });
    expect(events[1]).toMatchObject({ type: 'message', length: 70_000, wireLength: 70_000, truncated: true, previewHex: '61'.repeat(256) });
  });

  test('a close frame whose reason is not valid UTF-8 shows it with replacement characters, as wslab decode does', () => {
    const bus = new EventBus({ historySize: 100 });
    const jsons: string[] = [];
    bus.subscribeEntries((entry) => jsons.push(entry.json));
    const tap = new DirectionTap('s2c', 'c9', { emit: (b) => bus.publish(b), onFrame() {}, onViolation() {} }, bus, 1024, 0, null);
    tap.push(encodeFrame({ opcode: 8, payload: new Uint8Array([0x0f, 0xa0, 0x6f, 0xff, 0x6b]) }));
    expect(JSON.parse(jsons[0])).toMatchObject({ closeCode: 4000, closeReason: 'o\ufffdk', payloadHex: '0fa06fff6b', text: null });
  });

  test('a close frame reports its code and reason', () => {
    const bus = new EventBus({ historySize: 100 });
    const events: WslabEvent[] = [];
    bus.subscribe((e) => events.push(e));
    const tap = new DirectionTap('s2c', 'c9', { emit: (b) => bus.publish(b), onFrame() {}, onViolation() {} }, bus, 1024, 10, null);
    tap.push(encodeFrame({ opcode: 8, payload: new Uint8Array([0x03, 0xe8, ...new TextEncoder().encode('bye "now"')]) }));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'frame', opcode: 8, opcodeName: 'CLOSE', offset: 10, closeCode: 1000, closeReason: 'bye "now"', text: null, payloadHex: '03e862796520226e6f7722' });
  });
});

describe('tap event times', () => {
  test('frames read in one chunk share its time, and t never goes back when an event is published between them', () => {
    let now = 5;
    const bus = new EventBus({ historySize: 100, clock: () => now });
    const events: WslabEvent[] = [];
    bus.subscribe((e) => events.push(e));
    // as the connection tap does on a ping: publish an event of its own, later on the clock
    const sink = {
      emit: (b: Parameters<EventBus['publish']>[0]) => bus.publish(b),
      onFrame(frame: Frame) {
        if (frame.opcode !== 9) return;
        now = 7.25;
        bus.publish({ type: 'ping', conn: 'c1', dir: 'c2s', payloadHex: hex(frame.payload) });
      },
      onViolation() {},
    };
    const tap = new DirectionTap('c2s', 'c1', sink, bus, 1024, 0, null);
    const key = new Uint8Array([1, 2, 3, 4]);
    const enc = new TextEncoder();
    tap.push(
      Buffer.concat([
        encodeFrame({ opcode: 1, maskingKey: key, payload: enc.encode('a') }),
        encodeFrame({ opcode: 9, maskingKey: key, payload: enc.encode('p') }),
        encodeFrame({ opcode: 1, maskingKey: key, payload: enc.encode('b') }),
      ]),
    );
    expect(events.map((e) => `${e.type}@${e.t}`)).toEqual(['frame@5', 'message@5', 'frame@5', 'ping@7.25', 'frame@7.25', 'message@7.25']);
  });
});
