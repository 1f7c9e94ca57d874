// Views of a frame: the `wslab decode` JSON contract (DESIGN.md), one readable line, close bodies,
// and the opcode / close-code tables (RFC 6455 §5.2, §7.4).
import { describe, expect, it } from 'vitest';
import {
  CLOSE_CODES,
  closePayload,
  createReader,
  describeCloseCode,
  encodeFrame,
  formatFrame,
  frameToJson,
  isControlOpcode,
  opcodeName,
  OPCODES,
  parseClosePayload,
  type Frame,
  type FrameSpec,
} from '../../../server/core/wire/index.ts';

function decodeOne(spec: FrameSpec): Frame {
  const e = createReader({ direction: 'any' }).push(encodeFrame(spec))[0];
  if (e.type !== 'frame') throw new Error(e.violation.reason);
  return e.frame;
}

describe('frameToJson (the `wslab decode` contract)', () => {
  it('prints every field of a masked text frame', () => {
    expect(frameToJson(decodeOne({ opcode: 1, payload: new TextEncoder().encode('Hello'), maskingKey: Uint8Array.of(0x37, 0xfa, 0x21, 0x3d) }))).toEqual({
      offset: 0,
      fin: true,
      rsv1: false,
      rsv2: false,
      rsv3: false,
      opcode: 1,
      opcodeName: 'TEXT',
      masked: true,
      maskingKey: '37fa213d',
      payloadLength: 5,
      headerLength: 6,
      payloadHex: '48656c6c6f',
      text: 'Hello',
      closeCode: null,
      closeReason: null,
    });
  });

  it('fills closeCode and closeReason for a Close frame, and text is null', () => {
    const json = frameToJson(decodeOne({ opcode: 8, payload: closePayload(1001, 'bye') }));
    expect([json.opcodeName, json.closeCode, json.closeReason, json.text, json.payloadHex]).toEqual(['CLOSE', 1001, 'bye', null, '03e9627965']);
  });

  it('an empty Close has no code; binary frames have no text', () => {
    expect(frameToJson(decodeOne({ opcode: 8 })).closeCode).toBeNull();
    expect(frameToJson(decodeOne({ opcode: 2, payload: Uint8Array.of(0x68, 0x69) })).text).toBeNull();
  });
});

describe('formatFrame', () => {
  it.each([
    [{ opcode: 1, payload: new TextEncoder().encode('hi'), maskingKey: Uint8Array.of(1, 2, 3, 4) }, "TEXT 'hi' [2 bytes, fin, masked]"],
    [{ opcode: 1, fin: false, payload: new TextEncoder().encode("it's") }, "TEXT 'it\\'s' [4 bytes, continued]"],
    [{ opcode: 2, payload: Uint8Array.of(0, 1, 0xff) }, 'BINARY 0x0001ff [3 bytes, fin]'],
    [{ opcode: 2, payload: new Uint8Array(20) }, 'BINARY 0x00000000000000000000000000000000… [20 bytes, fin]'],
    [{ opcode: 8, payload: closePayload(1000, 'done') }, "CLOSE 1000 Normal Closure 'done' [6 bytes, fin]"],
    [{ opcode: 8 }, "CLOSE (no code) [0 bytes, fin]"],
    [{ opcode: 9, payload: new TextEncoder().encode('p') }, "PING 'p' [1 byte, fin]"],
    [{ opcode: 10 }, "PONG '' [0 bytes, fin]"],
  ] as [FrameSpec, string][])('formats frame %# as %s', (spec, line) => {
    expect(formatFrame(decodeOne(spec))).toBe(line);
  });

  it('tolerates frames a reader would reject and garbage', () => {
    expect(formatFrame({ ...decodeOne({ opcode: 2 }), opcode: 3, rsv2: true })).toBe("OP_0x3 '' [0 bytes, fin, rsv2]");
    expect(formatFrame({ ...decodeOne({ opcode: 1, payload: Uint8Array.of(0xf2) }), rsv1: true })).toBe('TEXT 0xf2 [1 byte, fin, compressed]');
    expect(formatFrame({ ...decodeOne({ opcode: 2, fin: false, payload: Uint8Array.of(1) }), opcode: 0 })).toBe('CONT 0x01 [1 byte, continued]');
    expect(formatFrame(null as unknown as Frame)).toBe("FRAME? '' [0 bytes, fin]");
    expect(formatFrame({ opcode: 1, payload: Uint8Array.of(0xff) } as unknown as Frame)).toBe("TEXT '\ufffd' [1 byte, fin]");
  });

  it('escapes control characters and shortens long text', () => {
    expect(formatFrame(decodeOne({ opcode: 1, payload: new TextEncoder().encode('a\nb') }))).toBe("TEXT 'a\\x0ab' [3 bytes, fin]");
    expect(formatFrame(decodeOne({ opcode: 1, payload: new TextEncoder().encode('y'.repeat(50)) }))).toBe(`TEXT '${'y'.repeat(40)}…' [50 bytes, fin]`);
  });
});

describe('RFC 6455 §5.5.1 close bodies', () => {
  it('reads the code and the UTF-8 reason', () => {
    expect(parseClosePayload(closePayload(4001, 'unauthorized ✗'))).toEqual({ code: 4001, reason: 'unauthorized ✗' });
    expect(parseClosePayload(new Uint8Array(0))).toBeNull();
    expect(parseClosePayload(Uint8Array.of(3))).toBeNull();
  });
});

describe('RFC 6455 §5.2 opcodes and §7.4 close codes', () => {
  it('names opcodes and tells control from data', () => {
    expect([0, 1, 2, 3, 8, 9, 10, 15].map(opcodeName)).toEqual(['CONTINUATION', 'TEXT', 'BINARY', 'RESERVED_3', 'CLOSE', 'PING', 'PONG', 'RESERVED_F']);
    expect([OPCODES.TEXT, OPCODES.CLOSE, OPCODES.PING, 0xb].map(isControlOpcode)).toEqual([false, true, true, true]);
  });

  it('describes registered codes with a name, a meaning and whether they may be sent', () => {
    expect(describeCloseCode(1000)).toEqual({ code: 1000, name: 'Normal Closure', meaning: 'The purpose of the connection has been fulfilled.', sendable: true });
    expect([1004, 1005, 1006, 1015].map((c) => describeCloseCode(c).sendable)).toEqual([false, false, false, false]);
    expect([1012, 1013, 1014].map((c) => describeCloseCode(c).sendable)).toEqual([true, true, true]);
    expect(Object.keys(CLOSE_CODES).length).toBe(16);
  });

  it('describes the ranges outside the registry', () => {
    expect([999, 1016, 2999, 3000, 4000, 4999, 5000].map((c) => [describeCloseCode(c).name, describeCloseCode(c).sendable])).toEqual([
      ['Unused', false],
      ['Reserved', false],
      ['Reserved', false],
      ['Registered (library/framework)', true],
      ['Private Use', true],
      ['Private Use', true],
      ['Undefined', false],
    ]);
  });
});
