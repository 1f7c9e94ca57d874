// Views of a decoded frame: the `wslab decode` JSON (DESIGN.md public contract), one
// readable line for logs and the terminal, and the layout of every header field (RFC 6455
// §5.2) for the anatomy view. Layouts are derived on demand, never stored per frame.

import { describeCloseCode, opcodeName } from './constants.ts';
import { toHex } from './hex.ts';
import type { FieldLayout, Frame, FrameJson } from './types.ts';
import { decodeUtf8Lossy } from './utf8.ts';

export interface ClosePayload {
  code: number;
  reason: string;
}

/**
 * §5.5.1: "If there is a body, the first two bytes of the body MUST be a 2-byte unsigned
 * integer (in network byte order) representing a status code", followed by a UTF-8 reason.
 * Returns null for an empty (or 1-byte, malformed) body. The reason is decoded leniently.
 */
export function parseClosePayload(payload: Uint8Array): ClosePayload | null {
  if (!payload || payload.length < 2) return null;
  return { code: (payload[0] << 8) | payload[1], reason: decodeUtf8Lossy(payload.subarray(2)) };
}

/** The object `wslab decode` prints for one frame. `text` is set for uncompressed TEXT frames only. */
export function frameToJson(frame: Frame): FrameJson {
  const payload = frame.payload ?? new Uint8Array(0);
  const close = frame.opcode === 0x8 ? parseClosePayload(payload) : null;
  return {
    offset: frame.offset,
    fin: frame.fin,
    rsv1: frame.rsv1,
    rsv2: frame.rsv2,
    rsv3: frame.rsv3,
    opcode: frame.opcode,
    opcodeName: opcodeName(frame.opcode),
    masked: frame.masked,
    maskingKey: frame.maskingKey ? toHex(frame.maskingKey, '') : null,
    payloadLength: frame.payloadLength,
    headerLength: frame.headerLength,
    payloadHex: toHex(payload, ''),
    text: frame.opcode === 0x1 && !frame.rsv1 ? decodeUtf8Lossy(payload) : null,
    closeCode: close ? close.code : null,
    closeReason: close ? close.reason : null,
  };
}

const SHORT_NAMES: Record<number, string> = { 0: 'CONT', 1: 'TEXT', 2: 'BINARY', 8: 'CLOSE', 9: 'PING', 10: 'PONG' };
const PREVIEW_CHARS = 40;
const PREVIEW_BYTES = 16;

function quote(s: string): string {
  const cut = s.length > PREVIEW_CHARS ? s.slice(0, PREVIEW_CHARS) + '…' : s;
  return `'${cut.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/[\u0000-\u001f\u007f]/g, (c) => '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0'))}'`;
}

function bytesPreview(p: Uint8Array): string {
  if (p.length === 0) return "''";
  const head = toHex(p.subarray(0, PREVIEW_BYTES), '');
  return `0x${head}${p.length > PREVIEW_BYTES ? '…' : ''}`;
}

/**
 * One readable line, e.g. `TEXT 'hi' [2 bytes, fin, masked]` or
 * `CLOSE 1000 Normal Closure 'bye' [5 bytes, fin]`. Tolerates malformed or partial frames.
 */
export function formatFrame(frame: Frame): string {
  try {
    const f = (frame ?? {}) as Partial<Frame>;
    const op = typeof f.opcode === 'number' ? f.opcode : -1;
    const name = SHORT_NAMES[op] ?? (op >= 0 ? `OP_0x${op.toString(16).toUpperCase()}` : 'FRAME?');
    const payload = f.payload instanceof Uint8Array ? f.payload : new Uint8Array(0);
    let body: string;
    if (op === 0x1 && !f.rsv1) body = quote(decodeUtf8Lossy(payload));
    else if (op === 0x8) {
      const close = parseClosePayload(payload);
      body = close ? `${close.code} ${describeCloseCode(close.code).name}${close.reason ? ' ' + quote(close.reason) : ''}` : payload.length === 1 ? 'malformed 1-byte body' : '(no code)';
    } else if ((op === 0x9 || op === 0xa) && payload.length > 0) body = quote(decodeUtf8Lossy(payload));
    else body = bytesPreview(payload);
    const len = typeof f.payloadLength === 'number' ? f.payloadLength : payload.length;
    const flags: string[] = [`${len} byte${len === 1 ? '' : 's'}`];
    flags.push(f.fin === false ? 'continued' : 'fin');
    if (f.rsv1) flags.push(op === 0x1 || op === 0x2 ? 'compressed' : 'rsv1');
    if (f.rsv2) flags.push('rsv2');
    if (f.rsv3) flags.push('rsv3');
    if (f.masked) flags.push('masked');
    return `${name} ${body} [${flags.join(', ')}]`;
  } catch {
    return 'FRAME? [unreadable]';
  }
}

/**
 * Where each header field sits (RFC 6455 §5.2), relative to the frame's first byte:
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-------+-+-------------+-------------------------------+
 *  |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
 *  |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
 *  |N|V|V|V|       |S|             |   (if payload len==126/127)   |
 *  | |1|2|3|       |K|             |                               |
 */
export function frameFields(frame: Frame): FieldLayout[] {
  const op = frame.opcode;
  const len = frame.payloadLength;
  const bits = frame.lengthBits ?? (len < 126 ? 7 : len < 0x10000 ? 16 : 64);
  const fields: FieldLayout[] = [
    { field: 'fin', byteOffset: 0, bitOffset: 0, bits: 1, value: frame.fin ? 1 : 0 },
    { field: 'rsv1', byteOffset: 0, bitOffset: 1, bits: 1, value: frame.rsv1 ? 1 : 0 },
    { field: 'rsv2', byteOffset: 0, bitOffset: 2, bits: 1, value: frame.rsv2 ? 1 : 0 },
    { field: 'rsv3', byteOffset: 0, bitOffset: 3, bits: 1, value: frame.rsv3 ? 1 : 0 },
    { field: 'opcode', byteOffset: 0, bitOffset: 4, bits: 4, value: op },
    { field: 'mask', byteOffset: 1, bitOffset: 0, bits: 1, value: frame.masked ? 1 : 0 },
    { field: 'payloadLength7', byteOffset: 1, bitOffset: 1, bits: 7, value: bits === 7 ? len : bits === 16 ? 126 : 127 },
  ];
  let next = 2;
  if (bits === 16) {
    fields.push({ field: 'payloadLength16', byteOffset: 2, bitOffset: 0, bits: 16, value: len });
    next = 4;
  } else if (bits === 64) {
    fields.push({ field: 'payloadLength64', byteOffset: 2, bitOffset: 0, bits: 64, value: len });
    next = 10;
  }
  if (frame.masked && frame.maskingKey) {
    fields.push({ field: 'maskingKey', byteOffset: next, bitOffset: 0, bits: 32, value: toHex(frame.maskingKey, '') });
  }
  return fields;
}
