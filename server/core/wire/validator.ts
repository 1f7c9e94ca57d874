// The rules of RFC 6455 that one direction of a connection must follow, checked as the
// decoder reads each part of a frame. The decoder (decoder.ts) asks at four moments:
// byte 0 arrived, byte 1 arrived, the length is known, the whole frame is known. Each
// answer is null (fine) or the Violation that ends the stream. Header rules are answered
// as soon as the bytes that prove them arrive, before any payload.
//
// Pure and synchronous; it never allocates a payload.

import { isSendableCloseCode, isKnownOpcode, opcodeName } from './constants.ts';
import type { Direction, Frame, Violation, ViolationCloseCode, ViolationKind } from './types.ts';
import { Utf8Validator } from './utf8.ts';

/** ws's default is 100 MiB; a teaching tap does not need more than 64 MiB per message. */
export const DEFAULT_MAX_PAYLOAD = 64 * 1024 * 1024;

export interface ValidatorOptions {
  direction: Direction | 'any';
  maxPayload: number;
  perMessageDeflate: boolean;
  isUtf8?: (bytes: Uint8Array) => boolean;
}

/** What the decoder asks while it reads a frame. Every method returns null or the violation. */
export interface FrameRules {
  /** byte 0 of the frame starting at `frameOffset` arrived */
  firstByte(b0: number, frameOffset: number): Violation | null;
  /** byte 1 arrived */
  secondByte(b0: number, b1: number, frameOffset: number): Violation | null;
  /** the first byte of a 64-bit extended length arrived */
  length64FirstByte(byte: number, frameOffset: number): Violation | null;
  /** the payload length is known; `lengthOffset` is where its field starts. Called before any payload is allocated. */
  length(b0: number, payloadLength: number, lengthOffset: number): Violation | null;
  /** the whole frame arrived (it is yielded before a violation this returns) */
  frame(frame: Frame): Violation | null;
}

export function violation(kind: ViolationKind, closeCode: ViolationCloseCode, offset: number, reason: string, rfc: string): Violation {
  return { kind, closeCode, offset, reason, rfc };
}

export class MessageValidator implements FrameRules {
  private readonly direction: Direction | 'any';
  private readonly maxPayload: number;
  private readonly perMessageDeflate: boolean;
  private readonly isUtf8: ((bytes: Uint8Array) => boolean) | null;

  /** opcode (1 or 2) of the fragmented message in progress, 0 when none */
  private fragmented = 0;
  /** payload bytes of the data message in progress, including the current frame */
  private messageBytes = 0;
  /** a Close frame was seen in this direction */
  private closed = false;
  /** the current text message is validated as UTF-8 (uncompressed text only) */
  private checkingText = false;
  private readonly text = new Utf8Validator();
  /** stream offset of the first byte of the unfinished character at the end of the text so far */
  private charStart = 0;

  constructor(opts: ValidatorOptions) {
    this.direction = opts.direction;
    this.maxPayload = opts.maxPayload;
    this.perMessageDeflate = opts.perMessageDeflate;
    this.isUtf8 = typeof opts.isUtf8 === 'function' ? opts.isUtf8 : null;
  }

  firstByte(b0: number, at: number): Violation | null {
    const op = b0 & 0x0f;
    const control = op >= 0x8;
    // §5.2: "If an unknown opcode is received, the receiving endpoint MUST _Fail the WebSocket Connection_."
    if (!isKnownOpcode(op)) {
      return violation('RESERVED_OPCODE', 1002, at, `Opcode 0x${op.toString(16).toUpperCase()} is reserved for future use, so no endpoint may send it.`, '5.2');
    }
    // §5.5.1: "After sending a Close frame, the endpoint MUST NOT send any further data."
    // Control frames after a Close are tolerated here (ws ignores them too); data frames are not.
    if (this.closed && !control) {
      return violation('FRAME_AFTER_CLOSE', 1002, at, `A ${opcodeName(op)} frame arrived after this side already sent a Close frame; after Close no more data may be sent.`, '5.5.1');
    }
    // §5.2: "RSV1, RSV2, RSV3: 1 bit each. MUST be 0 unless an extension is negotiated that defines meanings for non-zero values."
    if ((b0 & 0x30) !== 0) {
      const which = (b0 & 0x20) !== 0 ? 'RSV2' : 'RSV3';
      return violation('RSV_WITHOUT_EXTENSION', 1002, at, `${which} is set, but no negotiated extension gives it a meaning, so it must be 0.`, '5.2');
    }
    if ((b0 & 0x40) !== 0) {
      if (!this.perMessageDeflate) {
        return violation('RSV_WITHOUT_EXTENSION', 1002, at, 'RSV1 is set, but permessage-deflate was not negotiated, so nothing gives it a meaning and it must be 0.', '5.2');
      }
      // RFC 7692 §6.1: the "Per-Message Compressed" bit is set only on the first frame of a message.
      if (op === 0x0) {
        return violation('RSV1_ON_CONTINUATION', 1002, at, 'RSV1 (compressed) is set on a continuation frame; permessage-deflate marks only the first frame of a message.', '5.2; RFC 7692 §6.1');
      }
      if (control) {
        return violation('RSV_WITHOUT_EXTENSION', 1002, at, `RSV1 (compressed) is set on a ${opcodeName(op)} frame; permessage-deflate never compresses control frames.`, '5.2; RFC 7692 §6.1');
      }
    }
    if (control) {
      // §5.5: "All control frames ... MUST NOT be fragmented."
      if ((b0 & 0x80) === 0) {
        return violation('CONTROL_FRAGMENTED', 1002, at, `This ${opcodeName(op)} frame has FIN=0, but control frames must never be fragmented.`, '5.5');
      }
      return null;
    }
    // §5.4: a fragmented message is one frame with FIN clear and a non-zero opcode, then
    // continuation frames (opcode 0); only control frames may be injected in between.
    if (op === 0x0) {
      if (this.fragmented === 0) {
        return violation('CONTINUATION_WITHOUT_START', 1002, at, 'A continuation frame arrived, but no fragmented message was in progress for it to continue.', '5.4');
      }
    } else if (this.fragmented !== 0) {
      return violation('DATA_INSIDE_FRAGMENTED_MESSAGE', 1002, at, `A new ${opcodeName(op)} message started before the fragmented ${opcodeName(this.fragmented)} message in progress was finished with FIN=1.`, '5.4');
    }
    return null;
  }

  secondByte(b0: number, b1: number, at: number): Violation | null {
    const op = b0 & 0x0f;
    const len7 = b1 & 0x7f;
    if (op >= 0x8) {
      // §5.5: "All control frames MUST have a payload length of 125 bytes or less"; a 7-bit
      // value of 126 or 127 announces an extended length, which a control frame cannot use.
      if (len7 > 125) {
        return violation('CONTROL_TOO_LONG', 1002, at + 1, `This ${opcodeName(op)} frame announces an extended (${len7 === 126 ? '16' : '64'}-bit) length, but control frames carry at most 125 bytes.`, '5.5');
      }
      // §5.5.1: a Close body, if present, starts with a 2-byte status code.
      if (op === 0x8 && len7 === 1) {
        return violation('CLOSE_PAYLOAD_ONE_BYTE', 1002, at + 1, 'This Close frame has a 1-byte payload; a Close body is empty or starts with a 2-byte status code.', '5.5.1');
      }
    }
    const masked = (b1 & 0x80) !== 0;
    // §5.1: "a client MUST mask all frames that it sends to the server ... A server MUST NOT mask any frames that it sends to the client."
    if (this.direction === 'client' && !masked) {
      return violation('CLIENT_FRAME_UNMASKED', 1002, at + 1, 'The MASK bit is 0, but every frame a client sends must be masked.', '5.1');
    }
    if (this.direction === 'server' && masked) {
      return violation('SERVER_FRAME_MASKED', 1002, at + 1, 'The MASK bit is 1, but a server must never mask the frames it sends.', '5.1');
    }
    return null;
  }

  length64FirstByte(byte: number, at: number): Violation | null {
    // §5.2: "the most significant bit MUST be 0" in a 64-bit payload length.
    if ((byte & 0x80) !== 0) {
      return violation('LENGTH_MSB_SET', 1002, at + 2, 'The most significant bit of the 64-bit payload length is 1; RFC 6455 requires it to be 0.', '5.2');
    }
    return null;
  }

  // Non-minimal length encodings (e.g. 126 + 0x0005 for a 5-byte payload) are NOT rejected:
  // §5.2 says "the minimal number of bytes MUST be used to encode the length", but it names
  // no receiver action, and ws (like most receivers) accepts them. LENGTH_NOT_MINIMAL stays
  // in ViolationKind, unused, so the kind list stays stable for code written against it.
  length(b0: number, len: number, lengthAt: number): Violation | null {
    // §10.4: "implementations SHOULD impose an implementation-specific limit on frame size
    // and total message size"; §7.4.1 gives 1009 for a message too big to process.
    // Both checks run before the decoder allocates anything for the payload.
    if (len > this.maxPayload) {
      return violation('PAYLOAD_TOO_BIG', 1009, lengthAt, `This frame declares a ${len}-byte payload, more than the ${this.maxPayload}-byte limit.`, '10.4');
    }
    const op = b0 & 0x0f;
    if (op >= 0x8) return null;
    const total = op === 0 ? this.messageBytes + len : len;
    if (total > this.maxPayload) {
      return violation('PAYLOAD_TOO_BIG', 1009, lengthAt, `With this frame the fragmented message grows to ${total} bytes, more than the ${this.maxPayload}-byte limit.`, '10.4');
    }
    this.messageBytes = total;
    return null;
  }

  frame(f: Frame): Violation | null {
    const op = f.opcode;
    const dataAt = f.offset + f.headerLength;
    if (op === 0x8) {
      this.closed = true;
      return this.closeFrame(f.payload, dataAt);
    }
    if (op >= 0x8) return null;
    if (op !== 0) {
      this.fragmented = f.fin ? 0 : op;
      // Compressed text (RSV1 with permessage-deflate) is NOT checked here: the reader only
      // sees the deflated bytes. Whoever inflates the message (the tap) validates the text.
      this.checkingText = op === 0x1 && !f.rsv1;
      if (this.checkingText) {
        // A whole text message in one frame: the fast check when there is one (the streaming
        // validator below runs only to find the offending byte).
        if (f.fin && this.isUtf8 !== null && this.isUtf8(f.payload)) {
          this.checkingText = false;
          return null;
        }
        this.text.reset();
      }
    } else if (f.fin) {
      this.fragmented = 0;
    }
    if (!this.checkingText) return null;
    // §8.1 / §5.6: text must be valid UTF-8, judged over the whole message: a character may
    // be split between fragments, so the validator keeps its state between frames.
    const p = f.payload;
    const bad = this.text.push(p);
    if (bad >= 0) {
      return violation('TEXT_INVALID_UTF8', 1007, dataAt + bad, `Byte ${dataAt + bad} (0x${p[bad].toString(16).padStart(2, '0')}) cannot appear here in UTF-8, and text messages must be valid UTF-8.`, '8.1');
    }
    const pending = this.text.pending;
    if (pending > 0 && pending <= p.length) this.charStart = dataAt + p.length - pending;
    if (f.fin) {
      this.checkingText = false;
      if (pending > 0) {
        return violation('TEXT_INVALID_UTF8', 1007, this.charStart, `The text message ends in the middle of a UTF-8 character that starts at byte ${this.charStart}.`, '8.1');
      }
    }
    return null;
  }

  private closeFrame(p: Uint8Array, dataAt: number): Violation | null {
    if (p.length < 2) return null; // empty body: no code (1005 locally); 1 byte was caught in secondByte()
    const code = (p[0] << 8) | p[1];
    // §7.4.1 / §7.4.2 and the IANA registry: only some codes may be sent in a Close frame.
    if (!isSendableCloseCode(code)) {
      return violation('CLOSE_CODE_INVALID', 1002, dataAt, `Close code ${code} may not be sent in a Close frame (it is reserved, unassigned or only reported locally).`, '7.4');
    }
    // §5.5.1: the reason after the code is UTF-8 ("the data ... MUST be UTF-8-encoded").
    const v = new Utf8Validator();
    const bad = v.push(p, 2);
    if (bad >= 0) {
      return violation('CLOSE_REASON_INVALID_UTF8', 1007, dataAt + bad, `Byte ${dataAt + bad} of the Close reason is not valid UTF-8; a Close reason must be UTF-8 text.`, '5.5.1');
    }
    if (!v.complete) {
      const start = dataAt + p.length - v.pending;
      return violation('CLOSE_REASON_INVALID_UTF8', 1007, start, `The Close reason ends in the middle of a UTF-8 character that starts at byte ${start}.`, '5.5.1');
    }
    return null;
  }
}
