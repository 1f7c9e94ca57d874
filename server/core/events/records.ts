// Frame and message events kept as compact binary records, and turned into their JSON on read.
//
// The tap describes every frame that crosses a lab socket: two frames and two messages per echo
// round trip. Writing their JSON as it happens cost the server more than a third of what the echo
// itself costs. A record holds what the JSON is made of instead (the header bytes exactly as they
// crossed the wire, the first payload bytes, where the text preview ends) in about a fifth of the
// bytes, and the JSON is written only when a reader asks for JSON: the NDJSON history, `wslab
// watch`, observers of single events. The web app reads records as they are (`?format=bin`) and
// turns them into the same JSON in its stream worker with this module, so the page sees the same
// events while the server does a copy.
//
// The JSON a record renders is the event as the schema defines it, byte for byte what
// JSON.stringify gives (test/unit/events-records.test.ts, test/unit/tap-direction-events.test.ts).
// Pure: no node:* and no DOM imports; the server, the web worker and the tests share it.
//
// Layout (little endian). Every record starts with
//   f64 seq, f64 t (whole microseconds), u8 conn length, conn (UTF-8)
// a frame record (KIND_FRAME) goes on with
//   f64 stream offset, u8 dir (0 c2s, 1 s2c), u8 header length, header bytes (as on the wire),
//   u8 preview length, u8 text end (0xff: not text), preview bytes (unmasked payload prefix),
//   u8 flags (1: close payload, 2: inflated text),
//   [close] u16 code, u16 reason length, reason (UTF-8)   [inflated] u16 length, text (UTF-8)
// a message record (KIND_MESSAGE) with
//   u8 dir, u8 opcode, u8 compressed, f64 length, f64 wire length, f64 frames,
//   u16 text end (0xffff: not text), u16 data length, data (message prefix, inflated if compressed)
//
// The `?format=bin` stream is a sequence of items `u8 kind, u32 length, bytes`, where kind 0 is
// an event's JSON text (UTF-8) and kinds 1 and 2 are the records above.
import { frameFields, opcodeName } from '../wire/index.ts';
import type { Frame } from '../wire/types.ts';
import { EVENT_SCHEMA_VERSION, FRAME_PREVIEW_BYTES, MESSAGE_PREVIEW_BYTES } from './version.ts';
import { ascii, JsonBytes } from './json-bytes.ts';

export const KIND_JSON = 0;
export const KIND_FRAME = 1;
export const KIND_MESSAGE = 2;
export type RecordKind = typeof KIND_FRAME | typeof KIND_MESSAGE;

export const NOT_TEXT_8 = 0xff;
export const NOT_TEXT_16 = 0xffff;
export const FLAG_CLOSE = 1;
export const FLAG_INFLATED = 2;

/** Bytes of a `?format=bin` item header: kind and length. */
export const ITEM_HEADER_BYTES = 5;

/** Writes records (the bus points it at the history's bytes). */
export class RecordWriter {
  pos = 0;
  private view: DataView;

  constructor(public buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  u8(n: number): void {
    this.buf[this.pos++] = n;
  }

  u16(n: number): void {
    const buf = this.buf;
    buf[this.pos++] = n & 0xff;
    buf[this.pos++] = n >>> 8;
  }

  f64(n: number): void {
    this.view.setFloat64(this.pos, n, true);
    this.pos += 8;
  }

  /** bytes[start, end) as they are */
  bytes(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    if (n > 64) {
      // a plain view: Buffer's own subarray() is several times slower to make
      this.buf.set(new Uint8Array(src.buffer, src.byteOffset + start, n), this.pos);
      this.pos += n;
      return;
    }
    const buf = this.buf;
    let p = this.pos;
    for (let i = start; i < end; i++) buf[p++] = src[i];
    this.pos = p;
  }
}

/** Most bytes a frame record takes besides its conn, previews and close reason. */
export const FRAME_RECORD_FIXED = 8 + 8 + 1 + 8 + 1 + 1 + 14 + 2 + 1 + 6 + 2;
/** Most bytes a message record takes besides its conn and data. */
export const MESSAGE_RECORD_FIXED = 8 + 8 + 1 + 3 + 24 + 4;

// ---- reading ------------------------------------------------------------------------------

const F64 = new Float64Array(1);
const F64_BYTES = new Uint8Array(F64.buffer);

function f64At(rec: Uint8Array, at: number): number {
  for (let i = 0; i < 8; i++) F64_BYTES[i] = rec[at + i];
  return F64[0];
}

function u16At(rec: Uint8Array, at: number): number {
  return rec[at] | (rec[at + 1] << 8);
}

/** Bytes the JSON of a record can take at most (every content byte as hex and as an escaped character). */
export function recordJsonBound(rec: Uint8Array): number {
  return 1536 + rec.length * 8;
}

// Literal runs of the JSON, encoded once.
const HEAD_V = ascii(`{"v":${EVENT_SCHEMA_VERSION},"seq":`);
const HEAD_T = ascii(',"t":');
const TYPE_FRAME_CONN = ascii(',"type":"frame","conn":');
const TYPE_MESSAGE_CONN = ascii(',"type":"message","conn":');
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

/**
 * The literal runs of a frame event that depend only on the header layout (length encoding ×
 * mask bit): `,"headerLength":N,"headerHex":` and `,"fields":{…},"payloadHex":`. Made once each.
 */
interface LayoutJson {
  headerLength: Uint8Array;
  fields: Uint8Array;
}
const layouts: LayoutJson[] = [];

function layoutFor(lengthBits: 7 | 16 | 64, masked: boolean): LayoutJson {
  const key = (lengthBits === 7 ? 0 : lengthBits === 16 ? 2 : 4) + (masked ? 1 : 0);
  let layout = layouts[key];
  if (layout === undefined) {
    const headerLength = 2 + (lengthBits === 7 ? 0 : lengthBits === 16 ? 2 : 8) + (masked ? 4 : 0);
    // frameFields reads only the layout of this stand-in frame, never its values
    const frame = { lengthBits, masked, maskingKey: masked ? new Uint8Array(4) : null, payloadLength: 0, opcode: 0 } as unknown as Frame;
    const record: Record<string, [number, number, number]> = {};
    for (const f of frameFields(frame)) record[f.field] = [f.byteOffset, f.bitOffset, f.bits];
    layout = layouts[key] = {
      headerLength: ascii(`,"headerLength":${headerLength},"headerHex":`),
      fields: ascii(`,"fields":${JSON.stringify(record)},"payloadHex":`),
    };
  }
  return layout;
}

/** `,"fin":…,"rsv1":…,"rsv2":…,"rsv3":…,"opcode":…,"opcodeName":…,"masked":…,"maskingKey":` per byte 0 and mask bit. */
const bitsRuns: Uint8Array[] = [];

function bitsJson(b0: number, masked: boolean): Uint8Array {
  const key = (b0 << 1) | (masked ? 1 : 0);
  let run = bitsRuns[key];
  if (run === undefined) {
    const op = b0 & 0x0f;
    run = bitsRuns[key] = ascii(
      `,"fin":${(b0 & 0x80) !== 0},"rsv1":${(b0 & 0x40) !== 0},"rsv2":${(b0 & 0x20) !== 0},"rsv3":${(b0 & 0x10) !== 0},"opcode":${op}` +
        `,"opcodeName":${JSON.stringify(opcodeName(op))},"masked":${masked},"maskingKey":`,
    );
  }
  return run;
}

/** Writes `{"v":…,"seq":…,"t":…,"type":…,"conn":…` from a record's common head; returns where its body starts. */
function writeHead(rec: Uint8Array, type: Uint8Array, w: JsonBytes): number {
  w.lit(HEAD_V);
  w.uint(f64At(rec, 0));
  w.lit(HEAD_T);
  w.micros(f64At(rec, 8));
  w.lit(type);
  const connEnd = 17 + rec[16];
  w.utf8(rec, 17, connEnd);
  return connEnd;
}

/** Writes the JSON of a frame record. */
function writeFrameJson(rec: Uint8Array, w: JsonBytes): void {
  let at = writeHead(rec, TYPE_FRAME_CONN, w);
  const offset = f64At(rec, at);
  const dir = rec[at + 8];
  const headerLength = rec[at + 9];
  const h = at + 10; // the header bytes
  at = h + headerLength;
  const previewLength = rec[at];
  const textEnd = rec[at + 1];
  const preview = at + 2;
  at = preview + previewLength;
  const flags = rec[at++];

  const b0 = rec[h];
  const b1 = rec[h + 1];
  const masked = (b1 & 0x80) !== 0;
  const len7 = b1 & 0x7f;
  let payloadLength = len7;
  let lengthBits: 7 | 16 | 64 = 7;
  if (len7 === 126) {
    payloadLength = (rec[h + 2] << 8) | rec[h + 3];
    lengthBits = 16;
  } else if (len7 === 127) {
    payloadLength = (rec[h + 2] * 2 ** 24 + ((rec[h + 3] << 16) | (rec[h + 4] << 8) | rec[h + 5])) * 2 ** 32 + (rec[h + 6] * 2 ** 24 + ((rec[h + 7] << 16) | (rec[h + 8] << 8) | rec[h + 9]));
    lengthBits = 64;
  }

  w.lit(dir === 0 ? L_DIR_C2S_OFFSET : L_DIR_S2C_OFFSET);
  w.uint(offset);
  w.lit(bitsJson(b0, masked)); // ,"fin":…,"rsv1":…,…,"masked":…,"maskingKey":
  if (masked) w.hex(rec, h + headerLength - 4, h + headerLength);
  else w.null();
  w.lit(L_PAYLOADLENGTH);
  w.uint(payloadLength);
  const layout = layoutFor(lengthBits, masked);
  w.lit(layout.headerLength); // ,"headerLength":N,"headerHex":
  w.hex(rec, h, h + headerLength);
  w.lit(layout.fields); // ,"fields":{…},"payloadHex":
  w.hex(rec, preview, preview + previewLength);
  w.lit(payloadLength > FRAME_PREVIEW_BYTES ? L_TRUNCATED_TRUE_TEXT : L_TRUNCATED_FALSE_TEXT);
  if (textEnd !== NOT_TEXT_8) w.utf8(rec, preview, preview + textEnd);
  else w.null();
  if (flags & FLAG_CLOSE) {
    const reasonLength = u16At(rec, at + 2);
    w.lit(L_CLOSECODE);
    w.uint(u16At(rec, at));
    w.lit(L_CLOSEREASON);
    w.utf8(rec, at + 4, at + 4 + reasonLength);
    at += 4 + reasonLength;
    w.lit(L_INFLATED);
  } else {
    w.lit(L_NO_CLOSE_INFLATED);
  }
  if (flags & FLAG_INFLATED) w.utf8(rec, at + 2, at + 2 + u16At(rec, at));
  else w.null();
  w.byte(0x7d); // }
}

/** Writes the JSON of a message record. */
function writeMessageJson(rec: Uint8Array, w: JsonBytes): void {
  const at = writeHead(rec, TYPE_MESSAGE_CONN, w);
  const dir = rec[at];
  const opcode = rec[at + 1];
  const compressed = rec[at + 2] === 1;
  const length = f64At(rec, at + 3);
  const wireLength = f64At(rec, at + 11);
  const frames = f64At(rec, at + 19);
  const textEnd = u16At(rec, at + 27);
  const dataLength = u16At(rec, at + 29);
  const data = at + 31;

  w.lit(dir === 0 ? L_DIR_C2S_OPCODE : L_DIR_S2C_OPCODE);
  w.uint(opcode);
  w.lit(opcode === 1 ? L_TEXT_LENGTH : L_BINARY_LENGTH);
  w.uint(length);
  w.lit(L_WIRELENGTH);
  w.uint(wireLength);
  w.lit(L_FRAMES);
  w.uint(frames);
  w.lit(compressed ? L_COMPRESSED_TRUE_TEXT : L_COMPRESSED_FALSE_TEXT);
  if (textEnd !== NOT_TEXT_16) w.utf8(rec, data, data + textEnd);
  else w.null();
  w.lit(L_PREVIEWHEX);
  w.hex(rec, data, data + Math.min(dataLength, MESSAGE_PREVIEW_BYTES));
  w.lit(L_TRUNCATED);
  w.bool(length > MESSAGE_PREVIEW_BYTES);
  w.byte(0x7d); // }
}

/** Writes the JSON of a record at w.pos; the caller makes sure recordJsonBound(rec) bytes fit. */
export function writeRecordJson(kind: RecordKind, rec: Uint8Array, w: JsonBytes): void {
  if (kind === KIND_FRAME) writeFrameJson(rec, w);
  else writeMessageJson(rec, w);
}

const decoder = new TextDecoder();

/**
 * Turns one `?format=bin` message into the newline-separated JSON a `?batch=1` message would
 * have held. Items of unknown kind are skipped; a truncated item ends the message.
 */
export function renderBatch(bytes: Uint8Array): string {
  let bound = 0;
  for (let at = 0; at + ITEM_HEADER_BYTES <= bytes.length; ) {
    const length = itemLength(bytes, at);
    bound += length * 8 + 1537;
    at += ITEM_HEADER_BYTES + length;
  }
  const w = new JsonBytes(new Uint8Array(bound));
  for (let at = 0; at + ITEM_HEADER_BYTES <= bytes.length; ) {
    const kind = bytes[at];
    const length = itemLength(bytes, at);
    const start = at + ITEM_HEADER_BYTES;
    at = start + length;
    if (at > bytes.length) break;
    if (kind !== KIND_JSON && kind !== KIND_FRAME && kind !== KIND_MESSAGE) continue;
    if (w.pos > 0) w.byte(0x0a);
    if (kind === KIND_JSON) w.lit(bytes.subarray(start, at));
    else writeRecordJson(kind, bytes.subarray(start, at), w);
  }
  return decoder.decode(w.buf.subarray(0, w.pos));
}

function itemLength(bytes: Uint8Array, at: number): number {
  return (bytes[at + 1] | (bytes[at + 2] << 8) | (bytes[at + 3] << 16)) + bytes[at + 4] * 2 ** 24;
}

/** Writes an item header (kind, length) at out[at]. */
export function writeItemHeader(out: Uint8Array, at: number, kind: number, length: number): void {
  out[at] = kind;
  out[at + 1] = length & 0xff;
  out[at + 2] = (length >>> 8) & 0xff;
  out[at + 3] = (length >>> 16) & 0xff;
  out[at + 4] = (length >>> 24) & 0xff;
}
