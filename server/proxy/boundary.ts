// Where one direction's WebSocket frames begin and end, without decoding them: the proxy may put a
// frame of its own (a heartbeat ping, a going-away close) into a relayed byte stream only between
// two frames. Pure: bytes in, offsets out.

export class FrameBoundary {
  /** header bytes of the frame in progress (up to 14) */
  private header = new Uint8Array(14);
  private headerHave = 0;
  /** payload bytes of the frame in progress still to come; -1 while its header is incomplete */
  private remaining = -1;

  /** True between two frames (no frame begun and not finished). */
  get atBoundary(): boolean {
    return this.headerHave === 0 && this.remaining < 0;
  }

  /**
   * Consumes `chunk` and returns the offset just past the first frame end inside it, or -1 when no
   * frame ends in it. Call again with the rest (chunk.subarray(offset)) to find the next one.
   */
  firstEnd(chunk: Uint8Array): number {
    let i = 0;
    while (i < chunk.length) {
      if (this.remaining < 0) {
        this.header[this.headerHave++] = chunk[i++];
        const need = headerLength(this.header, this.headerHave);
        if (need === null || this.headerHave < need) continue;
        this.remaining = payloadLength(this.header);
        if (this.remaining === 0) {
          this.reset();
          return i;
        }
        continue;
      }
      const take = Math.min(this.remaining, chunk.length - i);
      i += take;
      this.remaining -= take;
      if (this.remaining === 0) {
        this.reset();
        return i;
      }
    }
    return -1;
  }

  /** Consumes `chunk` whole; true when it leaves the stream between two frames. */
  feed(chunk: Uint8Array): boolean {
    let rest = chunk;
    for (;;) {
      const end = this.firstEnd(rest);
      if (end < 0 || end === rest.length) break;
      rest = rest.subarray(end);
    }
    return this.atBoundary;
  }

  private reset(): void {
    this.headerHave = 0;
    this.remaining = -1;
  }
}

/** The whole header's length once its first two bytes are known, else null. */
function headerLength(h: Uint8Array, have: number): number | null {
  if (have < 2) return null;
  const len7 = h[1] & 0x7f;
  const ext = len7 === 126 ? 2 : len7 === 127 ? 8 : 0;
  return 2 + ext + (h[1] & 0x80 ? 4 : 0);
}

function payloadLength(h: Uint8Array): number {
  const len7 = h[1] & 0x7f;
  if (len7 < 126) return len7;
  if (len7 === 126) return (h[2] << 8) | h[3];
  let n = 0;
  for (let i = 2; i < 10; i++) n = n * 256 + h[i];
  return n;
}

/** A control frame (ping 9, pong 10, close 8), unmasked as a server sends it or masked with `mask`. */
export function controlFrame(opcode: 8 | 9 | 10, payload: Uint8Array, mask: Uint8Array | null = null): Uint8Array {
  const len = Math.min(payload.length, 125);
  const out = new Uint8Array(2 + (mask ? 4 : 0) + len);
  out[0] = 0x80 | opcode;
  out[1] = (mask ? 0x80 : 0) | len;
  let at = 2;
  if (mask) {
    out.set(mask.subarray(0, 4), 2);
    at = 6;
  }
  for (let i = 0; i < len; i++) out[at + i] = mask ? payload[i] ^ mask[i & 3] : payload[i];
  return out;
}

/** A close frame's payload: the code, big-endian, then the reason (at most 123 bytes of UTF-8). */
export function closePayload(code: number, reason: string): Uint8Array {
  const text = new TextEncoder().encode(reason).subarray(0, 123);
  const out = new Uint8Array(2 + text.length);
  out[0] = code >> 8;
  out[1] = code & 0xff;
  out.set(text, 2);
  return out;
}
