// The public shapes of the RFC 6455 codec. Pure: no node:* and no DOM imports, so the
// server, the browser and the tests all share them.

/** Who sent the bytes being decoded. Client frames must be masked, server frames must not (RFC 6455 §5.1). */
export type Direction = 'client' | 'server';

/** The name of one header field, in the order RFC 6455 §5.2 draws them. */
export type FieldName =
  | 'fin'
  | 'rsv1'
  | 'rsv2'
  | 'rsv3'
  | 'opcode'
  | 'mask'
  | 'payloadLength7'
  | 'payloadLength16'
  | 'payloadLength64'
  | 'maskingKey';

/** Where one header field sits, relative to the first byte of its frame. */
export interface FieldLayout {
  field: FieldName;
  /** byte index of the field's first bit, counted from the frame's first byte */
  byteOffset: number;
  /** bit index inside that byte, 0 = most significant bit */
  bitOffset: number;
  /** width in bits */
  bits: number;
  /** the value read: numbers for bits and lengths (64-bit lengths as a number when safe), hex for the key */
  value: number | string;
}

/** One decoded frame. Offsets are absolute byte offsets in the stream fed to the decoder. */
export interface Frame {
  /** stream offset of the frame's first byte */
  offset: number;
  fin: boolean;
  rsv1: boolean;
  rsv2: boolean;
  rsv3: boolean;
  opcode: number;
  masked: boolean;
  /** the 4-byte masking key when masked, else null */
  maskingKey: Uint8Array | null;
  /** the payload length the header declares, in bytes */
  payloadLength: number;
  /** 2, 4, 6, 8, 10 or 14 */
  headerLength: number;
  /** which length encoding the header used: 7 (0-125), 16 (126) or 64 (127) */
  lengthBits: 7 | 16 | 64;
  /** the payload after unmasking (as sent, if unmasked); only its first bytes when the reader's keepBinary cut it */
  payload: Uint8Array;
}

/** Close codes a violation can require (RFC 6455 §7.4.1). */
export type ViolationCloseCode = 1002 | 1007 | 1009;

/** Stable identifiers of every rule the decoder and validator enforce. */
export type ViolationKind =
  | 'RESERVED_OPCODE'
  | 'RSV_WITHOUT_EXTENSION'
  | 'CLIENT_FRAME_UNMASKED'
  | 'SERVER_FRAME_MASKED'
  | 'LENGTH_MSB_SET'
  /** never reported: §5.2 asks senders for minimal lengths but names no receiver action, and ws accepts them (see validator.ts) */
  | 'LENGTH_NOT_MINIMAL'
  | 'PAYLOAD_TOO_BIG'
  | 'CONTROL_FRAGMENTED'
  | 'CONTROL_TOO_LONG'
  | 'CONTINUATION_WITHOUT_START'
  | 'DATA_INSIDE_FRAGMENTED_MESSAGE'
  | 'RSV1_ON_CONTINUATION'
  | 'CLOSE_PAYLOAD_ONE_BYTE'
  | 'CLOSE_CODE_INVALID'
  | 'CLOSE_REASON_INVALID_UTF8'
  | 'TEXT_INVALID_UTF8'
  | 'FRAME_AFTER_CLOSE';

/** A broken rule: the close code RFC 6455 requires, where it was found, and why. */
export interface Violation {
  kind: ViolationKind;
  closeCode: ViolationCloseCode;
  /** absolute stream offset of the offending byte */
  offset: number;
  /** one sentence a learner can read */
  reason: string;
  /** the RFC 6455 section that states the rule, e.g. "5.2" */
  rfc: string;
}

/** The bytes ended inside a frame. */
export interface Incomplete {
  /** where the unfinished frame starts */
  offset: number;
  /** bytes still needed to complete it (or to complete its header while the length is unknown) */
  needed: number;
}

export interface ReaderOptions {
  /** who sent these bytes; decides the masking rule. 'any' checks no masking rule (for pasted bytes of unknown origin) */
  direction: Direction | 'any';
  /** largest payload accepted, per frame and per assembled message, in bytes (default 64 MiB) */
  maxPayload?: number;
  /** true when permessage-deflate was negotiated: RSV1 is then allowed on the first frame of a data message */
  perMessageDeflate?: boolean;
  /**
   * A fast whole-buffer UTF-8 check (Node's buffer.isUtf8) for text messages that arrive in one
   * frame; the reader's own streaming validator still checks fragments and finds the offending
   * byte when this says no. Optional: the browser and the CLI do without.
   */
  isUtf8?: (bytes: Uint8Array) => boolean;
  /**
   * Keep only the first N payload bytes of uncompressed BINARY data frames (opcode 2 and its
   * continuations): Frame.payload is then that prefix, payloadLength still the full length. For
   * readers that only preview binary data (the tap), which then never copy or unmask the rest.
   * Text, compressed and control frames are always kept whole: they are validated or inflated.
   */
  keepBinary?: number;
}

/** What a reader yields, in stream order. After a violation the reader yields nothing more. */
export type WireEvent = { type: 'frame'; frame: Frame } | { type: 'violation'; violation: Violation };

/** The incremental decoder + message validator for one direction of one connection. */
export interface WireReader {
  /** Feed the next bytes; returns the frames completed by them and, at most once, a violation. Never throws. */
  push(chunk: Uint8Array): WireEvent[];
  /** Call when the stream ended: an Incomplete when it ended inside a frame, else null. */
  finish(): Incomplete | null;
  /** total bytes consumed so far */
  readonly offset: number;
  /** the violation that stopped the reader, if any */
  readonly violation: Violation | null;
  /**
   * Set when the reader itself failed (a bug in the decoder, never the peer's fault): what was
   * thrown. The reader yields nothing more; callers must report it, not carry on silently.
   */
  readonly internalError: string | null;
}

/** The JSON object `wslab decode` prints for one frame (DESIGN.md, public contract). */
export interface FrameJson {
  offset: number;
  fin: boolean;
  rsv1: boolean;
  rsv2: boolean;
  rsv3: boolean;
  opcode: number;
  opcodeName: string;
  masked: boolean;
  maskingKey: string | null;
  payloadLength: number;
  headerLength: number;
  payloadHex: string;
  text: string | null;
  closeCode: number | null;
  closeReason: string | null;
}

/** Everything needed to build a frame, valid or deliberately not (the frame builder lab). */
export interface FrameSpec {
  fin?: boolean;
  rsv1?: boolean;
  rsv2?: boolean;
  rsv3?: boolean;
  opcode: number;
  /** mask the payload with this key (4 bytes); omit or null for an unmasked frame */
  maskingKey?: Uint8Array | null;
  payload?: Uint8Array;
  /** write this in the length field instead of the payload's real length (a lie on purpose) */
  lengthOverride?: number;
  /** force a length encoding (e.g. 64-bit for a 5-byte payload); default: the shortest */
  lengthBits?: 7 | 16 | 64;
}
