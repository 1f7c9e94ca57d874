// Finds WebSocket frame boundaries in a byte stream that arrives in arbitrary chunks, so the chaos
// link can say which frames a chunk it held or dropped belonged to ("a PING left the server and
// never reached the client"). Only headers are read: payloads are skipped, never copied. Pure: no
// node:* imports. The HTTP head that starts each direction (the upgrade request, the 101) is
// skipped first.
import { opcodeName } from '../core/wire/constants.ts';

export interface FrameMark {
  opcode: number;
  opcodeName: string;
  /** header + payload bytes on the wire */
  length: number;
}

const CRLFCRLF = [13, 10, 13, 10];

export class FrameScanner {
  /** bytes of "\r\n\r\n" matched so far while still inside the HTTP head; -1 once past it */
  private headMatch = 0;
  private readonly header = new Uint8Array(14);
  private headerLen = 0;
  /** payload bytes of the current frame still to skip */
  private remaining = 0;
  /** set after a malformed length (a 64-bit length over 2^53): stop scanning */
  private lost = false;

  /** The frames whose header completes inside `chunk`, in order. */
  scan(chunk: Uint8Array): FrameMark[] {
    const out: FrameMark[] = [];
    let i = 0;
    const n = chunk.length;
    while (i < n && !this.lost) {
      if (this.headMatch >= 0) {
        const b = chunk[i++];
        if (b === CRLFCRLF[this.headMatch]) this.headMatch++;
        else this.headMatch = b === 13 ? 1 : 0;
        if (this.headMatch === 4) this.headMatch = -1;
        continue;
      }
      if (this.remaining > 0) {
        const skip = Math.min(this.remaining, n - i);
        this.remaining -= skip;
        i += skip;
        continue;
      }
      this.header[this.headerLen++] = chunk[i++];
      const need = this.headerNeed();
      if (need === null || this.headerLen < need) continue;
      const mark = this.finishHeader(need);
      if (mark) out.push(mark);
    }
    return out;
  }

  /** Header bytes this frame needs, or null while the first two bytes are not in yet. */
  private headerNeed(): number | null {
    if (this.headerLen < 2) return null;
    const b1 = this.header[1];
    const len7 = b1 & 0x7f;
    return 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (b1 & 0x80 ? 4 : 0);
  }

  private finishHeader(need: number): FrameMark | null {
    const h = this.header;
    const len7 = h[1] & 0x7f;
    let payload = len7;
    if (len7 === 126) payload = (h[2] << 8) | h[3];
    else if (len7 === 127) {
      const hi = ((h[2] << 24) >>> 0) + (h[3] << 16) + (h[4] << 8) + h[5];
      const lo = ((h[6] << 24) >>> 0) + (h[7] << 16) + (h[8] << 8) + h[9];
      if (hi > 0x1fffff) {
        this.lost = true;
        return null;
      }
      payload = hi * 2 ** 32 + lo;
    }
    const opcode = h[0] & 0x0f;
    this.headerLen = 0;
    this.remaining = payload;
    return { opcode, opcodeName: opcodeName(opcode), length: need + payload };
  }
}
