// One direction of a tapped connection: the raw bytes that crossed it, decoded by server/wire into
// frame and message events. Nothing here is rebuilt from ws's callbacks.
import { createReader, frameFields, frameHeader, opcodeName, parseClosePayload } from '../wire/index.ts';
import type { Frame, Violation, WireReader } from '../wire/types.ts';
import type { EventBody } from '../events/schema.ts';
import type { TapInflater } from './inflate.ts';

export type Dir = 'c2s' | 's2c';

import { isUtf8 } from 'node:buffer';
// The event stream carries previews, not whole payloads: it must stay much smaller than the
// traffic it describes, or watching a connection would cost more than the connection itself.
import { FRAME_PREVIEW_BYTES, MESSAGE_PREVIEW_BYTES } from '../events/schema.ts';
export { FRAME_PREVIEW_BYTES, MESSAGE_PREVIEW_BYTES };

/** Hex without separators; Node's native encoder, since the tap runs for every frame. */
export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Length of the longest prefix of `bytes` that does not end inside a UTF-8 character. */
function utf8Boundary(bytes: Uint8Array): number {
  const n = bytes.length;
  // Walk back over up to 3 continuation bytes to the lead byte of the last character.
  let i = n - 1;
  while (i >= 0 && i >= n - 4 && (bytes[i] & 0xc0) === 0x80) i--;
  if (i < 0) return n;
  const lead = bytes[i];
  const need = lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return n - i >= need ? n : i;
}

/**
 * Decodes a byte preview as text when it is valid UTF-8 (Node's native check and decoder: the tap
 * does this for every text frame). A preview cut inside a multi-byte character loses that partial
 * character, so truncation alone never hides the text.
 */
export function previewText(bytes: Uint8Array, truncated: boolean): string | null {
  let buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (truncated) buf = buf.subarray(0, utf8Boundary(buf));
  return isUtf8(buf) ? buf.toString('utf8') : null;
}

type FieldRecord = Record<string, [number, number, number]>;
const layoutCache = new Map<string, FieldRecord>();

/** Field positions depend only on the length encoding and the mask bit, so they are computed once each. */
function fieldPositions(frame: Frame): FieldRecord {
  const key = `${frame.lengthBits}${frame.masked ? 'm' : ''}`;
  let record = layoutCache.get(key);
  if (!record) {
    record = {};
    for (const f of frameFields(frame)) record[f.field] = [f.byteOffset, f.bitOffset, f.bits];
    layoutCache.set(key, record);
  }
  return record;
}

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

export class DirectionTap {
  private reader: WireReader | null = null;
  private message: MessageInProgress | null = null;
  private inflater: TapInflater | null = null;
  /** bytes of this direction's stream before the first frame (its HTTP head) */
  private base = 0;
  private ready = false;
  private deflate = false;
  bytes = 0;

  constructor(
    readonly dir: Dir,
    private readonly conn: string,
    private readonly sink: DirectionSink,
    private readonly maxPayload: number,
  ) {}

  /**
   * Starts frame decoding once the handshake is known. The reader itself is made when the first
   * byte arrives: an idle connection carries no decoder state at all.
   */
  start(headLength: number, perMessageDeflate: boolean, inflater: TapInflater | null): void {
    this.base = headLength;
    this.inflater = inflater;
    this.deflate = perMessageDeflate;
    this.ready = true;
  }

  get started(): boolean {
    return this.ready;
  }

  get stopped(): boolean {
    return this.reader?.violation != null;
  }

  private makeReader(): WireReader {
    return (this.reader = createReader({
      direction: this.dir === 'c2s' ? 'client' : 'server',
      maxPayload: this.maxPayload,
      perMessageDeflate: this.deflate,
    }));
  }

  push(chunk: Uint8Array): void {
    if (!this.ready) return;
    const reader = this.reader ?? this.makeReader();
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
    let inflated: string | null = null;
    let finished: MessageInProgress | null = null;
    let finishedData: Uint8Array | null = null;

    if (op === 1 || op === 2 || op === 0) {
      if (op !== 0) {
        this.message = { opcode: op as 1 | 2, compressed: frame.rsv1, frames: 0, wireLength: 0, parts: [], kept: 0 };
      }
      const m = this.message;
      if (m) {
        m.frames++;
        m.wireLength += frame.payloadLength;
        const room = m.compressed ? frame.payload.length : Math.max(0, MESSAGE_PREVIEW_BYTES + 4 - m.kept);
        if (room > 0 && frame.payload.length > 0) {
          const part = frame.payload.length <= room ? frame.payload : frame.payload.subarray(0, room);
          m.parts.push(part);
          m.kept += part.length;
        }
        if (frame.fin) {
          finished = m;
          this.message = null;
          if (m.compressed) {
            const result = this.inflater
              ? this.inflater.inflate(concat(m.parts, m.kept))
              : { error: 'RSV1 set but permessage-deflate was not negotiated' };
            if ('data' in result) {
              finishedData = result.data;
              inflated = m.opcode === 1 ? previewText(result.data.subarray(0, MESSAGE_PREVIEW_BYTES), result.data.length > MESSAGE_PREVIEW_BYTES) : null;
              if (m.opcode === 1 && previewText(result.data, false) === null) {
                this.sink.emit({
                  type: 'error',
                  conn: this.conn,
                  dir: this.dir,
                  source: 'wire',
                  message: 'The inflated text message is not valid UTF-8 (RFC 6455 §8.1); the receiver must close with 1007.',
                });
              }
            } else {
              this.sink.emit({
                type: 'error',
                conn: this.conn,
                dir: this.dir,
                source: 'wire',
                message: `Could not inflate a compressed message: ${result.error}`,
              });
            }
          } else {
            finishedData = concat(m.parts, m.kept);
          }
        }
      }
    }

    const truncated = frame.payload.length > FRAME_PREVIEW_BYTES;
    const preview = truncated ? frame.payload.subarray(0, FRAME_PREVIEW_BYTES) : frame.payload;
    const close = op === 8 ? parseClosePayload(frame.payload) : null;
    const isText = op === 1 || op === 9 || op === 10 || (op === 0 && (finished ?? this.message)?.opcode === 1);
    const compressedData = frame.rsv1 || (op === 0 && (finished ?? this.message)?.compressed === true);
    this.sink.emit({
      type: 'frame',
      conn: this.conn,
      dir: this.dir,
      offset: frame.offset + this.base,
      fin: frame.fin,
      rsv1: frame.rsv1,
      rsv2: frame.rsv2,
      rsv3: frame.rsv3,
      opcode: op,
      opcodeName: opcodeName(op),
      masked: frame.masked,
      maskingKey: frame.maskingKey ? hex(frame.maskingKey) : null,
      payloadLength: frame.payloadLength,
      headerLength: frame.headerLength,
      headerHex: hex(frameHeader(frame)),
      fields: fieldPositions(frame),
      payloadHex: hex(preview),
      truncated,
      text: isText && !compressedData ? previewText(preview, truncated) : null,
      closeCode: close ? close.code : null,
      closeReason: close ? close.reason : null,
      inflated,
    });

    if (finished && finishedData && !broken) {
      const length = finished.compressed ? finishedData.length : finished.wireLength;
      const msgTruncated = length > MESSAGE_PREVIEW_BYTES;
      const msgPreview = finishedData.subarray(0, MESSAGE_PREVIEW_BYTES);
      this.sink.emit({
        type: 'message',
        conn: this.conn,
        dir: this.dir,
        opcode: finished.opcode,
        opcodeName: opcodeName(finished.opcode),
        length,
        wireLength: finished.wireLength,
        frames: finished.frames,
        compressed: finished.compressed,
        text: finished.opcode === 1 ? previewText(msgPreview, msgTruncated) : null,
        previewHex: hex(msgPreview.subarray(0, FRAME_PREVIEW_BYTES)),
        truncated: msgTruncated,
      });
    }
    this.sink.onFrame(frame, this.dir);
  }
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
