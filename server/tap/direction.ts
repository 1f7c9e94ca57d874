// One direction of a tapped connection: the raw bytes that crossed it, decoded by server/wire into
// frame and message events. Nothing here is rebuilt from ws's callbacks.
//
// This runs for every frame on every lab socket, so the two hot events are written as JSON bytes
// straight into the bus history (bus.begin/end): no event object, no hex or text strings. A text
// message that arrives in one frame is checked as UTF-8 once, natively, by the codec; previews
// are cut from that checked payload. Rare paths (fragments, compression, errors) keep it simple.
import { isUtf8 } from 'node:buffer';
import { concatBytes, createReader, frameFields, opcodeName, parseClosePayload, writeFrameHeader } from '../wire/index.ts';
import type { Frame, Violation, WireReader } from '../wire/types.ts';
import type { EventBody } from '../events/schema.ts';
import type { EventBus } from '../events/bus.ts';
import { ascii, hexJsonBound, utf8JsonBound } from '../events/json-bytes.ts';
import type { TapInflater } from './inflate.ts';

export type Dir = 'c2s' | 's2c';

// The event stream carries previews, not whole payloads: it must stay much smaller than the
// traffic it describes, or watching a connection would cost more than the connection itself.
import { FRAME_PREVIEW_BYTES, MESSAGE_PREVIEW_BYTES } from '../events/schema.ts';
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

/**
 * The literal runs of a frame event that depend only on the header layout (length encoding ×
 * mask bit): `,"headerLength":N,"headerHex":` and `,"fields":{…},"payloadHex":`. Made once each.
 */
interface LayoutJson {
  headerLength: Uint8Array;
  fields: Uint8Array;
}
const layouts: LayoutJson[] = [];

function layoutFor(frame: Frame): LayoutJson {
  const key = (frame.lengthBits === 7 ? 0 : frame.lengthBits === 16 ? 2 : 4) + (frame.masked ? 1 : 0);
  let layout = layouts[key];
  if (layout === undefined) {
    const record: Record<string, [number, number, number]> = {};
    for (const f of frameFields(frame)) record[f.field] = [f.byteOffset, f.bitOffset, f.bits];
    layout = layouts[key] = {
      headerLength: ascii(`,"headerLength":${frame.headerLength},"headerHex":`),
      fields: ascii(`,"fields":${JSON.stringify(record)},"payloadHex":`),
    };
  }
  return layout;
}

/** `,"fin":…,"rsv1":…,"rsv2":…,"rsv3":…,"opcode":…,"opcodeName":…,"masked":…,"maskingKey":` per byte 0 and mask bit. */
const bitsRuns: Uint8Array[] = [];

function bitsJson(frame: Frame): Uint8Array {
  const b0 = (frame.fin ? 0x80 : 0) | (frame.rsv1 ? 0x40 : 0) | (frame.rsv2 ? 0x20 : 0) | (frame.rsv3 ? 0x10 : 0) | frame.opcode;
  const key = (b0 << 1) | (frame.masked ? 1 : 0);
  return (bitsRuns[key] ??= ascii(
    `,"fin":${frame.fin},"rsv1":${frame.rsv1},"rsv2":${frame.rsv2},"rsv3":${frame.rsv3},"opcode":${frame.opcode}` +
      `,"opcodeName":${JSON.stringify(opcodeName(frame.opcode))},"masked":${frame.masked},"maskingKey":`,
  ));
}

// The other literal parts of the two events, encoded once.
const L_DIR_C2S_OFFSET = ascii(',"dir":"c2s","offset":');
const L_DIR_S2C_OFFSET = ascii(',"dir":"s2c","offset":');
const L_PAYLOADLENGTH = ascii(',"payloadLength":');
const L_TRUNCATED_TRUE_TEXT = ascii(',"truncated":true,"text":');
const L_TRUNCATED_FALSE_TEXT = ascii(',"truncated":false,"text":');
const L_CLOSECODE = ascii(',"closeCode":');
const L_CLOSEREASON = ascii(',"closeReason":');
const L_INFLATED = ascii(',"inflated":');
const L_NO_CLOSE_INFLATED = ascii(',"closeCode":null,"closeReason":null,"inflated":');
const L_DIR_C2S_OPCODE = ascii(',"dir":"c2s","opcode":');
const L_DIR_S2C_OPCODE = ascii(',"dir":"s2c","opcode":');
const L_TEXT_LENGTH = ascii(',"opcodeName":"TEXT","length":');
const L_BINARY_LENGTH = ascii(',"opcodeName":"BINARY","length":');
const L_WIRELENGTH = ascii(',"wireLength":');
const L_FRAMES = ascii(',"frames":');
const L_COMPRESSED_TRUE_TEXT = ascii(',"compressed":true,"text":');
const L_COMPRESSED_FALSE_TEXT = ascii(',"compressed":false,"text":');
const L_PREVIEWHEX = ascii(',"previewHex":');
const L_TRUNCATED = ascii(',"truncated":');

/** Scratch for the header bytes of the frame being written (at most 14). */
const HEADER = new Uint8Array(14);
/** Bytes of a frame event besides its previews and `fields` (field names, numbers, booleans): generous. */
const FRAME_FIXED_BYTES = 640;
const MESSAGE_FIXED_BYTES = 320;

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
  /** `conn` as a JSON string, encoded once for every event of this direction */
  private readonly connJson: Uint8Array;

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
  ) {
    this.connJson = new TextEncoder().encode(JSON.stringify(conn));
    this.reader = createReader({ direction: dir === 'c2s' ? 'client' : 'server', maxPayload, perMessageDeflate: inflater !== null, isUtf8 });
  }

  push(chunk: Uint8Array): void {
    const reader = this.reader;
    if (reader.violation) return;
    this.bytes += chunk.length;
    const events = reader.push(chunk);
    for (let i = 0; i < events.length; i++) {
      const ev = events[i];
      // A frame followed by a violation (bad UTF-8 in it, say) completes no valid message.
      if (ev.type === 'frame') this.onFrame(ev.frame, events[i + 1]?.type === 'violation');
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

  private onFrame(frame: Frame, broken: boolean): void {
    const op = frame.opcode;
    const payload = frame.payload;
    /** opcode of the data message this frame belongs to (0: a control frame, or no message) */
    let msgOpcode = 0;
    let msgCompressed = false;
    /** the message this frame completes: its data (a preview when uncompressed), frames and wire bytes */
    let done: { data: Uint8Array; frames: number; wireLength: number } | null = null;
    let inflated: Uint8Array | null = null;

    if (op === 1 || op === 2) {
      msgOpcode = op;
      msgCompressed = frame.rsv1;
      if (frame.fin && !frame.rsv1) {
        // A whole uncompressed message in one frame (the common case): nothing to assemble.
        this.message = null;
        done = { data: payload, frames: 1, wireLength: frame.payloadLength };
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
          done = { data, frames: m.frames, wireLength: m.wireLength };
          if (m.compressed) inflated = data;
        }
      }
    }

    this.writeFrame(frame, msgOpcode, msgCompressed, inflated, !broken && op === 1 && done !== null && !msgCompressed);
    if (done && !broken) this.writeMessage(msgOpcode, msgCompressed, done.data, done.frames, done.wireLength, op === 1 && done.frames === 1 && !msgCompressed);
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
   * The frame event. `checkedText`: a whole uncompressed text message whose payload the codec
   * validated, so its preview needs no second check.
   */
  private writeFrame(frame: Frame, msgOpcode: number, msgCompressed: boolean, inflated: Uint8Array | null, checkedText: boolean): void {
    const op = frame.opcode;
    const payload = frame.payload;
    const truncated = payload.length > FRAME_PREVIEW_BYTES;
    const previewEnd = truncated ? FRAME_PREVIEW_BYTES : payload.length;
    const isText = op === 1 || op === 9 || op === 10 || (op === 0 && msgOpcode === 1);
    const compressedData = frame.rsv1 || (op === 0 && msgCompressed);
    const text = isText && !compressedData ? textEnd(payload, previewEnd, truncated, checkedText) : -1;
    const close = op === 8 ? parseClosePayload(payload) : null;
    let inflatedEnd = -1;
    if (inflated && msgOpcode === 1) {
      const cut = inflated.length > MESSAGE_PREVIEW_BYTES;
      inflatedEnd = textEnd(inflated, cut ? MESSAGE_PREVIEW_BYTES : inflated.length, cut, false);
    }
    const layout = layoutFor(frame);
    const bound =
      FRAME_FIXED_BYTES +
      layout.fields.length +
      hexJsonBound(previewEnd) +
      (text >= 0 ? utf8JsonBound(text) : 0) +
      (close ? close.reason.length * 6 + 2 : 0) +
      (inflatedEnd >= 0 ? utf8JsonBound(inflatedEnd) : 0);

    const w = this.bus.begin('frame', this.conn, bound, this.connJson);
    w.lit(this.dir === 'c2s' ? L_DIR_C2S_OFFSET : L_DIR_S2C_OFFSET);
    w.uint(frame.offset + this.base);
    w.lit(bitsJson(frame)); // ,"fin":…,"rsv1":…,…,"masked":…,"maskingKey":
    if (frame.maskingKey) w.hex(frame.maskingKey);
    else w.null();
    w.lit(L_PAYLOADLENGTH);
    w.uint(frame.payloadLength);
    w.lit(layout.headerLength); // ,"headerLength":N,"headerHex":
    w.hex(HEADER, 0, writeFrameHeader(frame, HEADER));
    w.lit(layout.fields); // ,"fields":{…},"payloadHex":
    w.hex(payload, 0, previewEnd);
    w.lit(truncated ? L_TRUNCATED_TRUE_TEXT : L_TRUNCATED_FALSE_TEXT);
    if (text >= 0) w.utf8(payload, 0, text);
    else w.null();
    if (close) {
      w.lit(L_CLOSECODE);
      w.uint(close.code);
      w.lit(L_CLOSEREASON);
      w.str(close.reason);
      w.lit(L_INFLATED);
    } else {
      w.lit(L_NO_CLOSE_INFLATED);
    }
    if (inflatedEnd >= 0) w.utf8(inflated!, 0, inflatedEnd);
    else w.null();
    this.bus.end();
  }

  /**
   * The message event. `data` holds the message (inflated when compressed) or, for an
   * uncompressed message of several frames, at least its first MESSAGE_PREVIEW_BYTES.
   */
  private writeMessage(opcode: number, compressed: boolean, data: Uint8Array, frames: number, wireLength: number, checkedText: boolean): void {
    const length = compressed ? data.length : wireLength;
    const truncated = length > MESSAGE_PREVIEW_BYTES;
    const previewEnd = Math.min(data.length, MESSAGE_PREVIEW_BYTES);
    const text = opcode === 1 ? textEnd(data, previewEnd, truncated, checkedText) : -1;
    const hexEnd = Math.min(previewEnd, FRAME_PREVIEW_BYTES);
    const bound = MESSAGE_FIXED_BYTES + hexJsonBound(hexEnd) + (text >= 0 ? utf8JsonBound(text) : 0);

    const w = this.bus.begin('message', this.conn, bound, this.connJson);
    w.lit(this.dir === 'c2s' ? L_DIR_C2S_OPCODE : L_DIR_S2C_OPCODE);
    w.uint(opcode);
    w.lit(opcode === 1 ? L_TEXT_LENGTH : L_BINARY_LENGTH);
    w.uint(length);
    w.lit(L_WIRELENGTH);
    w.uint(wireLength);
    w.lit(L_FRAMES);
    w.uint(frames);
    w.lit(compressed ? L_COMPRESSED_TRUE_TEXT : L_COMPRESSED_FALSE_TEXT);
    if (text >= 0) w.utf8(data, 0, text);
    else w.null();
    w.lit(L_PREVIEWHEX);
    w.hex(data, 0, hexEnd);
    w.lit(L_TRUNCATED);
    w.bool(truncated);
    this.bus.end();
  }
}

/** The message's parts as one array (the one part itself when there is one: no copy). */
function joined(parts: Uint8Array[]): Uint8Array {
  return parts.length === 1 ? parts[0] : concatBytes(parts);
}
