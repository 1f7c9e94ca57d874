// RFC 6455 §5.2: where every header field sits, for 7/16/64-bit lengths with and without a mask.
import { describe, expect, it } from 'vitest';
import { createReader, encodeFrame, frameFields, type Frame } from '../../../server/core/wire/index.ts';

function decodeOne(bytes: Uint8Array): Frame {
  const events = createReader({ direction: 'any' }).push(bytes);
  expect(events.length).toBe(1);
  const e = events[0];
  if (e.type !== 'frame') throw new Error(e.violation.reason);
  return e.frame;
}

const KEY = Uint8Array.of(0x37, 0xfa, 0x21, 0x3d);
const head = (fin: number, op: number, mask: number, len7: number) => [
  { field: 'fin', byteOffset: 0, bitOffset: 0, bits: 1, value: fin },
  { field: 'rsv1', byteOffset: 0, bitOffset: 1, bits: 1, value: 0 },
  { field: 'rsv2', byteOffset: 0, bitOffset: 2, bits: 1, value: 0 },
  { field: 'rsv3', byteOffset: 0, bitOffset: 3, bits: 1, value: 0 },
  { field: 'opcode', byteOffset: 0, bitOffset: 4, bits: 4, value: op },
  { field: 'mask', byteOffset: 1, bitOffset: 0, bits: 1, value: mask },
  { field: 'payloadLength7', byteOffset: 1, bitOffset: 1, bits: 7, value: len7 },
];

describe('RFC 6455 §5.2 field layouts', () => {
  it('7-bit length, unmasked: seven fields in bytes 0-1', () => {
    expect(frameFields(decodeOne(encodeFrame({ opcode: 1, payload: new Uint8Array(5) })))).toEqual(head(1, 1, 0, 5));
  });

  it('7-bit length, masked: the masking key at byte 2', () => {
    const f = decodeOne(encodeFrame({ opcode: 2, fin: false, payload: new Uint8Array(125), maskingKey: KEY }));
    expect(frameFields(f)).toEqual([...head(0, 2, 1, 125), { field: 'maskingKey', byteOffset: 2, bitOffset: 0, bits: 32, value: '37fa213d' }]);
  });

  it('16-bit length, unmasked: 126 in the 7-bit field, the length at bytes 2-3', () => {
    const f = decodeOne(encodeFrame({ opcode: 2, payload: new Uint8Array(300) }));
    expect(frameFields(f)).toEqual([...head(1, 2, 0, 126), { field: 'payloadLength16', byteOffset: 2, bitOffset: 0, bits: 16, value: 300 }]);
  });

  it('16-bit length, masked: the masking key at byte 4', () => {
    const f = decodeOne(encodeFrame({ opcode: 2, payload: new Uint8Array(65535), maskingKey: KEY }));
    expect(frameFields(f)).toEqual([
      ...head(1, 2, 1, 126),
      { field: 'payloadLength16', byteOffset: 2, bitOffset: 0, bits: 16, value: 65535 },
      { field: 'maskingKey', byteOffset: 4, bitOffset: 0, bits: 32, value: '37fa213d' },
    ]);
  });

  it('64-bit length, unmasked: 127 in the 7-bit field, the length at bytes 2-9', () => {
    const f = decodeOne(encodeFrame({ opcode: 2, payload: new Uint8Array(65536) }));
    expect(frameFields(f)).toEqual([...head(1, 2, 0, 127), { field: 'payloadLength64', byteOffset: 2, bitOffset: 0, bits: 64, value: 65536 }]);
  });

  it('64-bit length, masked: the masking key at byte 10', () => {
    const f = decodeOne(encodeFrame({ opcode: 1, payload: new Uint8Array(5), lengthBits: 64, maskingKey: KEY }));
    expect(f.headerLength).toBe(14);
    expect(frameFields(f)).toEqual([
      ...head(1, 1, 1, 127),
      { field: 'payloadLength64', byteOffset: 2, bitOffset: 0, bits: 64, value: 5 },
      { field: 'maskingKey', byteOffset: 10, bitOffset: 0, bits: 32, value: '37fa213d' },
    ]);
  });

  it('RSV bits are reported as 1 when set (layouts work on frames a reader would reject)', () => {
    const f: Frame = { ...decodeOne(encodeFrame({ opcode: 2 })), rsv1: true, rsv2: true, rsv3: true };
    expect(frameFields(f).slice(1, 4).map((x) => x.value)).toEqual([1, 1, 1]);
  });
});
