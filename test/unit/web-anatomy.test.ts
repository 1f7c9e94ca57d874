// The pure helpers behind the frame anatomy view: the §5.2 bit layout, field explanations,
// and how payloads are shown.
import { describe, expect, it } from 'vitest';
import { headerRows, bitAt } from '../../web/src/anatomy/layout.ts';
import { frameHeader } from '../../server/core/wire/index.ts';
import { decodeInput } from '../../web/src/decode/model.ts';
import { explainField } from '../../web/src/anatomy/explain.ts';
import { payloadView } from '../../web/src/anatomy/payload.ts';
import { normaliseHex } from '../../web/src/anatomy/bytes.ts';
import type { FieldLayout } from '../../server/core/wire/types.ts';

const hello = Uint8Array.from([0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d]);
const helloFields: FieldLayout[] = [
  { field: 'fin', byteOffset: 0, bitOffset: 0, bits: 1, value: 1 },
  { field: 'rsv1', byteOffset: 0, bitOffset: 1, bits: 1, value: 0 },
  { field: 'rsv2', byteOffset: 0, bitOffset: 2, bits: 1, value: 0 },
  { field: 'rsv3', byteOffset: 0, bitOffset: 3, bits: 1, value: 0 },
  { field: 'opcode', byteOffset: 0, bitOffset: 4, bits: 4, value: 1 },
  { field: 'mask', byteOffset: 1, bitOffset: 0, bits: 1, value: 1 },
  { field: 'payloadLength7', byteOffset: 1, bitOffset: 1, bits: 7, value: 5 },
  { field: 'maskingKey', byteOffset: 2, bitOffset: 0, bits: 32, value: '37fa213d' },
];

describe('RFC 6455 §5.2 layout: 32 bits per row', () => {
  it('reads bits most significant first', () => {
    expect(bitAt(hello, 0)).toBe(1);
    expect(bitAt(hello, 1)).toBe(0);
    expect(bitAt(hello, 7)).toBe(1);
    expect(bitAt(hello, 8)).toBe(1);
  });

  it('continues the masking key of a 7-bit-length frame on the second row', () => {
    const rows = headerRows(helloFields, hello);
    expect(rows).toHaveLength(2);
    const [r0, r1] = rows;
    expect(r0.segments.map((s) => [s.field, s.column, s.bits])).toEqual([
      ['fin', 0, 1],
      ['rsv1', 1, 1],
      ['rsv2', 2, 1],
      ['rsv3', 3, 1],
      ['opcode', 4, 4],
      ['mask', 8, 1],
      ['payloadLength7', 9, 7],
      ['maskingKey', 16, 16],
    ]);
    expect(r0.segments.find((s) => s.field === 'opcode')!.bitString).toBe('0001');
    expect(r0.segments.find((s) => s.field === 'payloadLength7')!.bitString).toBe('0000101');
    expect(r1.segments).toHaveLength(1);
    expect(r1.segments[0]).toMatchObject({ field: 'maskingKey', column: 0, bits: 16, continued: true, bitString: '0010000100111101' });
    expect(r1.emptyColumns).toBe(16);
  });

  it('spreads a 64-bit length over three rows', () => {
    const header = new Uint8Array(10);
    header[0] = 0x82;
    header[1] = 127;
    header[9] = 0x01;
    const fields: FieldLayout[] = [
      { field: 'payloadLength7', byteOffset: 1, bitOffset: 1, bits: 7, value: 127 },
      { field: 'payloadLength64', byteOffset: 2, bitOffset: 0, bits: 64, value: 1 },
    ];
    const rows = headerRows(fields, header);
    expect(rows.map((r) => r.segments.map((s) => `${s.field}:${s.column}+${s.bits}`))).toEqual([
      ['payloadLength7:9+7', 'payloadLength64:16+16'],
      ['payloadLength64:0+32'],
      ['payloadLength64:0+16'],
    ]);
    expect(rows[2].segments[0].bitString).toBe('0000000000000001');
  });
});

describe('frameHeader', () => {
  it('gives back the header bytes a frame was decoded from', () => {
    const cases: [string, 'client' | 'server'][] = [
      ['81 85 37 fa 21 3d 7f 9f 4d 51 58', 'client'],
      [`82 7e 01 00 ${'00 '.repeat(256)}`, 'server'],
      ['01 03 48 65 6c', 'server'],
    ];
    for (const [hex, dir] of cases) {
      const r = decodeInput(hex, dir);
      if (r.kind !== 'decoded') throw new Error(r.kind);
      const f = r.frames[0].frame;
      expect(Array.from(frameHeader(f))).toEqual(Array.from(r.bytes.subarray(0, f.headerLength)));
    }
  });
});

describe('field explanations', () => {
  const frame = { opcode: 1, masked: true, payloadLength: 5 };
  it('names the opcode and its RFC section', () => {
    const e = explainField(helloFields[4], frame);
    expect(e.valueText).toBe('0x1 text (1)');
    expect(e.meaning).toMatch(/UTF-8/);
    expect(e.rfc).toContain('5.6');
  });
  it('explains 126 as a signal for the 16-bit length', () => {
    const e = explainField({ field: 'payloadLength7', byteOffset: 1, bitOffset: 1, bits: 7, value: 126 }, frame);
    expect(e.meaning).toMatch(/next 16 bits/);
  });
  it('spells the masking key as spaced hex', () => {
    expect(explainField(helloFields[7], frame).valueText).toBe('37 fa 21 3d');
    expect(normaliseHex('0x37FA213D')).toBe('37 fa 21 3d');
  });
});

describe('payload views', () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  it('shows text as text', () => {
    expect(payloadView(enc('Hello'), 1)).toEqual({ kind: 'text', text: 'Hello' });
  });
  it('labels the envelope fields of JSON messages', () => {
    const v = payloadView(enc('{"type":"chat","id":7,"payload":{"text":"hi"},"x":1}'), 1);
    expect(v.kind).toBe('json');
    if (v.kind !== 'json') return;
    expect(v.envelope.map((e) => e.field)).toEqual(['type', 'id', 'payload']);
    expect(v.envelope[0].json).toBe('"chat"');
  });
  it('shows a continuation of a text message as text', () => {
    expect(payloadView(enc('lo'), 0, { messageOpcode: 1, fragment: true })).toEqual({ kind: 'text', text: 'lo' });
  });
  it('shows binary as bytes', () => {
    expect(payloadView(Uint8Array.from([0, 1, 2]), 2).kind).toBe('binary');
  });
  it('reads a close frame: code, meaning, reason', () => {
    const v = payloadView(Uint8Array.from([0x03, 0xe8, ...enc('done')]), 8);
    expect(v).toMatchObject({ kind: 'close', code: 1000, name: 'Normal Closure', reason: 'done', problem: null });
  });
  it('flags a one-byte close payload', () => {
    const v = payloadView(Uint8Array.from([0x03]), 8);
    expect(v.kind === 'close' && v.problem).toMatch(/one byte/);
  });
});
