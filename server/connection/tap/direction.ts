// One direction of a tapped connection: the raw bytes that crossed it, decoded by server/core/wire into
// frame and message events. Nothing here is rebuilt from ws's callbacks.
//
// This runs for every frame on every lab socket, so the two hot events are kept as binary records
// written straight into the bus history (bus.beginRecord, events/records.ts): no event object, no
// strings, no JSON until a reader asks for it. A text message that arrives in one frame is checked
// as UTF-8 once, natively, by the codec; previews are cut from that checked payload. Rare paths
// (fragments, compression, errors) keep it simple.
import { isUtf8 } from 'node:buffer';
import { concatBytes, createReader, parseClosePayload, writeFrameHeader } from '../../core/wire/index.ts';
import type { Frame, Violation, WireReader, WireEvent } from '../../core/wire/types.ts';
import { type EventBody, FRAME_PREVIEW_BYTES, MESSAGE_PREVIEW_BYTES } from '../../core/events/schema.ts';
import type { EventBus } from '../../stream/bus.ts';
import { FLAG_CLOSE, FLAG_INFLATED, FRAME_RECORD_FIXED, KIND_FRAME, KIND_MESSAGE, MESSAGE_RECORD_FIXED, NOT_TEXT_16, NOT_TEXT_8 } from '../../core/events/records.ts';
import type { TapInflater } from './inflate.ts';

export type Dir = 'c2s' | 's2c';

// The event stream carries previews, not whole payloads: it must stay much smaller than the
// traffic it describes, or watching a connection would cost more than the connection itself.
export { FRAME_PREVIEW_BYTES, MESSAGE_PREVIEW_BYTES };

/** Hex without separators; Node's native encoder. */
export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Length of the longest prefix of bytes[0, end) that does not end inside a UTF-8 character. */
function utf8Boundary(bytes: Uint8Array, end: number): number {
  // Walk back over up to 3 continuation bytes to the lead byte of the last character.
  let i = end - 1;
  while (i >= 0 && i >= end - 4 && (bytes[i] & 0xc0) === 0x80) i--;
  if (i < 0) return end;
  const lead = bytes[i];
  const need = lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return end - i >= need ? end : i;
}

/**
 * Where the text preview of bytes[0, end) ends, or -1 when it is not text. A preview cut
 * (`truncated`) inside a multi-byte character loses that partial character, so truncation alone
 * never hides the text. `checked`: the codec already found the whole payload valid UTF-8.
 */
function textEnd(bytes: Uint8Array, end: number, truncated: boolean, checked: boolean): number {
  const cut = truncated ? utf8Boundary(bytes, end) : end;
  if (checked) return cut;
  return isUtf8(bytes.subarray(0, cut)) ? cut : -1;
}

/** Scratch for the header bytes of the frame being recorded (at most 14). */
const HEADER = new Uint8Array(14);
const utf8 = new TextEncoder();

interface MessageInProgress {
  opcode: 1 | 2;
  compressed: boolean;
  frames: number;
  wireLength: number;
  /** compressed messages keep every payload byte (they must be inflated whole); others only a preview */
  parts: Uint8Array[];
  kept: number;
}

export interface DirectionSink {
  emit(body: EventBody): void;
  /** every frame, after its event: the connection tap follows close/ping/pong with it */
  onFrame(frame: Frame, dir: Dir): void;
  onViolation(violation: Violation, dir: Dir): void;
}

/**
 * Made when the first frame byte of its direction arrives (after the handshake), so an idle
 * connection carries no decoder state at all.
 */
export class DirectionTap {
  private readonly reader: WireReader;
  private message: MessageInProgress | null = null;
  bytes = 0;
  /** `conn` as UTF-8, encoded once for every record of this direction */
  private readonly connBytes: Uint8Array;

  constructor(
    readonly dir: Dir,
    private readonly conn: string,
    private readonly sink: DirectionSink,
    private readonly bus: EventBus,
    maxPayload: number,
    /** bytes of this direction's stream before the first frame (its HTTP head) */
    private readonly base: number,
    /** the permessage-deflate inflater when it was negotiated */
    private readonly inflater: TapInflater | null,
    /** the codec's reader for this direction; given only by tests */
    reader?: WireReader,
  ) {
    this.connBytes = utf8.encode(conn);
    // Binary data is only previewed (frame and message previews): the reader keeps just enough of it.
    this.reader =
      reader ?? createReader({ direction: dir === 'c2s' ? 'client' : 'server', maxPayload, perMessageDeflate: inflater !== null, isUtf8, keepBinary: MESSAGE_PREVIEW_BYTES + 4 });
  }

  push(chunk: Uint8Array): void {
    const reader = this.reader;
    if (reader.violation || reader.internalError !== null) return;
    this.bytes += chunk.length;
    const events = reader.push(chunk);
    if (events.length > 0) this.record(events, reader.internalError !== null);
    if (reader.internalError !== null) {
      // A bug in the codec, not the peer's fault: say so once, instead of going quiet.
      this.sink.emit({
        type: 'error',
        conn: this.conn,
        dir: this.dir,
        source: 'decoder',
        message: `The decoder failed on the ${this.dir === 'c2s' ? 'client' : 'server'}'s bytes and stops decoding this direction; the connection itself carries on. This is a bug in wslab: ${reader.internalError}`,
      });
    }
  }

  /** `failed`: the reader threw while checking the last frame, so that frame completes no message */
  private record(events: WireEvent[], failed: boolean): void {
    // The frames of one chunk crossed the socket together: one clock reading serves them all.
    const t = this.bus.now();
    for (let i = 0; i < events.length; i++) {
      const ev = events[i];
      // A frame followed by a violation (bad UTF-8 in it, say) completes no valid message.
      if (ev.type === 'frame') this.onFrame(ev.frame, events[i + 1]?.type === 'violation' || (failed && i === events.length - 1), t);
      else {
        const v = { ...ev.violation, offset: ev.violation.offset + this.base };
        this.sink.emit({
          type: 'error',
          conn: this.conn,
          dir: this.dir,
          source: 'wire',
          message: `${this.dir === 'c2s' ? 'Client' : 'Server'} broke RFC 6455 §${v.rfc}: ${v.reason}`,
          violation: v,
        });
        this.sink.onViolation(v, this.dir);
      }
    }
  }

  private onFrame(frame: Frame, broken: boolean, t: number): void {
    const op = frame.opcode;
    const payload = frame.payload;
    /** opcode of the data message this frame belongs to (0: a control frame, or no message) */
    let msgOpcode = 0;
    let msgCompressed = false;
    /** the message this frame completes (null if none): its data (a preview when uncompressed), frames and wire bytes */
    let doneData: Uint8Array | null = null;
    let doneFrames = 0;
    let doneWire = 0;
    let inflated: Uint8Array | null = null;

    if (op === 1 || op === 2) {
      msgOpcode = op;
      msgCompressed = frame.rsv1;
      if (frame.fin && !frame.rsv1) {
        // A whole uncompressed message in one frame (the common case): nothing to assemble.
        this.message = null;
        doneData = payload;
        doneFrames = 1;
        doneWire = frame.payloadLength;
      } else {
        this.message = { opcode: op, compressed: frame.rsv1, frames: 0, wireLength: 0, parts: [], kept: 0 };
      }
    }
    const m = op <= 2 ? this.message : null; // control frames may come between fragments
    if (m) {
      msgOpcode = m.opcode;
      msgCompressed = m.compressed;
      m.frames++;
      m.wireLength += frame.payloadLength;
      const room = m.compressed ? payload.length : Math.max(0, MESSAGE_PREVIEW_BYTES + 4 - m.kept);
      if (room > 0 && payload.length > 0) {
        const part = payload.length <= room ? payload : payload.subarray(0, room);
        m.parts.push(part);
        m.kept += part.length;
      }
      if (frame.fin) {
        this.message = null;
        const data = m.compressed ? this.inflate(m) : joined(m.parts);
        if (data) {
          doneData = data;
          doneFrames = m.frames;
          doneWire = m.wireLength;
          if (m.compressed) inflated = data;
        }
      }
    }

    this.writeFrame(frame, msgOpcode, msgCompressed, inflated, !broken && op === 1 && doneData !== null && !msgCompressed, t);
    if (doneData && !broken) this.writeMessage(msgOpcode, msgCompressed, doneData, doneFrames, doneWire, op === 1 && doneFrames === 1 && !msgCompressed, t);
    this.sink.onFrame(frame, this.dir);
  }

  /** Inflates a finished compressed message; null (and an error event) when that fails. */
  private inflate(m: MessageInProgress): Uint8Array | null {
    const result = this.inflater
      ? this.inflater.inflate(joined(m.parts))
      : { error: 'RSV1 set but permessage-deflate was not negotiated' };
    if ('error' in result) {
      this.sink.emit({ type: 'error', conn: this.conn, dir: this.dir, source: 'wire', message: `Could not inflate a compressed message: ${result.error}` });
      return null;
    }
    if (m.opcode === 1 && !isUtf8(result.data)) {
      this.sink.emit({
        type: 'error',
        conn: this.conn,
        dir: this.dir,
        source: 'wire',
        message: 'The inflated text message is not valid UTF-8 (RFC 6455 §8.1); the receiver must close with 1007.',
      });
    }
    return result.data;
  }

  /**
   * The frame event, as a record. `checkedText`: a whole uncompressed text message whose payload
   * the codec validated, so its preview needs no second check.
   */
  private writeFrame(frame: Frame, msgOpcode: number, msgCompressed: boolean, inflated: Uint8Array | null, checkedText: boolean, t: number): void {
    const op = frame.opcode;
    const payload = frame.payload;
    const truncated = frame.payloadLength > FRAME_PREVIEW_BYTES; // payload may be a prefix (keepBinary)
    const previewEnd = truncated ? FRAME_PREVIEW_BYTES : payload.length;
    const isText = op === 1 || op === 9 || op === 10 || (op === 0 && msgOpcode === 1);
    const compressedData = frame.rsv1 || (op === 0 && msgCompressed);
    const text = isText && !compressedData ? textEnd(payload, previewEnd, truncated, checkedText) : -1;
    const close = op === 8 ? parseClosePayload(payload) : null;
    const reason = close ? utf8.encode(close.reason) : null;
    let inflatedEnd = -1;
    if (inflated && msgOpcode === 1) {
      const cut = inflated.length > MESSAGE_PREVIEW_BYTES;
      inflatedEnd = textEnd(inflated, cut ? MESSAGE_PREVIEW_BYTES : inflated.length, cut, false);
    }
    const bound = FRAME_RECORD_FIXED + previewEnd + (reason ? reason.length : 0) + (inflatedEnd >= 0 ? inflatedEnd : 0);

    const w = this.bus.beginRecord(KIND_FRAME, this.conn, this.connBytes, bound, t);
    w.f64(frame.offset + this.base);
    w.u8(this.dir === 'c2s' ? 0 : 1);
    const headerLength = writeFrameHeader(frame, HEADER);
    w.u8(headerLength);
    w.bytes(HEADER, 0, headerLength);
    w.u8(previewEnd);
    w.u8(text >= 0 ? text : NOT_TEXT_8);
    w.bytes(payload, 0, previewEnd);
    w.u8((reason ? FLAG_CLOSE : 0) | (inflatedEnd >= 0 ? FLAG_INFLATED : 0));
    if (close && reason) {
      w.u16(close.code);
      w.u16(reason.length);
      w.bytes(reason, 0, reason.length);
    }
    if (inflatedEnd >= 0) {
      w.u16(inflatedEnd);
      w.bytes(inflated!, 0, inflatedEnd);
    }
    this.bus.endRecord();
  }

  /**
   * The message event, as a record. `data` holds the message (inflated when compressed) or, for
   * an uncompressed message of several frames, at least its first MESSAGE_PREVIEW_BYTES.
   */
  private writeMessage(opcode: number, compressed: boolean, data: Uint8Array, frames: number, wireLength: number, checkedText: boolean, t: number): void {
    const length = compressed ? data.length : wireLength;
    const truncated = length > MESSAGE_PREVIEW_BYTES;
    const previewEnd = Math.min(data.length, MESSAGE_PREVIEW_BYTES);
    const text = opcode === 1 ? textEnd(data, previewEnd, truncated, checkedText) : -1;

    const w = this.bus.beginRecord(KIND_MESSAGE, this.conn, this.connBytes, MESSAGE_RECORD_FIXED + previewEnd, t);
    w.u8(this.dir === 'c2s' ? 0 : 1);
    w.u8(opcode);
    w.u8(compressed ? 1 : 0);
    w.f64(length);
    w.f64(wireLength);
    w.f64(frames);
    w.u16(text >= 0 ? text : NOT_TEXT_16);
    w.u16(previewEnd);
    w.bytes(data, 0, previewEnd);
    this.bus.endRecord();
  }
}

/** The message's parts as one array (the one part itself when there is one: no copy). */
function joined(parts: Uint8Array[]): Uint8Array {
  return parts.length === 1 ? parts[0] : concatBytes(parts);
}
