// Assembles the frames of one direction into messages (RFC 6455 §5.4 "Fragmentation"):
// a data message is its first frame plus continuation frames up to FIN=1; control frames
// (which may arrive in between, §5.5) are messages of their own. Feed it frames from a
// reader, which has already enforced the rules; a stray continuation is ignored.

import { concatBytes } from './encoder.ts';
import type { Frame } from './types.ts';

export interface WireMessage {
  /** 1 text, 2 binary, 8 close, 9 ping, 10 pong */
  opcode: number;
  /** RSV1 was set on the first frame: the data is still deflated (RFC 7692 §6) */
  compressed: boolean;
  /** the payloads of its frames, concatenated (still compressed when `compressed`) */
  data: Uint8Array;
  /** stream offset of its first frame */
  offset: number;
  /** how many frames carried it */
  frames: number;
}

export class MessageAssembler {
  private parts: Uint8Array[] = [];
  private opcode = 0;
  private compressed = false;
  private offset = 0;

  /** Returns the message this frame completes, else null. */
  push(frame: Frame): WireMessage | null {
    const op = frame.opcode;
    if (op >= 0x8) {
      return { opcode: op, compressed: false, data: frame.payload, offset: frame.offset, frames: 1 };
    }
    if (op !== 0) {
      this.parts = [frame.payload];
      this.opcode = op;
      this.compressed = frame.rsv1;
      this.offset = frame.offset;
    } else {
      if (this.opcode === 0) return null;
      this.parts.push(frame.payload);
    }
    if (!frame.fin) return null;
    const parts = this.parts;
    const msg: WireMessage = {
      opcode: this.opcode,
      compressed: this.compressed,
      data: parts.length === 1 ? parts[0] : concatBytes(parts),
      offset: this.offset,
      frames: parts.length,
    };
    this.parts = [];
    this.opcode = 0;
    this.compressed = false;
    return msg;
  }
}
