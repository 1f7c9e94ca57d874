// Event records made from a file's contents (server/core/import): the same frame, handshake and
// close events the tap publishes for a live connection, so /inspect, the diagram and the
// connection view show an imported connection as they show a live one. Pure.
import { computeAccept, frameFields, opcodeName, toHex, type Frame } from '../wire/index.ts';
import type { EventBody } from '../events/schema.ts';
import { FRAME_PREVIEW_BYTES } from '../events/version.ts';

/** An event body with the time it happened, ms after the file's first record. */
export type TimedBody = EventBody & { t: number };

export type ImportFormat = 'pcap' | 'pcapng' | 'har' | 'session';

export function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The preview as text when it is valid UTF-8 (a character cut by the preview's end is left out), else null. */
export function previewText(preview: Uint8Array, truncated: boolean): string | null {
  for (let cut = 0; cut <= (truncated ? 3 : 0) && cut <= preview.length; cut++) {
    try {
      return utf8.decode(preview.subarray(0, preview.length - cut));
    } catch {
      // try one byte shorter: a multi-byte character cut by the preview
    }
  }
  return null;
}

export interface FrameInput {
  dir: 'c2s' | 's2c';
  offset: number;
  fin: boolean;
  rsv1: boolean;
  rsv2: boolean;
  rsv3: boolean;
  opcode: number;
  masked: boolean;
  /** 8 hex digits, or null */
  maskingKey: string | null;
  payloadLength: number;
  headerLength: number;
  /** the payload after unmasking (all of it, or at least its first FRAME_PREVIEW_BYTES) */
  payload: Uint8Array;
  /** the payload is text (a text frame, or a continuation of a text message), not compressed */
  textual: boolean;
  closeCode: number | null;
  closeReason: string | null;
  inflated: string | null;
  synthesised?: string[];
}

/** A frame event body from a frame's fields; the header bytes are rebuilt from them exactly. */
export function frameBody(conn: string, f: FrameInput): EventBody<'frame'> {
  const ext = f.headerLength - 2 - (f.masked ? 4 : 0);
  const lengthBits: 7 | 16 | 64 = ext >= 8 ? 64 : ext >= 2 ? 16 : 7;
  const frame: Frame = {
    offset: f.offset,
    fin: f.fin,
    rsv1: f.rsv1,
    rsv2: f.rsv2,
    rsv3: f.rsv3,
    opcode: f.opcode,
    masked: f.masked,
    maskingKey: f.maskingKey ? fromHex(f.maskingKey) : null,
    payloadLength: f.payloadLength,
    headerLength: f.headerLength,
    lengthBits,
    payload: f.payload,
  } as Frame;
  const fields: Record<string, [number, number, number]> = {};
  for (const l of frameFields(frame)) fields[l.field] = [l.byteOffset, l.bitOffset, l.bits];
  const header = headerBytes(f, lengthBits);
  const truncated = f.payload.length > FRAME_PREVIEW_BYTES || f.payload.length < f.payloadLength;
  const preview = f.payload.subarray(0, FRAME_PREVIEW_BYTES);
  const body: EventBody<'frame'> = {
    type: 'frame',
    conn,
    dir: f.dir,
    offset: f.offset,
    fin: f.fin,
    rsv1: f.rsv1,
    rsv2: f.rsv2,
    rsv3: f.rsv3,
    opcode: f.opcode,
    opcodeName: opcodeName(f.opcode),
    masked: f.masked,
    maskingKey: f.maskingKey,
    payloadLength: f.payloadLength,
    headerLength: f.headerLength,
    headerHex: toHex(header, ''),
    fields,
    payloadHex: toHex(preview, ''),
    truncated,
    text: f.textual ? previewText(preview, truncated) : null,
    closeCode: f.closeCode,
    closeReason: f.closeReason,
    inflated: f.inflated,
  };
  if (f.synthesised && f.synthesised.length) body.synthesised = f.synthesised;
  return body;
}

function headerBytes(f: FrameInput, lengthBits: 7 | 16 | 64): Uint8Array {
  const out = new Uint8Array(f.headerLength);
  out[0] = (f.fin ? 0x80 : 0) | (f.rsv1 ? 0x40 : 0) | (f.rsv2 ? 0x20 : 0) | (f.rsv3 ? 0x10 : 0) | (f.opcode & 0x0f);
  const len = f.payloadLength;
  let at = 2;
  if (lengthBits === 7) out[1] = len;
  else if (lengthBits === 16) {
    out[1] = 126;
    out[2] = len >> 8;
    out[3] = len & 0xff;
    at = 4;
  } else {
    out[1] = 127;
    let v = len;
    for (let i = 9; i >= 2; i--) {
      out[i] = v % 256;
      v = Math.floor(v / 256);
    }
    at = 10;
  }
  if (f.masked) {
    out[1] |= 0x80;
    if (f.maskingKey) out.set(fromHex(f.maskingKey), at);
  }
  return out;
}

export interface HeadInput {
  startLine: string;
  headers: [string, string][];
}

export function rawHead(h: HeadInput): string {
  return [h.startLine, ...h.headers.map(([k, v]) => `${k}: ${v}`)].join('\r\n') + '\r\n\r\n';
}

function headerOf(headers: [string, string][], name: string): string | null {
  const values = headers.filter(([k]) => k.toLowerCase() === name).map(([, v]) => v);
  return values.length ? values.join(', ') : null;
}

/** A handshake event body from the request's and the answer's heads. */
export function handshakeBody(conn: string, request: HeadInput, response: HeadInput): EventBody<'handshake'> {
  const [method = '', target = '', httpVersion = ''] = request.startLine.split(' ');
  const m = /^(HTTP\/[\d.]+)\s+(\d{3})\s*(.*)$/.exec(response.startLine);
  const key = headerOf(request.headers, 'sec-websocket-key');
  const accept = headerOf(response.headers, 'sec-websocket-accept');
  const expectedAccept = key !== null ? computeAccept(key) : null;
  return {
    type: 'handshake',
    conn,
    request: { method, target, httpVersion: httpVersion.replace(/^HTTP\//, ''), headers: request.headers, raw: rawHead(request) },
    response: { status: m ? Number(m[2]) : 0, statusText: m ? m[3] : '', headers: response.headers, raw: rawHead(response) },
    key,
    accept,
    expectedAccept,
    acceptOk: accept !== null && expectedAccept !== null && accept.trim() === expectedAccept,
  };
}

export { headerOf };

/** Follows one connection's frames to write its close event at the end. */
export class CloseTracker {
  private first: { dir: 'c2s' | 's2c'; code: number | null; reason: string } | null = null;
  private closeDirs = new Set<string>();
  bytes = { c2s: 0, s2c: 0 };
  lastT = 0;

  constructor(readonly startT: number) {
    this.lastT = startT;
  }

  frame(body: EventBody<'frame'>, t: number): void {
    this.lastT = Math.max(this.lastT, t);
    this.bytes[body.dir] += body.headerLength + body.payloadLength;
    if (body.opcode === 8) {
      if (!this.first) this.first = { dir: body.dir, code: body.closeCode, reason: body.closeReason ?? '' };
      this.closeDirs.add(body.dir);
    }
  }

  /** The close event; `reasonIfNone` when no close frame was seen. */
  body(conn: string, reasonIfNone: string): EventBody<'close'> {
    return {
      type: 'close',
      conn,
      code: this.first?.code ?? null,
      reason: this.first ? this.first.reason : reasonIfNone,
      initiator: this.first ? (this.first.dir === 'c2s' ? 'client' : 'server') : 'none',
      clean: this.closeDirs.size === 2,
      durationMs: Math.max(0, this.lastT - this.startT),
      // the server's view: bytes in are the client's
      bytesIn: this.bytes.c2s,
      bytesOut: this.bytes.s2c,
    };
  }
}
