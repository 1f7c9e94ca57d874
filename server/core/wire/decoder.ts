// The incremental frame decoder: RFC 6455 §5.2 "Base Framing Protocol" as an explicit
// state machine, like ws's Receiver:
//
//   BYTE0 → BYTE1 → (LENGTH16 | LENGTH64)? → MASK? → DATA → BYTE0 ...
//
// Each state takes the bytes it needs from the current chunk, or collects them across
// chunks in a small scratch area when a header is split. Feeding the stream one byte at a
// time yields exactly what one big chunk yields. The rules (validator.ts) are consulted as
// soon as the bytes that prove them arrive; the payload buffer is allocated only after the
// length has been accepted, so no payload buffer ever exceeds maxPayload.
//
// Hot path: no closures, one payload buffer and one frame object per frame (plus the
// masking key), unmasked payloads that lie inside one chunk are views (no copy), masked
// payloads are copied once and unmasked 32 bits at a time. A payload split across chunks
// is kept as views of its parts and assembled once complete, so memory follows the bytes
// that arrived, not the length a header claims.

import type { Frame, Incomplete, Violation, WireEvent } from './types.ts';
import type { FrameRules } from './validator.ts';

const BYTE0 = 0;
const BYTE1 = 1;
const LENGTH16 = 2;
const LENGTH64 = 3;
const MASK = 4;
const DATA = 5;
const STOPPED = 6;

const EMPTY = new Uint8Array(0);
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
/** below this many bytes a byte loop beats creating a Uint32Array view */
const WORD_UNMASK_MIN = 64;

/**
 * Small payload buffers are carved out of a shared 64 KiB slab, like Node's Buffer pool:
 * creating a view is much cheaper than allocating a backing store per frame. A slab is
 * never reused once full, so every buffer handed out is fresh, zeroed memory (no data from
 * another frame can leak), at the cost that a live small payload keeps its slab alive.
 */
const SLAB_SIZE = 64 * 1024;
const SLAB_MAX = 4096;
let slab = new ArrayBuffer(SLAB_SIZE);
let slabUsed = 0;

/** A fresh, 8-byte aligned buffer of `len` bytes. */
function allocPayload(len: number): Uint8Array {
  if (len > SLAB_MAX) return new Uint8Array(len);
  if (slabUsed + len > SLAB_SIZE) {
    slab = new ArrayBuffer(SLAB_SIZE);
    slabUsed = 0;
  }
  const p = new Uint8Array(slab, slabUsed, len);
  slabUsed = (slabUsed + len + 7) & ~7;
  return p;
}

/**
 * bytes[start, start + length) as a plain Uint8Array view. A Node Buffer's own subarray() makes
 * another Buffer, several times slower than this; the codec promises Uint8Arrays only.
 */
function view(bytes: Uint8Array, start: number, length: number): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset + start, length);
}

/**
 * XOR `p` in place with the 4-byte key m0..m3 (RFC 6455 §5.3: "octet i of the transformed
 * data is the XOR of octet i of the original data with octet at index i modulo 4 of the
 * masking key"). Uses 32-bit words when `p` is 4-byte aligned.
 */
export function unmaskInPlace(p: Uint8Array, m0: number, m1: number, m2: number, m3: number): void {
  const len = p.length;
  let j = 0;
  if (len >= WORD_UNMASK_MIN && (p.byteOffset & 3) === 0) {
    const words = len >>> 2;
    const w = new Uint32Array(p.buffer, p.byteOffset, words);
    const k = LITTLE_ENDIAN ? (m0 | (m1 << 8) | (m2 << 16) | (m3 << 24)) : ((m0 << 24) | (m1 << 16) | (m2 << 8) | m3);
    for (let i = 0; i < words; i++) w[i] ^= k;
    j = words << 2;
  } else {
    for (; j + 4 <= len; j += 4) {
      p[j] ^= m0;
      p[j + 1] ^= m1;
      p[j + 2] ^= m2;
      p[j + 3] ^= m3;
    }
  }
  if (j < len) p[j] ^= m0;
  if (j + 1 < len) p[j + 1] ^= m1;
  if (j + 2 < len) p[j + 2] ^= m2;
}

export class FrameDecoder {
  private readonly rules: FrameRules;
  private readonly maxPayload: number;

  private state = BYTE0;
  /** stream offset of chunk[0] of the chunk being read */
  private base = 0;
  /** bytes consumed from the stream */
  consumed = 0;
  violation: Violation | null = null;

  // The frame being read.
  private frameStart = 0;
  private b0 = 0;
  private b1 = 0;
  private lengthBits: 7 | 16 | 64 = 7;
  private headerLength = 2;
  private payloadLength = 0;
  private key: Uint8Array | null = null;
  private m0 = 0;
  private m1 = 0;
  private m2 = 0;
  private m3 = 0;
  /** views of the payload bytes received so far, when the payload spans chunks */
  private parts: Uint8Array[] = [];
  private got = 0;
  /**
   * Header bytes (extended length or key) collected across chunks. A split header waits across
   * pushes, so each decoder has its own, allocated the first time a header is split (an idle
   * connection never needs one).
   */
  private scratchBuf: Uint8Array | null = null;
  private scratchLen = 0;
  /** payload bytes of the current frame that are kept (all but for binary data cut by keepBinary) */
  private keep = 0;
  /** the data message in progress is uncompressed binary (its continuations are cut like it) */
  private msgBinary = false;

  private get scratch(): Uint8Array {
    return (this.scratchBuf ??= new Uint8Array(8));
  }

  constructor(
    rules: FrameRules,
    maxPayload: number,
    /** payload bytes kept of an uncompressed binary data frame (ReaderOptions.keepBinary) */
    private readonly keepBinary = Infinity,
  ) {
    this.rules = rules;
    this.maxPayload = maxPayload;
  }

  get stopped(): boolean {
    return this.state === STOPPED;
  }

  /** Read `chunk`, appending completed frames (and at most one violation) to `out`. */
  push(chunk: Uint8Array, out: WireEvent[]): void {
    const n = chunk.length;
    let i = 0;
    this.base = this.consumed;
    const rules = this.rules;
    for (;;) {
      let state = this.state;
      if (state === BYTE0) {
        if (i >= n) break;
        const b0 = chunk[i];
        this.frameStart = this.base + i;
        const v = rules.firstByte(b0, this.frameStart);
        i++;
        if (v !== null) return this.stop(v, i, out);
        this.b0 = b0;
        state = this.state = BYTE1;
      }
      if (state === BYTE1) {
        if (i >= n) break;
        const b1 = chunk[i];
        const v = rules.secondByte(this.b0, b1, this.frameStart);
        i++;
        if (v !== null) return this.stop(v, i, out);
        this.b1 = b1;
        const maskBytes = (b1 & 0x80) >>> 5; // 4 when masked
        const len7 = b1 & 0x7f;
        if (len7 < 126) {
          this.lengthBits = 7;
          this.headerLength = 2 + maskBytes;
          this.payloadLength = len7;
          const lv = rules.length(this.b0, len7, this.frameStart + 1);
          if (lv !== null) return this.stop(lv, i, out);
          state = this.state = maskBytes !== 0 ? MASK : DATA;
          this.scratchLen = 0;
          if (state === DATA) this.startData();
        } else if (len7 === 126) {
          this.lengthBits = 16;
          this.headerLength = 4 + maskBytes;
          this.scratchLen = 0;
          state = this.state = LENGTH16;
        } else {
          this.lengthBits = 64;
          this.headerLength = 10 + maskBytes;
          this.scratchLen = 0;
          state = this.state = LENGTH64;
        }
      }
      if (state === LENGTH16) {
        let len: number;
        if (this.scratchLen === 0 && n - i >= 2) {
          len = (chunk[i] << 8) | chunk[i + 1];
          i += 2;
        } else {
          i = this.collect(chunk, i, 2);
          if (this.scratchLen < 2) break;
          len = (this.scratch[0] << 8) | this.scratch[1];
        }
        this.payloadLength = len;
        const lv = rules.length(this.b0, len, this.frameStart + 2);
        if (lv !== null) return this.stop(lv, i, out);
        this.scratchLen = 0;
        state = this.state = (this.b1 & 0x80) !== 0 ? MASK : DATA;
        if (state === DATA) this.startData();
      }
      if (state === LENGTH64) {
        if (this.scratchLen === 0) {
          if (i >= n) break;
          // §5.2: the most significant bit must be 0 — decidable from the first length byte.
          const v = rules.length64FirstByte(chunk[i], this.frameStart);
          if (v !== null) return this.stop(v, i + 1, out);
        }
        let hi: number;
        let lo: number;
        if (this.scratchLen === 0 && n - i >= 8) {
          hi = ((chunk[i] << 24) | (chunk[i + 1] << 16) | (chunk[i + 2] << 8) | chunk[i + 3]) >>> 0;
          lo = ((chunk[i + 4] << 24) | (chunk[i + 5] << 16) | (chunk[i + 6] << 8) | chunk[i + 7]) >>> 0;
          i += 8;
        } else {
          i = this.collect(chunk, i, 8);
          if (this.scratchLen < 8) break;
          const s = this.scratch;
          hi = ((s[0] << 24) | (s[1] << 16) | (s[2] << 8) | s[3]) >>> 0;
          lo = ((s[4] << 24) | (s[5] << 16) | (s[6] << 8) | s[7]) >>> 0;
        }
        // Exact up to 2^53; larger values are far above any maxPayload either way.
        const len = hi * 0x100000000 + lo;
        this.payloadLength = len;
        const lv = rules.length(this.b0, len, this.frameStart + 2);
        if (lv !== null) return this.stop(lv, i, out);
        this.scratchLen = 0;
        state = this.state = (this.b1 & 0x80) !== 0 ? MASK : DATA;
        if (state === DATA) this.startData();
      }
      if (state === MASK) {
        // §5.3: the 32-bit masking key follows the length.
        const key = new Uint8Array(4);
        if (this.scratchLen === 0 && n - i >= 4) {
          key[0] = this.m0 = chunk[i];
          key[1] = this.m1 = chunk[i + 1];
          key[2] = this.m2 = chunk[i + 2];
          key[3] = this.m3 = chunk[i + 3];
          i += 4;
        } else {
          i = this.collect(chunk, i, 4);
          if (this.scratchLen < 4) break;
          const s = this.scratch;
          key[0] = this.m0 = s[0];
          key[1] = this.m1 = s[1];
          key[2] = this.m2 = s[2];
          key[3] = this.m3 = s[3];
        }
        this.key = key;
        this.scratchLen = 0;
        state = this.state = DATA;
        this.startData();
      }
      if (state === DATA) {
        const len = this.payloadLength;
        const avail = n - i;
        let payload: Uint8Array;
        const keep = this.keep;
        if (this.got === 0 && avail >= len) {
          // The whole payload lies in this chunk (the common case).
          if (keep === 0) {
            payload = EMPTY;
          } else if (this.key === null) {
            // A view, not a copy: callers must not modify chunks after push().
            payload = view(chunk, i, keep);
          } else {
            payload = allocPayload(keep);
            if (keep < WORD_UNMASK_MIN) {
              const m0 = this.m0;
              const m1 = this.m1;
              const m2 = this.m2;
              const m3 = this.m3;
              let j = 0;
              for (; j + 4 <= keep; j += 4) {
                payload[j] = chunk[i + j] ^ m0;
                payload[j + 1] = chunk[i + j + 1] ^ m1;
                payload[j + 2] = chunk[i + j + 2] ^ m2;
                payload[j + 3] = chunk[i + j + 3] ^ m3;
              }
              if (j < keep) payload[j] = chunk[i + j] ^ m0;
              if (j + 1 < keep) payload[j + 1] = chunk[i + j + 1] ^ m1;
              if (j + 2 < keep) payload[j + 2] = chunk[i + j + 2] ^ m2;
            } else {
              payload.set(view(chunk, i, keep));
              unmaskInPlace(payload, this.m0, this.m1, this.m2, this.m3);
            }
          }
          i += len;
        } else {
          // A payload split across chunks: keep views of the parts received so far (memory
          // grows with the bytes that actually arrived, never with the declared length), and
          // allocate once when the last part arrives. Bytes past `keep` are counted, not kept.
          const take = Math.min(len - this.got, avail);
          const kept = Math.min(take, keep - this.got);
          if (kept > 0) this.parts.push(view(chunk, i, kept));
          this.got += take;
          i += take;
          if (this.got < len) break;
          if (len > this.maxPayload) return this.stopInternal(i, out);
          const parts = this.parts;
          if (keep === 0) {
            payload = EMPTY;
          } else if (parts.length === 1 && this.key === null) {
            payload = parts[0];
          } else {
            payload = allocPayload(keep);
            let at = 0;
            for (let k = 0; k < parts.length; k++) {
              payload.set(parts[k], at);
              at += parts[k].length;
            }
            if (this.key !== null) unmaskInPlace(payload, this.m0, this.m1, this.m2, this.m3);
          }
          this.parts = [];
          this.got = 0;
        }
        const b0 = this.b0;
        const frame: Frame = {
          offset: this.frameStart,
          fin: (b0 & 0x80) !== 0,
          rsv1: (b0 & 0x40) !== 0,
          rsv2: (b0 & 0x20) !== 0,
          rsv3: (b0 & 0x10) !== 0,
          opcode: b0 & 0x0f,
          masked: this.key !== null,
          maskingKey: this.key,
          payloadLength: len,
          headerLength: this.headerLength,
          lengthBits: this.lengthBits,
          payload,
        };
        this.key = null;
        this.state = BYTE0;
        if (frame.opcode === 1 || frame.opcode === 2) this.msgBinary = frame.opcode === 2 && !frame.rsv1;
        out.push({ type: 'frame', frame });
        const v = rules.frame(frame);
        if (v !== null) return this.stop(v, i, out);
        continue;
      }
      break;
    }
    this.consumed = this.base + i;
  }

  /** Where the stream stopped, if inside a frame (RFC-agnostic bookkeeping for `finish()`). */
  incomplete(): Incomplete | null {
    const at = this.consumed;
    switch (this.state) {
      case BYTE0:
      case STOPPED:
        return null;
      case BYTE1:
        // The length is unknown until byte 1 arrives: one more byte completes what we can know.
        return { offset: this.frameStart, needed: 1 };
      case LENGTH16:
      case LENGTH64:
        // Header length is known, payload length not yet: count what completes the header.
        return { offset: this.frameStart, needed: this.frameStart + this.headerLength - at };
      default:
        return { offset: this.frameStart, needed: this.frameStart + this.headerLength + this.payloadLength - at };
    }
  }

  private startData(): void {
    const op = this.b0 & 0x0f;
    const binary = op === 2 ? (this.b0 & 0x40) === 0 : op === 0 && this.msgBinary;
    this.keep = binary && this.payloadLength > this.keepBinary ? this.keepBinary : this.payloadLength;
    this.got = 0;
    if (this.parts.length !== 0) this.parts = [];
  }

  /** Copy up to `need - scratchLen` header bytes from chunk[i..] into scratch; returns the new i. */
  private collect(chunk: Uint8Array, i: number, need: number): number {
    const n = chunk.length;
    while (this.scratchLen < need && i < n) this.scratch[this.scratchLen++] = chunk[i++];
    return i;
  }

  private stop(v: Violation, i: number, out: WireEvent[]): void {
    this.state = STOPPED;
    this.violation = v;
    this.consumed = this.base + i;
    this.parts = [];
    this.key = null;
    out.push({ type: 'violation', violation: v });
  }

  /** Defensive: a rule set that let an oversized length through. Stop without allocating. */
  private stopInternal(i: number, out: WireEvent[]): void {
    this.stop(
      {
        kind: 'PAYLOAD_TOO_BIG',
        closeCode: 1009,
        offset: this.frameStart + (this.lengthBits === 7 ? 1 : 2),
        reason: `This frame declares a ${this.payloadLength}-byte payload, more than the ${this.maxPayload}-byte limit.`,
        rfc: '10.4',
      },
      i,
      out,
    );
  }
}
