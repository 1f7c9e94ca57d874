import { describe, expect, it } from 'vitest';
import { encodeFrame } from '../../server/core/wire/index.ts';
import { echoSentNote, maskOddity, masksFrames, peerOf, readFrameHead } from '../../server/core/conform/roles.ts';

describe('the two roles of the conformance suite', () => {
  it('names the other side and which side masks its frames (RFC 6455 §5.1)', () => {
    expect(peerOf('client')).toBe('server');
    expect(peerOf('server')).toBe('client');
    expect(masksFrames('client')).toBe(true);
    expect(masksFrames('server')).toBe(false);
  });

  it('flags only a frame whose masking breaks its sender\'s rule', () => {
    expect(maskOddity('client', true)).toBeNull();
    expect(maskOddity('client', false)).toBe('unmasked');
    expect(maskOddity('server', false)).toBeNull();
    expect(maskOddity('server', true)).toBe('masked');
  });

  it('reads back opcode, FIN, RSV, masking and each length form from an encoded frame header', () => {
    const key = Uint8Array.of(1, 2, 3, 4);
    expect(readFrameHead(encodeFrame({ opcode: 1, payload: new Uint8Array(5), maskingKey: key }))).toEqual({ opcode: 1, fin: true, rsv: 0, length: 5, masked: true });
    expect(readFrameHead(encodeFrame({ opcode: 2, fin: false, rsv1: true, payload: new Uint8Array(300), maskingKey: null }))).toEqual({ opcode: 2, fin: false, rsv: 4, length: 300, masked: false });
    const big = encodeFrame({ opcode: 0, payload: new Uint8Array(70_000), maskingKey: null });
    // a header read from inside a larger buffer (an offset view) reads the same
    const inside = new Uint8Array(big.length + 3);
    inside.set(big, 3);
    expect(readFrameHead(inside.subarray(3))).toEqual({ opcode: 0, fin: true, rsv: 0, length: 70_000, masked: false });
    expect(readFrameHead(encodeFrame({ opcode: 9, payload: new Uint8Array(0), maskingKey: null, lengthOverride: 2 ** 40, lengthBits: 64 })).length).toBe(2 ** 40);
  });

  it('says how an echo message went out: its size, compressed size, frames and write pieces', () => {
    expect(echoSentNote(0, 1, 65536, null, 1, undefined)).toBe('message 1 of 1: 65536 bytes in 1 frame');
    expect(echoSentNote(2, 10, 4096, null, 64, 997)).toBe('message 3 of 10: 4096 bytes in 64 frames written in pieces of 997 bytes');
    expect(echoSentNote(0, 1000, 16, 18, 1, undefined)).toBe('message 1 of 1000: 16 bytes, 18 compressed, in 1 frame');
  });
});
