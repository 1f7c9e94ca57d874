// RFC 6455 §5.2 in reverse: the encoder builds valid frames and, on purpose, invalid ones.
import { describe, expect, it } from 'vitest';
import { createReader, encodeFrame, toHex } from '../../../server/core/wire/index.ts';

const hexOf = (spec: Parameters<typeof encodeFrame>[0]) => toHex(encodeFrame(spec));

describe('RFC 6455 §5.2 encodeFrame', () => {
  it('uses the shortest length encoding by default: 125 → 7-bit, 126 → 16-bit, 65536 → 64-bit', () => {
    expect(encodeFrame({ opcode: 2, payload: new Uint8Array(125) }).subarray(0, 2)).toEqual(Uint8Array.of(0x82, 125));
    expect(encodeFrame({ opcode: 2, payload: new Uint8Array(126) }).subarray(0, 4)).toEqual(Uint8Array.of(0x82, 126, 0, 126));
    expect(encodeFrame({ opcode: 2, payload: new Uint8Array(65535) }).subarray(0, 4)).toEqual(Uint8Array.of(0x82, 126, 0xff, 0xff));
    expect(encodeFrame({ opcode: 2, payload: new Uint8Array(65536) }).subarray(0, 10)).toEqual(Uint8Array.of(0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0));
  });

  it('forces a non-minimal length encoding on request', () => {
    expect(hexOf({ opcode: 1, payload: Uint8Array.of(0x68), lengthBits: 16 })).toBe('81 7e 00 01 68');
    expect(hexOf({ opcode: 1, payload: Uint8Array.of(0x68), lengthBits: 64 })).toBe('81 7f 00 00 00 00 00 00 00 01 68');
  });

  it('writes a lying length with lengthOverride', () => {
    expect(hexOf({ opcode: 2, payload: Uint8Array.of(1, 2), lengthOverride: 5 })).toBe('82 05 01 02');
    expect(hexOf({ opcode: 2, lengthOverride: 2 ** 32 + 1 })).toBe('82 7f 00 00 00 01 00 00 00 01');
  });

  it('builds frames a receiver must reject: unmasked client frames, oversized control frames, reserved opcodes, RSV bits, FIN=0 pings', () => {
    expect(hexOf({ opcode: 1, payload: Uint8Array.of(0x61) })).toBe('81 01 61');
    expect(encodeFrame({ opcode: 9, payload: new Uint8Array(200) }).subarray(0, 4)).toEqual(Uint8Array.of(0x89, 126, 0, 200));
    expect(hexOf({ opcode: 0xb })).toBe('8b 00');
    expect(hexOf({ opcode: 1, rsv1: true, rsv2: true, rsv3: true })).toBe('f1 00');
    expect(hexOf({ opcode: 9, fin: false })).toBe('09 00');
    const kinds = [{ opcode: 1 }, { opcode: 9, payload: new Uint8Array(200), maskingKey: Uint8Array.of(1, 2, 3, 4) }].map(
      (spec) => createReader({ direction: 'client' }).push(encodeFrame(spec)).map((e) => (e.type === 'violation' ? e.violation.kind : 'frame')),
    );
    expect(kinds).toEqual([['CLIENT_FRAME_UNMASKED'], ['CONTROL_TOO_LONG']]);
  });

  it('masks with the given key (§5.3) and writes the key after the length', () => {
    expect(hexOf({ opcode: 1, payload: new TextEncoder().encode('Hello'), maskingKey: Uint8Array.of(0x37, 0xfa, 0x21, 0x3d) })).toBe('81 85 37 fa 21 3d 7f 9f 4d 51 58');
  });

  it('refuses specs no header can carry', () => {
    expect(() => encodeFrame({ opcode: 1, maskingKey: Uint8Array.of(1, 2, 3) })).toThrow('a masking key is 4 bytes, got 3');
    expect(() => encodeFrame({ opcode: 1, lengthOverride: 200, lengthBits: 7 })).toThrow('the 7-bit length field holds at most 127, got 200');
    expect(() => encodeFrame({ opcode: 1, lengthOverride: 70000, lengthBits: 16 })).toThrow('the 16-bit length field holds at most 65535, got 70000');
    expect(() => encodeFrame({ opcode: 1, lengthOverride: -1 })).toThrow('a payload length is a non-negative integer, got -1');
  });
});
