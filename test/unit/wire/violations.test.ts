// One test per rule the reader enforces: the kind, the close code RFC 6455 requires and the
// exact stream offset of the byte that proves the violation.
import { describe, expect, it } from 'vitest';
import { closePayload, concatBytes, createReader, encodeFrame, type FrameSpec, type ReaderOptions, type Violation } from '../../../server/core/wire/index.ts';

const KEY = Uint8Array.of(1, 2, 3, 4);
const text = (s: string) => new TextEncoder().encode(s);

/** Builds a stream from frame specs (raw Uint8Arrays are inserted as is). */
function stream(...parts: (FrameSpec | Uint8Array)[]): Uint8Array {
  return concatBytes(parts.map((p) => (p instanceof Uint8Array ? p : encodeFrame(p))));
}

/** Feeds the stream one byte at a time and returns the violation plus how many frames came before it. */
function check(bytes: Uint8Array, opts: ReaderOptions = { direction: 'any' }): { violation: Violation | null; frames: number; seenAfter: number } {
  const reader = createReader(opts);
  let frames = 0;
  let violation: Violation | null = null;
  let seenAfter = -1;
  for (let i = 0; i < bytes.length; i++) {
    for (const e of reader.push(bytes.subarray(i, i + 1))) {
      if (e.type === 'frame') frames++;
      else {
        violation = e.violation;
        seenAfter = i;
      }
    }
  }
  expect(reader.violation).toEqual(violation);
  return { violation, frames, seenAfter };
}

function expectViolation(bytes: Uint8Array, opts: ReaderOptions, kind: string, closeCode: number, offset: number): Violation {
  const { violation } = check(bytes, opts);
  expect(violation).not.toBeNull();
  expect({ kind: violation!.kind, closeCode: violation!.closeCode, offset: violation!.offset }).toEqual({ kind, closeCode, offset });
  expect(violation!.reason.length).toBeGreaterThan(20);
  expect(violation!.rfc).toMatch(/^\d/);
  return violation!;
}

const ping7 = { opcode: 9, payload: text('hello') } satisfies FrameSpec; // 7 bytes unmasked

describe('RFC 6455 §5.2 base framing', () => {
  it('RESERVED_OPCODE: opcode 0x3 fails with 1002 at the opcode byte', () => {
    const v = expectViolation(stream(ping7, { opcode: 3 }), { direction: 'any' }, 'RESERVED_OPCODE', 1002, 7);
    expect(v.rfc).toBe('5.2');
  });

  it('RESERVED_OPCODE: control opcode 0xB fails the same way', () => {
    expectViolation(stream({ opcode: 0xb }), { direction: 'any' }, 'RESERVED_OPCODE', 1002, 0);
  });

  it('RSV_WITHOUT_EXTENSION: RSV2 set fails with 1002 at byte 0 of the frame', () => {
    expectViolation(stream(ping7, { opcode: 2, rsv2: true }), { direction: 'any', perMessageDeflate: true }, 'RSV_WITHOUT_EXTENSION', 1002, 7);
  });

  it('RSV_WITHOUT_EXTENSION: RSV3 set fails even with permessage-deflate', () => {
    expectViolation(stream({ opcode: 1, rsv3: true }), { direction: 'any', perMessageDeflate: true }, 'RSV_WITHOUT_EXTENSION', 1002, 0);
  });

  it('RSV_WITHOUT_EXTENSION: RSV1 fails when permessage-deflate was not negotiated', () => {
    expectViolation(stream(ping7, { opcode: 1, rsv1: true }), { direction: 'any' }, 'RSV_WITHOUT_EXTENSION', 1002, 7);
  });

  it('RSV_WITHOUT_EXTENSION: RSV1 on a control frame fails even with permessage-deflate', () => {
    expectViolation(stream({ opcode: 9, rsv1: true }), { direction: 'any', perMessageDeflate: true }, 'RSV_WITHOUT_EXTENSION', 1002, 0);
  });

  it('RSV1 on the first frame of a data message is accepted with permessage-deflate', () => {
    const r = check(stream({ opcode: 1, rsv1: true, fin: false, payload: text('ab') }, { opcode: 0, payload: text('c') }), { direction: 'any', perMessageDeflate: true });
    expect(r).toEqual({ violation: null, frames: 2, seenAfter: -1 });
  });

  it('RSV1_ON_CONTINUATION: RSV1 on a continuation frame fails with 1002 (RFC 7692 §6.1)', () => {
    expectViolation(
      stream({ opcode: 1, rsv1: true, fin: false, payload: text('ab') }, { opcode: 0, rsv1: true, payload: text('c') }),
      { direction: 'any', perMessageDeflate: true },
      'RSV1_ON_CONTINUATION',
      1002,
      4,
    );
  });

  it('LENGTH_MSB_SET: a 64-bit length with the top bit set fails with 1002 at byte 2, as soon as byte 2 arrives', () => {
    const bytes = Uint8Array.of(0x82, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 5, 1, 2, 3, 4, 5);
    const r = check(bytes, { direction: 'server' });
    expect(r.violation?.kind).toBe('LENGTH_MSB_SET');
    expect(r.violation?.closeCode).toBe(1002);
    expect(r.violation?.offset).toBe(2);
    expect(r.seenAfter).toBe(2);
  });

  it('LENGTH_MSB_SET: encodeFrame can write a length of 2^63 on purpose', () => {
    expectViolation(encodeFrame({ opcode: 2, lengthOverride: 2 ** 63, lengthBits: 64 }), { direction: 'any' }, 'LENGTH_MSB_SET', 1002, 2);
  });

  it('non-minimal length encodings (126 + 0x0005) are accepted, as ws accepts them', () => {
    const r = check(encodeFrame({ opcode: 2, payload: text('12345'), lengthBits: 16 }), { direction: 'server' });
    expect(r).toEqual({ violation: null, frames: 1, seenAfter: -1 });
  });
});

describe('RFC 6455 §5.1 / §5.3 masking', () => {
  it('CLIENT_FRAME_UNMASKED: an unmasked frame from a client fails with 1002 at byte 1', () => {
    expectViolation(stream({ opcode: 1, payload: text('x'), maskingKey: KEY }, { opcode: 1, payload: text('y') }), { direction: 'client' }, 'CLIENT_FRAME_UNMASKED', 1002, 8);
  });

  it('SERVER_FRAME_MASKED: a masked frame from a server fails with 1002 at byte 1', () => {
    expectViolation(stream(ping7, { opcode: 2, payload: text('y'), maskingKey: KEY }), { direction: 'server' }, 'SERVER_FRAME_MASKED', 1002, 8);
  });

  it("direction 'any' accepts masked and unmasked frames alike", () => {
    const r = check(stream(ping7, { opcode: 2, payload: text('y'), maskingKey: KEY }), { direction: 'any' });
    expect(r).toEqual({ violation: null, frames: 2, seenAfter: -1 });
  });
});

describe('RFC 6455 §5.4 fragmentation', () => {
  it('CONTINUATION_WITHOUT_START: a continuation with no message in progress fails with 1002 at byte 0', () => {
    expectViolation(stream(ping7, { opcode: 0, payload: text('x') }), { direction: 'server' }, 'CONTINUATION_WITHOUT_START', 1002, 7);
  });

  it('DATA_INSIDE_FRAGMENTED_MESSAGE: a new text frame inside a fragmented message fails with 1002', () => {
    expectViolation(
      stream({ opcode: 1, fin: false, payload: text('ab') }, ping7, { opcode: 2, payload: text('c') }),
      { direction: 'server' },
      'DATA_INSIDE_FRAGMENTED_MESSAGE',
      1002,
      11,
    );
  });

  it('control frames may be injected in the middle of a fragmented message', () => {
    const r = check(stream({ opcode: 1, fin: false, payload: text('ab') }, ping7, { opcode: 0, payload: text('c') }), { direction: 'server' });
    expect(r).toEqual({ violation: null, frames: 3, seenAfter: -1 });
  });
});

describe('RFC 6455 §5.5 control frames', () => {
  it('CONTROL_FRAGMENTED: a ping with FIN=0 fails with 1002 at byte 0', () => {
    expectViolation(stream(ping7, { opcode: 9, fin: false }), { direction: 'server' }, 'CONTROL_FRAGMENTED', 1002, 7);
  });

  it('CONTROL_TOO_LONG: a ping with a 126-byte payload fails with 1002 at the length byte, before the payload', () => {
    const bytes = encodeFrame({ opcode: 9, payload: new Uint8Array(126) });
    const r = check(bytes, { direction: 'server' });
    expect([r.violation?.kind, r.violation?.closeCode, r.violation?.offset, r.seenAfter]).toEqual(['CONTROL_TOO_LONG', 1002, 1, 1]);
  });

  it('a 125-byte pong is the largest control frame allowed', () => {
    expect(check(encodeFrame({ opcode: 10, payload: new Uint8Array(125) }), { direction: 'server' })).toEqual({ violation: null, frames: 1, seenAfter: -1 });
  });
});

describe('RFC 6455 §5.5.1 / §7.4 close frames', () => {
  it('CLOSE_PAYLOAD_ONE_BYTE: a Close with a 1-byte body fails with 1002 at the length byte', () => {
    expectViolation(stream(ping7, { opcode: 8, payload: Uint8Array.of(3) }), { direction: 'server' }, 'CLOSE_PAYLOAD_ONE_BYTE', 1002, 8);
  });

  for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535]) {
    it(`CLOSE_CODE_INVALID: code ${code} may not be sent and fails with 1002 at the code`, () => {
      expectViolation(stream(ping7, { opcode: 8, payload: closePayload(code, 'x') }), { direction: 'server' }, 'CLOSE_CODE_INVALID', 1002, 9);
    });
  }

  for (const code of [1000, 1001, 1003, 1007, 1011, 1012, 1013, 1014, 3000, 4999]) {
    it(`close code ${code} is accepted`, () => {
      expect(check(stream({ opcode: 8, payload: closePayload(code, 'bye') }), { direction: 'server' })).toEqual({ violation: null, frames: 1, seenAfter: -1 });
    });
  }

  it('CLOSE_REASON_INVALID_UTF8: an invalid reason byte fails with 1007 at that byte', () => {
    const payload = Uint8Array.of(0x03, 0xe8, 0x6f, 0x6b, 0xff, 0x21); // 1000 "ok" FF "!"
    expectViolation(stream(ping7, { opcode: 8, payload }), { direction: 'server' }, 'CLOSE_REASON_INVALID_UTF8', 1007, 7 + 2 + 4);
  });

  it('CLOSE_REASON_INVALID_UTF8: a reason cut inside a character fails at the character start', () => {
    const payload = Uint8Array.of(0x03, 0xe8, 0x61, 0xe2, 0x82); // 1000 "a" + first 2 bytes of "€"
    expectViolation(stream({ opcode: 8, payload }), { direction: 'server' }, 'CLOSE_REASON_INVALID_UTF8', 1007, 2 + 3);
  });

  it('FRAME_AFTER_CLOSE: a text frame after a Close fails with 1002 at its byte 0', () => {
    expectViolation(stream({ opcode: 8, payload: closePayload(1000) }, { opcode: 1, payload: text('late') }), { direction: 'server' }, 'FRAME_AFTER_CLOSE', 1002, 4);
  });

  it('a continuation after a Close is FRAME_AFTER_CLOSE too', () => {
    expectViolation(
      stream({ opcode: 1, fin: false, payload: text('a') }, { opcode: 8 }, { opcode: 0, payload: text('b') }),
      { direction: 'server' },
      'FRAME_AFTER_CLOSE',
      1002,
      5,
    );
  });
});

describe('RFC 6455 §8.1 UTF-8 in text messages', () => {
  it('TEXT_INVALID_UTF8: an invalid byte fails with 1007 at that byte', () => {
    // "ab" then ED A0 80 (an encoded surrogate): invalid at A0.
    const payload = Uint8Array.of(0x61, 0x62, 0xed, 0xa0, 0x80);
    expectViolation(stream(ping7, { opcode: 1, payload, maskingKey: KEY }), { direction: 'any' }, 'TEXT_INVALID_UTF8', 1007, 7 + 6 + 3);
  });

  it('a character split across fragments is valid ("€" = E2 82 | AC)', () => {
    const r = check(stream({ opcode: 1, fin: false, payload: Uint8Array.of(0x61, 0xe2, 0x82) }, ping7, { opcode: 0, payload: Uint8Array.of(0xac) }), { direction: 'server' });
    expect(r).toEqual({ violation: null, frames: 3, seenAfter: -1 });
  });

  it('TEXT_INVALID_UTF8: a split character whose continuation is wrong fails at the first byte of the next fragment', () => {
    // frame 1 (offset 0): 01 03 61 E2 82; frame 2 (offset 5): 80 01 41 → 41 at offset 7 cannot continue E2 82.
    expectViolation(stream({ opcode: 1, fin: false, payload: Uint8Array.of(0x61, 0xe2, 0x82) }, { opcode: 0, payload: Uint8Array.of(0x41) }), { direction: 'server' }, 'TEXT_INVALID_UTF8', 1007, 7);
  });

  it('TEXT_INVALID_UTF8: a message ending inside a character fails at the character start, even across fragments', () => {
    // frame 1: 01 02 61 F0; frame 2 (offset 4): 00 01 9F; frame 3 (offset 7): 80 00 → the 4-byte character starting at 3 is unfinished.
    expectViolation(
      stream({ opcode: 1, fin: false, payload: Uint8Array.of(0x61, 0xf0) }, { opcode: 0, fin: false, payload: Uint8Array.of(0x9f) }, { opcode: 0 }),
      { direction: 'server' },
      'TEXT_INVALID_UTF8',
      1007,
      3,
    );
  });

  it('compressed text is not checked by the reader (it cannot see the inflated bytes)', () => {
    expect(check(stream({ opcode: 1, rsv1: true, payload: Uint8Array.of(0xff, 0xfe) }), { direction: 'server', perMessageDeflate: true })).toEqual({ violation: null, frames: 1, seenAfter: -1 });
  });

  it('binary messages are not UTF-8 checked', () => {
    expect(check(stream({ opcode: 2, payload: Uint8Array.of(0xff, 0xfe) }), { direction: 'server' })).toEqual({ violation: null, frames: 1, seenAfter: -1 });
  });
});

describe('RFC 6455 §10.4 / §7.4.1 maximum payload', () => {
  it('PAYLOAD_TOO_BIG: a frame declaring more than maxPayload fails with 1009 at its length field, before the payload', () => {
    const bytes = encodeFrame({ opcode: 2, payload: new Uint8Array(200), maskingKey: KEY });
    const r = check(bytes, { direction: 'client', maxPayload: 100 });
    expect([r.violation?.kind, r.violation?.closeCode, r.violation?.offset, r.seenAfter]).toEqual(['PAYLOAD_TOO_BIG', 1009, 2, 3]);
  });

  it('PAYLOAD_TOO_BIG: a 7-bit length over the limit points at byte 1', () => {
    expectViolation(stream(ping7, { opcode: 2, payload: new Uint8Array(11) }), { direction: 'server', maxPayload: 10 }, 'PAYLOAD_TOO_BIG', 1009, 8);
  });

  it('PAYLOAD_TOO_BIG: a fragmented message whose frames add up to more than maxPayload fails at the length of the frame that crosses it', () => {
    // frame 1: 2+60 bytes; ping 7 bytes at 62; frame 3 at 69, its length byte at 70.
    expectViolation(
      stream({ opcode: 2, fin: false, payload: new Uint8Array(60) }, ping7, { opcode: 0, payload: new Uint8Array(41) }),
      { direction: 'server', maxPayload: 100 },
      'PAYLOAD_TOO_BIG',
      1009,
      70,
    );
  });

  it('a payload of exactly maxPayload is accepted', () => {
    expect(check(stream({ opcode: 2, payload: new Uint8Array(100) }), { direction: 'server', maxPayload: 100 })).toEqual({ violation: null, frames: 1, seenAfter: -1 });
  });

  it('a declared length of 2^53 with maxPayload 1009 fails with 1009 and allocates nothing', () => {
    const bytes = encodeFrame({ opcode: 2, lengthOverride: 2 ** 53, lengthBits: 64 });
    expectViolation(bytes, { direction: 'server', maxPayload: 1009 }, 'PAYLOAD_TOO_BIG', 1009, 2);
  });
});

describe('after a violation', () => {
  it('the reader yields nothing more and finish() reports no incomplete frame', () => {
    const reader = createReader({ direction: 'server' });
    const events = reader.push(stream(ping7, { opcode: 3 }, ping7));
    expect(events.map((e) => e.type)).toEqual(['frame', 'violation']);
    expect(reader.push(encodeFrame(ping7))).toEqual([]);
    expect(reader.finish()).toBeNull();
    expect(reader.violation?.kind).toBe('RESERVED_OPCODE');
  });

  it('a frame with a payload-level violation is yielded before the violation', () => {
    const reader = createReader({ direction: 'server' });
    const events = reader.push(encodeFrame({ opcode: 8, payload: closePayload(1005) }));
    expect(events.map((e) => e.type)).toEqual(['frame', 'violation']);
  });
});
