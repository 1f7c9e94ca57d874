// The frame encoder: RFC 6455 §5.2 in reverse. It builds any frame a FrameSpec describes,
// including invalid ones on purpose (unmasked client frames, oversized control frames,
// reserved opcodes, lengths that lie, non-minimal length encodings) for the frame builder.

import type { Frame, FrameSpec } from './types.ts';

const TWO_32 = 0x100000000;

/**
 * Build the bytes of one frame. Throws RangeError only for specs that no header can carry:
 * a masking key that is not 4 bytes, a negative or non-integer length, or a length that does
 * not fit the forced encoding (7 bits hold 0-127 raw, 16 bits 0-65535, 64 bits 0-2^64-1).
 */
export function encodeFrame(spec: FrameSpec): Uint8Array {
  const payload = spec.payload ?? new Uint8Array(0);
  const key = spec.maskingKey ?? null;
  if (key !== null && key.length !== 4) throw new RangeError(`a masking key is 4 bytes, got ${key.length}`);
  const len = spec.lengthOverride ?? payload.length;
  if (!Number.isInteger(len) || len < 0) throw new RangeError(`a payload length is a non-negative integer, got ${len}`);
  // §5.2: "the minimal number of bytes MUST be used to encode the length" — the default here.
  const bits = spec.lengthBits ?? (len < 126 ? 7 : len < 0x10000 ? 16 : 64);
  if (bits === 7 && len > 127) throw new RangeError(`the 7-bit length field holds at most 127, got ${len}`);
  if (bits === 16 && len > 0xffff) throw new RangeError(`the 16-bit length field holds at most 65535, got ${len}`);
  if (bits === 64 && len >= TWO_32 * TWO_32) throw new RangeError(`the 64-bit length field holds less than 2^64, got ${len}`);
  const ext = bits === 7 ? 0 : bits === 16 ? 2 : 8;
  const headerLength = 2 + ext + (key ? 4 : 0);
  const out = new Uint8Array(headerLength + payload.length);
  const b0 = (spec.fin === false ? 0 : 0x80) | (spec.rsv1 ? 0x40 : 0) | (spec.rsv2 ? 0x20 : 0) | (spec.rsv3 ? 0x10 : 0) | (spec.opcode & 0x0f);
  const at = writeHeader(out, b0, key, len, bits);
  if (key) {
    // §5.3: each payload byte i is XORed with key[i % 4].
    for (let i = 0; i < payload.length; i++) out[at + i] = payload[i] ^ key[i & 3];
  } else {
    out.set(payload, at);
  }
  return out;
}

/** Writes a header at out[0..]: byte 0, the length in the given encoding, the key. Returns its length. */
function writeHeader(out: Uint8Array, b0: number, key: Uint8Array | null, len: number, bits: 7 | 16 | 64): number {
  out[0] = b0;
  const len7 = bits === 7 ? len : bits === 16 ? 126 : 127;
  out[1] = (key ? 0x80 : 0) | len7;
  let at = 2;
  if (bits === 16) {
    out[2] = len >>> 8;
    out[3] = len & 0xff;
    at = 4;
  } else if (bits === 64) {
    const hi = Math.floor(len / TWO_32);
    writeU32(out, 2, hi);
    writeU32(out, 6, len - hi * TWO_32);
    at = 10;
  }
  if (key) {
    out[at] = key[0];
    out[at + 1] = key[1];
    out[at + 2] = key[2];
    out[at + 3] = key[3];
    at += 4;
  }
  return at;
}

function writeU32(out: Uint8Array, at: number, v: number): void {
  out[at] = (v >>> 24) & 0xff;
  out[at + 1] = (v >>> 16) & 0xff;
  out[at + 2] = (v >>> 8) & 0xff;
  out[at + 3] = v & 0xff;
}

/**
 * The header bytes of a decoded frame, exactly as they were sent: the frame records which length
 * encoding it used (lengthBits), so even a non-minimal length comes back byte for byte.
 */
export function frameHeader(frame: Frame): Uint8Array {
  const out = new Uint8Array(frame.headerLength);
  writeFrameHeader(frame, out);
  return out;
}

/** Writes the header bytes of a decoded frame into `out` (at least 14 bytes) and returns how many. */
export function writeFrameHeader(frame: Frame, out: Uint8Array): number {
  const b0 = (frame.fin ? 0x80 : 0) | (frame.rsv1 ? 0x40 : 0) | (frame.rsv2 ? 0x20 : 0) | (frame.rsv3 ? 0x10 : 0) | (frame.opcode & 0x0f);
  return writeHeader(out, b0, frame.maskingKey, frame.payloadLength, frame.lengthBits);
}

/** Concatenate frames (or any byte arrays) into one stream. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A Close frame body (§5.5.1): 2-byte code in network order, then the UTF-8 reason. */
export function closePayload(code: number, reason = ''): Uint8Array {
  const r = new TextEncoder().encode(reason);
  const out = new Uint8Array(2 + r.length);
  out[0] = (code >>> 8) & 0xff;
  out[1] = code & 0xff;
  out.set(r, 2);
  return out;
}
