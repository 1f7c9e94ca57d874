// The data-types lab's pure parts: the binary layouts (exact sizes, exact bytes, round trips), the
// seeded payloads, and the model that turns the tap's events into each variant's figures.
import { describe, expect, test } from 'vitest';
import {
  decodeTicks,
  decodeTyping,
  decodeUuid,
  encodeTicks,
  encodeTyping,
  encodeUuid,
  TICK_BYTES,
  TICK_LAYOUT,
  typingLayout,
  type Tick,
} from '../../web/src/labs/data-types/layout.ts';
import { base64, decodeBinary, FIRST_TICK_T, makePayload, makeTicks, sameValue, TICK_COUNTS } from '../../web/src/labs/data-types/payloads.ts';
import { complete, compressionRatio, contextMemory, eventsOf, frameHeaderBytes, variantFigures, wireMessages } from '../../web/src/labs/data-types/model.ts';
import type { EventOf, WslabEvent } from '../../server/core/events/schema.ts';

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');

describe('the tick layout', () => {
  const tick: Tick = { symbol: 'ACME', price: 101.25, volume: 1200, t: 1718011800000 };

  test('is 20 bytes a tick: symbol 4 + price 4 + volume 4 + t 8, the table adding up', () => {
    expect(TICK_BYTES).toBe(20);
    expect(TICK_LAYOUT.reduce((s, f) => s + f.bytes, 0)).toBe(20);
    for (const [i, f] of TICK_LAYOUT.entries()) expect(f.offset).toBe(TICK_LAYOUT.slice(0, i).reduce((s, g) => s + g.bytes, 0));
    for (const n of [0, 1, 10, 50, 500]) expect(encodeTicks(makeTicks(n)).length).toBe(n * 20);
  });

  test('writes exactly these bytes, little-endian', () => {
    // "ACME", 10125 = 0x278d as int32 LE, 1200 = 0x4b0 as uint32 LE, 1718011800000 as float64 LE
    expect(hex(encodeTicks([tick]))).toBe('41 43 4d 45 8d 27 00 00 b0 04 00 00 00 00 9c ba 17 00 79 42');
    const short = encodeTicks([{ symbol: 'X', price: -0.01, volume: 0, t: 0 }]);
    expect(hex(short.subarray(0, 8))).toBe('58 00 00 00 ff ff ff ff');
  });

  test('round-trips every value exactly', () => {
    expect(decodeTicks(encodeTicks([tick]))).toEqual([tick]);
    for (const n of TICK_COUNTS) {
      const ticks = makeTicks(n, 7);
      expect(decodeTicks(encodeTicks(ticks))).toEqual(ticks);
    }
    const odd = { symbol: 'AB', price: 21474836.47, volume: 0xffffffff, t: 1.5 };
    expect(decodeTicks(encodeTicks([odd]))).toEqual([odd]);
  });

  test('refuses what the layout cannot hold instead of writing something else', () => {
    expect(() => encodeTicks([{ ...tick, symbol: 'TOOLONG' }])).toThrow(/1-4 printable ASCII/);
    expect(() => encodeTicks([{ ...tick, price: 101.255 }])).toThrow(/whole cents/);
    expect(() => encodeTicks([{ ...tick, price: 21474836.48 }])).toThrow(/int32/);
    expect(() => encodeTicks([{ ...tick, volume: -1 }])).toThrow(/uint32/);
    expect(() => decodeTicks(new Uint8Array(21))).toThrow(/not a whole number of 20-byte ticks/);
  });
});

describe('the typing and UUID layouts', () => {
  test('typing: kind, then length-prefixed user and room: 11 bytes for ada in lobby', () => {
    const m = { type: 'typing' as const, user: 'ada', room: 'lobby' };
    const b = encodeTyping(m);
    expect(hex(b)).toBe('01 03 61 64 61 05 6c 6f 62 62 79');
    expect(decodeTyping(b)).toEqual(m);
    expect(typingLayout(m).map((f) => [f.offset, f.bytes])).toEqual([[0, 1], [1, 1], [2, 3], [5, 1], [6, 5]]);
    const utf = { type: 'typing' as const, user: 'zoë', room: '🙂' };
    expect(encodeTyping(utf).length).toBe(3 + 4 + 4);
    expect(decodeTyping(encodeTyping(utf))).toEqual(utf);
    expect(() => decodeTyping(Uint8Array.of(2, 0, 0))).toThrow(/kind 2/);
  });

  test('UUID: 36 characters become 16 bytes and back', () => {
    const id = '3f2b8c1e-9a4d-4e6f-b0a1-c2d3e4f5a6b7';
    const b = encodeUuid(id);
    expect(b.length).toBe(16);
    expect(hex(b)).toBe('3f 2b 8c 1e 9a 4d 4e 6f b0 a1 c2 d3 e4 f5 a6 b7');
    expect(decodeUuid(b)).toBe(id);
    expect(() => encodeUuid('not-a-uuid')).toThrow(/not a lower-case UUID/);
  });
});

describe('payloads', () => {
  test('the same seed makes the same ticks: five symbols taking turns, whole cents, rising times', () => {
    const a = makeTicks(50);
    expect(makeTicks(50)).toEqual(a);
    expect(a.slice(0, 5).map((t) => t.symbol)).toEqual(['ACME', 'GLBX', 'INIT', 'UMBR', 'WAYN']);
    expect(a[0].t).toBeGreaterThan(FIRST_TICK_T);
    for (let i = 1; i < a.length; i++) expect(a[i].t).toBeGreaterThan(a[i - 1].t);
    for (const t of a) expect(Math.round(t.price * 100) / 100).toBe(t.price);
  });

  test('50 ticks: JSON text and the binary layout, with exact sizes', () => {
    const p = makePayload('ticks', 50);
    expect(p.binary.length).toBe(50 * 20);
    expect(p.recordBytes).toBe(20);
    expect(p.jsonBytes).toBe(new TextEncoder().encode(p.json).length);
    expect(JSON.parse(p.json)).toEqual(p.value);
    expect(p.jsonBytes).toBeGreaterThan(3 * p.binary.length);
    const back = decodeBinary(p, p.binary);
    expect('value' in back && sameValue(back.value, p.value)).toBe(true);
  });

  test('the other shapes: typing 45 / 11, UUID 45 / 16, 1 KiB blob as base64 JSON 1,379 / 1,024', () => {
    const typing = makePayload('typing');
    expect([typing.json, typing.jsonBytes, typing.binary.length]).toEqual(['{"type":"typing","user":"ada","room":"lobby"}', 45, 11]);
    const uuid = makePayload('uuid');
    expect([uuid.jsonBytes, uuid.binary.length]).toEqual([45, 16]);
    expect(uuid.value).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const blob = makePayload('blob');
    expect([blob.jsonBytes, blob.binary.length]).toEqual([1379, 1024]);
    for (const p of [typing, uuid, blob]) {
      const back = decodeBinary(p, p.binary);
      expect('value' in back && sameValue(back.value, p.value), p.shape).toBe(true);
    }
  });

  test('base64 matches the standard alphabet and padding', () => {
    const enc = new TextEncoder();
    expect(['', 'f', 'fo', 'foo', 'foob', 'fooba', 'foobar'].map((s) => base64(enc.encode(s)))).toEqual(['', 'Zg==', 'Zm8=', 'Zm9v', 'Zm9vYg==', 'Zm9vYmE=', 'Zm9vYmFy']);
    expect(base64(Uint8Array.of(0xff, 0xfe, 0xfd))).toBe('//79');
  });

  test('sameValue notices a changed field, a missing record and a flipped byte', () => {
    const ticks = makeTicks(3);
    expect(sameValue(ticks, structuredClone(ticks))).toBe(true);
    expect(sameValue(ticks, [...ticks.slice(0, 2), { ...ticks[2], price: ticks[2].price + 0.01 }])).toBe(false);
    expect(sameValue(ticks, ticks.slice(0, 2))).toBe(false);
    expect(sameValue(Uint8Array.of(1, 2), Uint8Array.of(1, 3))).toBe(false);
  });
});

// ---- the model: tap events → figures ----

let seq = 0;
const base = () => ({ v: 1 as const, seq: ++seq, t: seq });

function handshake(conn: string, offered: string | null, accepted: string | null): EventOf<'handshake'> {
  return {
    ...base(),
    type: 'handshake',
    conn,
    request: { method: 'GET', target: '/lab/echo', httpVersion: '1.1', headers: offered ? [['Sec-WebSocket-Extensions', offered]] : [], raw: '' },
    response: { status: 101, statusText: 'Switching Protocols', headers: accepted ? [['Sec-WebSocket-Extensions', accepted]] : [], raw: '' },
    key: null,
    accept: null,
    expectedAccept: null,
    acceptOk: true,
  };
}

function frame(conn: string, dir: 'c2s' | 's2c', opcode: number, payloadLength: number, o: { fin?: boolean; rsv1?: boolean; inflated?: string; payloadHex?: string } = {}): EventOf<'frame'> {
  const masked = dir === 'c2s';
  return {
    ...base(),
    type: 'frame',
    conn,
    dir,
    offset: 0,
    fin: o.fin ?? true,
    rsv1: o.rsv1 ?? false,
    rsv2: false,
    rsv3: false,
    opcode,
    opcodeName: ['continuation', 'text', 'binary'][opcode] ?? 'control',
    masked,
    maskingKey: masked ? '01020304' : null,
    payloadLength,
    headerLength: frameHeaderBytes(payloadLength, masked),
    headerHex: '',
    fields: {},
    payloadHex: o.payloadHex ?? '',
    truncated: payloadLength > 64,
    text: null,
    closeCode: null,
    closeReason: null,
    inflated: o.inflated ?? null,
  };
}

function message(conn: string, dir: 'c2s' | 's2c', opcode: 1 | 2, length: number, wireLength: number, frames = 1, text: string | null = null): EventOf<'message'> {
  return { ...base(), type: 'message', conn, dir, opcode, opcodeName: opcode === 1 ? 'text' : 'binary', length, wireLength, frames, compressed: length !== wireLength, text, previewHex: '', truncated: false };
}

const OFFER = 'permessage-deflate; client_max_window_bits';
const ANSWER = 'permessage-deflate; client_max_window_bits=15';

describe('the model: tap events → per-variant figures', () => {
  test('frame header sizes: 2, +2 from 126, +8 from 65536, +4 when masked', () => {
    expect([0, 125, 126, 65535, 65536].map((n) => frameHeaderBytes(n, false))).toEqual([2, 2, 4, 4, 10]);
    expect([45, 1000, 3262, 70000].map((n) => frameHeaderBytes(n, true))).toEqual([6, 8, 8, 14]);
  });

  test('JSON text: 3,262 B each way; masked header 8 B going out, 4 B coming back', () => {
    const events: WslabEvent[] = [handshake('c1', OFFER, null), frame('c1', 'c2s', 1, 3262), message('c1', 'c2s', 1, 3262, 3262), frame('c1', 's2c', 1, 3262), message('c1', 's2c', 1, 3262, 3262)];
    const f = variantFigures(events, 'c1');
    expect(f.offered).toBe(OFFER);
    expect(f.accepted).toBeNull();
    expect(f.deflate).toBeNull();
    expect(f.c2s).toMatchObject({ frames: 1, headerBytes: 8, payloadBytes: 3262, wireBytes: 3270, appBytes: 3262, rsv1: false, masked: true });
    expect(f.s2c).toMatchObject({ frames: 1, headerBytes: 4, payloadBytes: 3262, wireBytes: 3266, rsv1: false, masked: false });
    expect(complete(f)).toBe(true);
  });

  test('compressed: RSV1, the wire length from the frames, the app length from the message, the inflated preview', () => {
    const events: WslabEvent[] = [
      handshake('c3', OFFER, ANSWER),
      frame('c3', 'c2s', 1, 600, { rsv1: true, inflated: '[{"symbol":"ACME"' }),
      message('c3', 'c2s', 1, 3262, 600),
      frame('c3', 's2c', 1, 590, { rsv1: true, inflated: '[{"symbol":"ACME"' }),
      message('c3', 's2c', 1, 3262, 590),
    ];
    const f = variantFigures(events, 'c3');
    expect(f.deflate).toEqual({ serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: null, clientMaxWindowBits: 15 });
    expect(f.c2s).toMatchObject({ headerBytes: 8, payloadBytes: 600, wireBytes: 608, appBytes: 3262, rsv1: true, inflated: '[{"symbol":"ACME"', text: null });
    expect(f.s2c).toMatchObject({ headerBytes: 4, wireBytes: 594, rsv1: true });
    expect(compressionRatio(f.c2s!)).toBeCloseTo(3262 / 600, 10);
  });

  test('a fragmented message adds up its frames; control frames between them and the close are left out', () => {
    const events: WslabEvent[] = [
      frame('c2', 'c2s', 2, 700, { fin: false, payloadHex: '41434d45' }),
      frame('c2', 'c2s', 9, 0),
      frame('c2', 'c2s', 0, 300),
      message('c2', 'c2s', 2, 1000, 1000, 2),
      frame('c2', 's2c', 10, 0),
      frame('c2', 's2c', 2, 1000),
      message('c2', 's2c', 2, 1000, 1000),
      frame('c2', 'c2s', 8, 2),
    ];
    const [out, back] = wireMessages(events);
    expect(out).toMatchObject({ dir: 'c2s', opcode: 2, frames: 2, headerBytes: 8 + 8, payloadBytes: 1000, wireBytes: 1016, appBytes: 1000, masked: true, payloadHex: '41434d45' });
    expect(back).toMatchObject({ dir: 's2c', frames: 1, headerBytes: 4, wireBytes: 1004 });
  });

  test('only this connection, only after the run started; incomplete until the echo is in', () => {
    const before = frame('c9', 'c2s', 1, 10);
    const mark = before.seq;
    const events: WslabEvent[] = [before, frame('c8', 'c2s', 1, 5), message('c8', 'c2s', 1, 5, 5), frame('c9', 'c2s', 1, 45), message('c9', 'c2s', 1, 45, 45)];
    const mine = eventsOf(events, 'c9', mark);
    expect(mine.map((e) => e.seq)).toEqual([events[3].seq, events[4].seq]);
    const f = variantFigures(mine, 'c9');
    expect(f.c2s?.wireBytes).toBe(51);
    expect(f.s2c).toBeNull();
    expect(complete(f)).toBe(false);
  });

  test('context takeover memory by zlib’s formulas: 256 KiB deflater + 39 KiB inflater at 15 window bits', () => {
    const m = contextMemory({ serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: null, clientMaxWindowBits: 15 });
    expect(m).toEqual({ serverDeflate: 262144, serverInflate: 32768 + 7168, serverTotal: 262144 + 39936, serverWindowBits: 15, clientWindowBits: 15, serverTakeover: true, clientTakeover: true });
    const small = contextMemory({ serverNoContextTakeover: true, clientNoContextTakeover: false, serverMaxWindowBits: 10, clientMaxWindowBits: true });
    expect([small.serverDeflate, small.serverInflate, small.serverTakeover, small.clientWindowBits]).toEqual([4096 + 131072, 32768 + 7168, false, 15]);
  });
});
