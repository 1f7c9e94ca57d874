// finish(): where an unfinished frame starts and how many bytes would complete it
// (or complete its header while the payload length is still unknown).
import { describe, expect, it } from 'vitest';
import { createReader, encodeFrame } from '../../../server/core/wire/index.ts';

function finishAfter(bytes: Uint8Array, direction: 'client' | 'server' | 'any' = 'any') {
  const reader = createReader({ direction });
  reader.push(bytes);
  return reader.finish();
}

const KEY = Uint8Array.of(1, 2, 3, 4);

describe('RFC 6455 §5.2 incomplete frames', () => {
  it('a stream ending between frames is complete', () => {
    expect(finishAfter(encodeFrame({ opcode: 1, payload: new Uint8Array(3) }))).toBeNull();
    expect(finishAfter(new Uint8Array(0))).toBeNull();
  });

  it('after byte 0 only, one more byte is needed to learn the length', () => {
    expect(finishAfter(Uint8Array.of(0x81))).toEqual({ offset: 0, needed: 1 });
  });

  it('inside a 7-bit-length frame, the rest of the payload is needed', () => {
    const full = encodeFrame({ opcode: 1, payload: new Uint8Array(5), maskingKey: KEY }); // 11 bytes
    const two = new Uint8Array([...encodeFrame({ opcode: 9 }), ...full.subarray(0, 4)]);
    expect(finishAfter(two)).toEqual({ offset: 2, needed: 7 });
  });

  it('inside a 16-bit length field, the rest of the header is needed', () => {
    const full = encodeFrame({ opcode: 2, payload: new Uint8Array(300), maskingKey: KEY });
    expect(finishAfter(full.subarray(0, 3))).toEqual({ offset: 0, needed: 5 });
  });

  it('inside a 64-bit length field, the rest of the header is needed', () => {
    const full = encodeFrame({ opcode: 2, payload: new Uint8Array(70000) });
    expect(finishAfter(full.subarray(0, 5))).toEqual({ offset: 0, needed: 5 });
  });

  it('inside the masking key, header and payload are counted', () => {
    const full = encodeFrame({ opcode: 2, payload: new Uint8Array(300), maskingKey: KEY });
    expect(finishAfter(full.subarray(0, 6))).toEqual({ offset: 0, needed: 8 + 300 - 6 });
  });

  it('inside the payload, the missing payload bytes are needed, across chunks', () => {
    const full = encodeFrame({ opcode: 2, payload: new Uint8Array(300) });
    const reader = createReader({ direction: 'server' });
    reader.push(full.subarray(0, 100));
    reader.push(full.subarray(100, 250));
    expect(reader.finish()).toEqual({ offset: 0, needed: 54 });
    expect(reader.offset).toBe(250);
  });
});
