// Ready-made frames, most of them breaking RFC 6455 on purpose: pure data, checked by
// test/unit/web-builder-presets.test.ts (each encodes to the bytes its description promises).
import { closePayload, toHex } from '../../../server/core/wire/index.ts';
import { RFC_KEY, type BuilderFrame } from './model.ts';

export interface Preset {
  id: string;
  label: string;
  /** what the frames do and why a server objects */
  about: string;
  /** the close code a conforming server answers with; null when the frames are valid */
  expectClose: number | null;
  /** the RFC 6455 section that states the rule */
  rfc: string;
  frames: BuilderFrame[];
}

function frame(over: Partial<BuilderFrame>): BuilderFrame {
  return { fin: true, rsv1: false, rsv2: false, rsv3: false, opcode: 1, mask: true, maskingKey: RFC_KEY, payloadMode: 'text', payload: '', lengthOverride: null, lengthBits: null, ...over };
}

export const PRESETS: readonly Preset[] = [
  {
    id: 'hello',
    label: 'valid: masked Hello',
    about: 'The RFC’s own example: a masked text frame from a client. The server echoes it back, unmasked.',
    expectClose: null,
    rfc: '5.7',
    frames: [frame({ payload: 'Hello' })],
  },
  {
    id: 'bad-utf8-fragments',
    label: 'bad UTF-8 across fragments',
    about: 'A text message in two frames: the first ends halfway through "é" (C3), the second continues with 28, which cannot follow C3. Text must be valid UTF-8 once assembled: 1007.',
    expectClose: 1007,
    rfc: '8.1',
    frames: [frame({ fin: false, opcode: 1, payloadMode: 'hex', payload: '63 61 66 c3' }), frame({ fin: true, opcode: 0, payloadMode: 'hex', payload: '28' })],
  },
  {
    id: 'fragmented-ping',
    label: 'fragmented ping',
    about: 'A ping with FIN = 0. Control frames must not be fragmented: 1002.',
    expectClose: 1002,
    rfc: '5.5',
    frames: [frame({ fin: false, opcode: 9, payload: 'hi' })],
  },
  {
    id: 'long-ping',
    label: '126-byte ping',
    about: 'A ping carrying 126 bytes, so it needs the 16-bit length. Control frames carry at most 125: 1002.',
    expectClose: 1002,
    rfc: '5.5',
    frames: [frame({ opcode: 9, payload: 'p'.repeat(126) })],
  },
  {
    id: 'reserved-opcode',
    label: 'reserved opcode 0x3',
    about: 'Opcodes 3-7 and B-F are reserved for future data and control frames. A server that meets one must fail the connection: 1002.',
    expectClose: 1002,
    rfc: '5.2',
    frames: [frame({ opcode: 3, payload: 'x' })],
  },
  {
    id: 'rsv1-no-deflate',
    label: 'RSV1 without deflate',
    about: 'RSV1 set on a text frame, but this connection negotiated no extension (the builder offers none). Unknown RSV bits must fail the connection: 1002.',
    expectClose: 1002,
    rfc: '5.2',
    frames: [frame({ rsv1: true, payload: 'Hello' })],
  },
  {
    id: 'close-1005',
    label: 'close code 1005 on the wire',
    about: '1005 means "no status code was present": an API may report it, but it must never be sent in a close frame. The server answers 1002.',
    expectClose: 1002,
    rfc: '7.4.1',
    frames: [frame({ opcode: 8, payloadMode: 'hex', payload: toHex(closePayload(1005)) })],
  },
  {
    id: 'unmasked',
    label: 'unmasked client frame',
    about: 'A client must mask every frame it sends. A server that receives an unmasked one must close the connection: 1002.',
    expectClose: 1002,
    rfc: '5.1',
    frames: [frame({ mask: false, payload: 'Hello' })],
  },
];
