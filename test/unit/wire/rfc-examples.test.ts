// RFC 6455 §5.7 "Examples" and §1.3 (the accept key), in both directions:
// decode(bytes) equals the frame, and encode(frame) equals the bytes.
import { describe, expect, it } from 'vitest';
import { computeAccept, createReader, encodeFrame, parseHex, type Frame, type FrameSpec, type WireEvent } from '../../../server/core/wire/index.ts';

function hex(text: string): Uint8Array {
  const r = parseHex(text);
  if ('error' in r) throw new Error(r.error);
  return r.bytes;
}

function decode(bytes: Uint8Array, direction: 'client' | 'server' | 'any' = 'any'): WireEvent[] {
  const reader = createReader({ direction });
  const events = reader.push(bytes);
  expect(reader.finish()).toBeNull();
  return events;
}

function frames(events: WireEvent[]): Frame[] {
  expect(events.filter((e) => e.type === 'violation')).toEqual([]);
  return events.flatMap((e) => (e.type === 'frame' ? [e.frame] : []));
}

const hello = new TextEncoder().encode('Hello');
const key = Uint8Array.of(0x37, 0xfa, 0x21, 0x3d);

function frame(partial: Partial<Frame> & Pick<Frame, 'opcode' | 'payload'>): Frame {
  const len = partial.payload.length;
  const lengthBits = partial.lengthBits ?? (len < 126 ? 7 : len < 65536 ? 16 : 64);
  const masked = partial.maskingKey != null;
  return {
    offset: 0,
    fin: true,
    rsv1: false,
    rsv2: false,
    rsv3: false,
    masked,
    maskingKey: null,
    payloadLength: len,
    headerLength: 2 + (lengthBits === 16 ? 2 : lengthBits === 64 ? 8 : 0) + (masked ? 4 : 0),
    lengthBits,
    ...partial,
  };
}

function specOf(f: Frame): FrameSpec {
  return { fin: f.fin, rsv1: f.rsv1, rsv2: f.rsv2, rsv3: f.rsv3, opcode: f.opcode, maskingKey: f.maskingKey, payload: f.payload };
}

describe('RFC 6455 §5.7 examples', () => {
  it('a single-frame unmasked text message "Hello" is 81 05 48 65 6c 6c 6f', () => {
    const bytes = hex('81 05 48 65 6c 6c 6f');
    const expected = frame({ opcode: 1, payload: hello });
    expect(frames(decode(bytes, 'server'))).toEqual([expected]);
    expect(encodeFrame(specOf(expected))).toEqual(bytes);
  });

  it('a single-frame masked text message "Hello" is 81 85 37 fa 21 3d 7f 9f 4d 51 58', () => {
    const bytes = hex('81 85 37 fa 21 3d 7f 9f 4d 51 58');
    const expected = frame({ opcode: 1, payload: hello, maskingKey: key });
    expect(frames(decode(bytes, 'client'))).toEqual([expected]);
    expect(encodeFrame(specOf(expected))).toEqual(bytes);
  });

  it('a fragmented unmasked text message "Hel" + "lo" is 01 03 48 65 6c 80 02 6c 6f', () => {
    const bytes = hex('01 03 48 65 6c 80 02 6c 6f');
    const first = frame({ opcode: 1, fin: false, payload: hello.subarray(0, 3) });
    const second = frame({ opcode: 0, offset: 5, payload: hello.subarray(3) });
    expect(frames(decode(bytes, 'server'))).toEqual([first, second]);
    expect([...encodeFrame(specOf(first)), ...encodeFrame(specOf(second))]).toEqual([...bytes]);
  });

  it('an unmasked Ping with body "Hello" is 89 05 48 65 6c 6c 6f', () => {
    const bytes = hex('89 05 48 65 6c 6c 6f');
    const expected = frame({ opcode: 9, payload: hello });
    expect(frames(decode(bytes, 'server'))).toEqual([expected]);
    expect(encodeFrame(specOf(expected))).toEqual(bytes);
  });

  it('a masked Pong with body "Hello" is 8a 85 37 fa 21 3d 7f 9f 4d 51 58', () => {
    const bytes = hex('8a 85 37 fa 21 3d 7f 9f 4d 51 58');
    const expected = frame({ opcode: 10, payload: hello, maskingKey: key });
    expect(frames(decode(bytes, 'client'))).toEqual([expected]);
    expect(encodeFrame(specOf(expected))).toEqual(bytes);
  });

  it('256 bytes of binary data in one unmasked frame use the 16-bit length: 82 7E 0100', () => {
    const payload = Uint8Array.from({ length: 256 }, (_, i) => (i * 7) & 0xff);
    const bytes = new Uint8Array([0x82, 0x7e, 0x01, 0x00, ...payload]);
    const expected = frame({ opcode: 2, payload });
    expect(expected.headerLength).toBe(4);
    expect(frames(decode(bytes, 'server'))).toEqual([expected]);
    expect(encodeFrame(specOf(expected))).toEqual(bytes);
  });

  it('64 KiB of binary data in one unmasked frame use the 64-bit length: 82 7F 0000000000010000', () => {
    const payload = Uint8Array.from({ length: 65536 }, (_, i) => (i * 13) & 0xff);
    const bytes = new Uint8Array(10 + 65536);
    bytes.set([0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0]);
    bytes.set(payload, 10);
    const expected = frame({ opcode: 2, payload });
    expect(expected.headerLength).toBe(10);
    expect(frames(decode(bytes, 'server'))).toEqual([expected]);
    expect(encodeFrame(specOf(expected))).toEqual(bytes);
  });
});

describe('RFC 6455 §1.3 opening handshake', () => {
  it('the key dGhlIHNhbXBsZSBub25jZQ== is answered with s3pPLMBiTxaQ9kYGzzhZRbK+xOo=', () => {
    expect(computeAccept('dGhlIHNhbXBsZSBub25jZQ==')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });
});
