// What each header field means, in one or two plain sentences, with the RFC 6455 section
// that defines it. The sentences depend on the value read, so the learner sees what *this*
// frame says, not only what the field is for. Pure.
import { opcodeName } from '../../../server/core/wire/index.ts';
import type { FieldLayout, FieldName } from '../../../server/core/wire/types.ts';
import { normaliseHex } from './bytes.ts';

export interface FieldExplanation {
  /** the name the RFC's drawing uses */
  label: string;
  /** the label drawn inside a narrow cell */
  short: string;
  /** the value, written for a reader ("1", "0x1 text (1)", "5", "37 fa 21 3d") */
  valueText: string;
  /** the value as drawn inside the field's cell (shorter where the cell is narrow) */
  cellText: string;
  /** one or two sentences about this value */
  meaning: string;
  /** RFC 6455 section(s), e.g. "5.2" */
  rfc: string;
}

export const FIELD_LABELS: Record<FieldName, { label: string; short: string }> = {
  fin: { label: 'FIN', short: 'FIN' },
  rsv1: { label: 'RSV1', short: 'R1' },
  rsv2: { label: 'RSV2', short: 'R2' },
  rsv3: { label: 'RSV3', short: 'R3' },
  opcode: { label: 'Opcode', short: 'opcode' },
  mask: { label: 'MASK', short: 'MASK' },
  payloadLength7: { label: 'Payload len (7 bits)', short: 'payload len' },
  payloadLength16: { label: 'Extended payload length (16 bits)', short: 'extended payload length (16)' },
  payloadLength64: { label: 'Extended payload length (64 bits)', short: 'extended payload length (64)' },
  maskingKey: { label: 'Masking-key (32 bits)', short: 'masking-key' },
};

const OPCODE_MEANING: Record<number, string> = {
  0x0: 'A continuation frame: its payload carries on the fragmented message that an earlier text or binary frame started.',
  0x1: 'A text frame: the payload (of the whole message) must be valid UTF-8.',
  0x2: 'A binary frame: the payload is arbitrary bytes the application interprets.',
  0x8: 'A close frame: the sender starts or answers the closing handshake. An optional 2-byte status code and a UTF-8 reason follow.',
  0x9: 'A ping: a heartbeat. The receiver must answer with a pong carrying the same payload.',
  0xa: 'A pong: the answer to a ping (or an unprompted heartbeat). Its payload echoes the ping’s.',
};

function opcodeMeaning(op: number): { meaning: string; rfc: string } {
  if (op in OPCODE_MEANING) {
    const rfc = op === 0 ? '5.2, 5.4' : op <= 2 ? '5.2, 5.6' : op === 8 ? '5.5.1' : op === 9 ? '5.5.2' : '5.5.3';
    return { meaning: OPCODE_MEANING[op], rfc };
  }
  return op < 8
    ? { meaning: 'A reserved non-control opcode (0x3–0x7). No extension defines it here, so the receiver must fail the connection with 1002.', rfc: '5.2' }
    : { meaning: 'A reserved control opcode (0xB–0xF). No extension defines it here, so the receiver must fail the connection with 1002.', rfc: '5.2' };
}

function bit(value: number | string): number {
  return Number(value) ? 1 : 0;
}

function explain(layout: FieldLayout, frame: { opcode: number; masked: boolean; payloadLength: number }): Omit<FieldExplanation, 'cellText'> {
  const { label, short } = FIELD_LABELS[layout.field];
  const v = layout.value;
  switch (layout.field) {
    case 'fin':
      return {
        label,
        short,
        valueText: String(bit(v)),
        meaning: bit(v)
          ? 'This is the final fragment of its message (for an unfragmented message, the only one).'
          : 'More fragments follow: the message continues in continuation frames (opcode 0x0).',
        rfc: '5.2, 5.4',
      };
    case 'rsv1':
    case 'rsv2':
    case 'rsv3': {
      const on = bit(v);
      const deflate = layout.field === 'rsv1' ? ' permessage-deflate uses RSV1 to mark a compressed message (RFC 7692).' : '';
      return {
        label,
        short,
        valueText: String(on),
        meaning: on
          ? `Set. Reserved bits must be 0 unless a negotiated extension gives them a meaning; otherwise the receiver fails the connection with 1002.${deflate}`
          : `Reserved for extensions, and 0 here as it must be when none is negotiated.${deflate}`,
        rfc: '5.2',
      };
    }
    case 'opcode': {
      const op = Number(v);
      const { meaning, rfc } = opcodeMeaning(op);
      return { label, short, valueText: `0x${op.toString(16)} ${opcodeName(op).toLowerCase()} (${op})`, meaning, rfc };
    }
    case 'mask':
      return {
        label,
        short,
        valueText: String(bit(v)),
        meaning: bit(v)
          ? 'The payload is masked with the 4-byte masking key that follows the length. Every frame a client sends must be masked.'
          : 'The payload is sent as is, with no masking key. Servers never mask; a client frame without a mask must be refused with 1002.',
        rfc: '5.1, 5.2, 5.3',
      };
    case 'payloadLength7': {
      const n = Number(v);
      return {
        label,
        short,
        valueText: String(n),
        meaning:
          n === 126
            ? '126 is a signal, not a length: the real payload length is in the next 16 bits (for 126 to 65,535 bytes).'
            : n === 127
              ? '127 is a signal, not a length: the real payload length is in the next 64 bits (for 65,536 bytes or more).'
              : `The payload is ${n} byte${n === 1 ? '' : 's'} long. Lengths up to 125 fit in these 7 bits directly.`,
        rfc: '5.2',
      };
    }
    case 'payloadLength16':
      return {
        label,
        short,
        valueText: String(v),
        meaning: `The payload is ${Number(v).toLocaleString('en-US')} bytes long, as an unsigned 16-bit number in network byte order (big-endian). It must be at least 126, or the 7-bit form should have been used.`,
        rfc: '5.2',
      };
    case 'payloadLength64':
      return {
        label,
        short,
        valueText: String(v),
        meaning: `The payload is ${typeof v === 'number' ? v.toLocaleString('en-US') : v} bytes long, as an unsigned 64-bit big-endian number whose most significant bit must be 0. It must be at least 65,536.`,
        rfc: '5.2',
      };
    case 'maskingKey':
      return {
        label,
        short,
        valueText: normaliseHex(String(v)),
        meaning:
          'Payload byte i is XORed with key byte i mod 4, so the key repeats every 4 bytes; XOR again with the same key to unmask. The client picks a fresh random key per frame so that a proxy cannot be fed attacker-chosen bytes.',
        rfc: '5.3, 10.3',
      };
  }
}

const SHORT_OPCODE: Record<number, string> = { 0: 'cont.', 1: 'text', 2: 'binary', 8: 'close', 9: 'ping', 10: 'pong' };

/** Explain one field of one frame. `masked`/`opcode` come from the frame, for the sentences that depend on them. */
export function explainField(layout: FieldLayout, frame: { opcode: number; masked: boolean; payloadLength: number }): FieldExplanation {
  const e = explain(layout, frame);
  const op = Number(layout.value);
  const cellText = layout.field === 'opcode' ? `0x${op.toString(16)} ${SHORT_OPCODE[op] ?? 'reserved'}` : e.valueText;
  return { ...e, cellText };
}
