// One TCP connection of a capture, read as a WebSocket: the HTTP upgrade (request and answer) from
// the two reassembled byte streams, then each direction's frames through the codec, with
// permessage-deflate inflated when the handshake negotiated it. Pure: the inflating itself is
// handed in (node:zlib on the server, something else in a browser).

import { computeAccept, concatBytes, createReader, firstInvalidUtf8, frameToJson, negotiatedPerMessageDeflate, parseExtensions, toHex, decodeUtf8Lossy, type Frame, type FrameJson, type Violation, type WireReader } from '../wire/index.ts';

export type Dir = 'c2s' | 's2c';

/** Inflates one direction's compressed messages in order (RFC 7692); made once per direction. */
export interface CaptureInflater {
  inflate(compressedMessage: Uint8Array): { data: Uint8Array } | { error: string };
}

/** @param contextTakeover false when the sender negotiated *_no_context_takeover; maxOutput bounds one message */
export type InflaterFactory = (contextTakeover: boolean, maxOutput: number) => CaptureInflater;

export interface HttpHeadJson {
  startLine: string;
  headers: [string, string][];
}

export interface HandshakeJson {
  request: HttpHeadJson;
  response: HttpHeadJson;
  /** the response's status code */
  status: number;
  /** the request's path */
  path: string;
  /** Sec-WebSocket-Protocol the server chose, or null */
  subprotocol: string | null;
  /** the extensions the server accepted (Sec-WebSocket-Extensions of the 101), names only */
  extensions: string[];
  perMessageDeflate: boolean;
  /** the 101's Sec-WebSocket-Accept matches the request's key (RFC 6455 §4.2.2) */
  acceptValid: boolean;
}

export interface ViolationJson {
  closeCode: number;
  offset: number;
  reason: string;
  kind: string;
  rfc: string;
}

/** What one WebSocket connection of a capture yields (stream, dir and t are added by the caller). */
export type StreamItem =
  | { dir: Dir; handshake: HandshakeJson }
  | { dir: Dir; frame: FrameJson & { inflated?: string | null; inflatedHex?: string } }
  | { dir: Dir; violation: ViolationJson }
  | { dir: Dir; incomplete: { offset: number; needed: number } }
  | { dir: Dir | null; error: string };

/** The longest HTTP head read before a connection is taken for something else. */
export const MAX_HEAD_BYTES = 64 * 1024;
/** Client bytes kept while the server's answer to the upgrade has not been captured yet. */
export const MAX_EARLY_BYTES = 1 << 20;

const CRLFCRLF = [13, 10, 13, 10];

/** Index just past the blank line ending an HTTP head in b (searching from `from`), or -1. */
function findHeadEnd(b: Uint8Array, from = 0): number {
  outer: for (let i = Math.max(0, from); i + 4 <= b.length; i++) {
    for (let k = 0; k < 4; k++) if (b[i + k] !== CRLFCRLF[k]) continue outer;
    return i + 4;
  }
  return -1;
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode(...b.subarray(i, Math.min(b.length, i + 4096)));
  return s;
}

function parseHead(b: Uint8Array): HttpHeadJson {
  const lines = latin1(b).split('\r\n');
  const headers: [string, string][] = [];
  for (const line of lines.slice(1)) {
    if (line === '') continue;
    const colon = line.indexOf(':');
    headers.push(colon < 0 ? [line, ''] : [line.slice(0, colon), line.slice(colon + 1).trim()]);
  }
  return { startLine: lines[0] ?? '', headers };
}

function header(h: HttpHeadJson, name: string): string | null {
  const values = h.headers.filter(([k]) => k.toLowerCase() === name).map(([, v]) => v);
  return values.length ? values.join(', ') : null;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

class DirectionState {
  reader: WireReader | null = null;
  /** bytes of this direction's stream before its first frame (the HTTP head) */
  base = 0;
  /** the compressed data message being assembled */
  parts: Uint8Array[] | null = null;
  partsBytes = 0;
  textMessage = false;
  inflater: CaptureInflater | null = null;
  stopped = false;
}

export interface WebSocketStreamOptions {
  maxPayload: number;
  inflaterFactory?: InflaterFactory;
}

/**
 * The WebSocket view of one TCP connection whose client and server are known. `state`:
 * 'head' until the handshake is read, 'ws' after a 101, 'other' when it is not a WebSocket.
 */
export class WebSocketStream {
  state: 'head' | 'ws' | 'other' = 'head';
  private request: Uint8Array = new Uint8Array(0);
  private requestHead: HttpHeadJson | null = null;
  /** client bytes after the request head, before the answer */
  private early: Uint8Array[] = [];
  private earlyBytes = 0;
  private response: Uint8Array = new Uint8Array(0);
  private responseScanned = 0;
  /** server bytes that arrived before the request head was read */
  private held: Uint8Array[] = [];
  private heldBytes = 0;
  private readonly c2s = new DirectionState();
  private readonly s2c = new DirectionState();

  constructor(private readonly opts: WebSocketStreamOptions) {}

  push(dir: Dir, bytes: Uint8Array, out: StreamItem[]): void {
    if (this.state === 'other' || bytes.length === 0) return;
    if (this.state === 'ws') {
      this.frames(dir, bytes, out);
      return;
    }
    if (dir === 'c2s') {
      if (this.requestHead) {
        if (this.earlyBytes + bytes.length > MAX_EARLY_BYTES) {
          out.push({ dir, error: `the client sent more than ${MAX_EARLY_BYTES} bytes after its upgrade request before the server's answer was captured; the connection is not decoded` });
          this.state = 'other';
          return;
        }
        this.early.push(bytes.slice());
        this.earlyBytes += bytes.length;
        return;
      }
      const scanned = this.request.length - 3;
      this.request = concat(this.request, bytes);
      if (this.request.length >= 4 && latin1(this.request.subarray(0, 4)) !== 'GET ') {
        this.state = 'other';
        return;
      }
      const end = findHeadEnd(this.request, scanned);
      if (end < 0) {
        if (this.request.length > MAX_HEAD_BYTES) this.state = 'other';
        return;
      }
      this.requestHead = parseHead(this.request.subarray(0, end));
      this.c2s.base = end;
      const upgrade = header(this.requestHead, 'upgrade');
      if (!upgrade || upgrade.trim().toLowerCase() !== 'websocket') {
        this.state = 'other';
        return;
      }
      this.early = [this.request.slice(end)];
      this.earlyBytes = this.early[0].length;
      this.request = new Uint8Array(0);
      if (this.held.length > 0) {
        const held = this.held;
        this.held = [];
        this.heldBytes = 0;
        this.response = held.length === 1 ? held[0] : concatBytes(held);
        this.answer(out);
      }
      return;
    }
    if (!this.requestHead) {
      // The request has not been read yet (reordered, or not captured): keep the answer's bytes, bounded.
      if (this.heldBytes + bytes.length > MAX_HEAD_BYTES + MAX_EARLY_BYTES) {
        out.push({ dir, error: `the server sent more than ${MAX_HEAD_BYTES + MAX_EARLY_BYTES} bytes before the client's upgrade request was captured; the connection is not decoded` });
        this.state = 'other';
        return;
      }
      this.held.push(bytes.slice());
      this.heldBytes += bytes.length;
      return;
    }
    this.response = concat(this.response, bytes);
    this.answer(out);
  }

  /** Reads the server's answer once it is whole and the request head is known. */
  private answer(out: StreamItem[]): void {
    const end = findHeadEnd(this.response, this.responseScanned);
    this.responseScanned = Math.max(0, this.response.length - 3);
    if (end < 0) {
      if (this.response.length > MAX_HEAD_BYTES) this.state = 'other';
      return;
    }
    const request = this.requestHead as HttpHeadJson;
    const response = parseHead(this.response.subarray(0, end));
    const status = Number(/^HTTP\/\d(?:\.\d)?\s+(\d{3})/.exec(response.startLine)?.[1] ?? 0);
    const extHeader = header(response, 'sec-websocket-extensions');
    const pmd = status === 101 ? negotiatedPerMessageDeflate(extHeader ?? undefined) : null;
    const key = header(request, 'sec-websocket-key');
    const accept = header(response, 'sec-websocket-accept');
    out.push({
      dir: 's2c',
      handshake: {
        request,
        response,
        status,
        path: request.startLine.split(' ')[1] ?? '',
        subprotocol: header(response, 'sec-websocket-protocol'),
        extensions: extHeader ? parseExtensions(extHeader).map((e) => e.name) : [],
        perMessageDeflate: pmd !== null,
        acceptValid: key !== null && accept !== null && computeAccept(key) === accept.trim(),
      },
    });
    if (status !== 101) {
      // A refused upgrade: what follows is HTTP (or nothing), not frames.
      this.state = 'other';
      return;
    }
    this.state = 'ws';
    this.s2c.base = end;
    const factory = this.opts.inflaterFactory;
    for (const [d, st] of [['c2s', this.c2s], ['s2c', this.s2c]] as const) {
      st.reader = createReader({ direction: d === 'c2s' ? 'client' : 'server', maxPayload: this.opts.maxPayload, perMessageDeflate: pmd !== null });
      if (pmd && factory) {
        const noTakeover = d === 'c2s' ? pmd.clientNoContextTakeover : pmd.serverNoContextTakeover;
        st.inflater = factory(!noTakeover, this.opts.maxPayload);
      }
    }
    const early = this.early;
    const rest = this.response.subarray(end);
    this.early = [];
    this.earlyBytes = 0;
    this.response = new Uint8Array(0);
    this.frames('s2c', rest, out);
    for (const part of early) this.frames('c2s', part, out);
  }

  private frames(dir: Dir, bytes: Uint8Array, out: StreamItem[]): void {
    const st = dir === 'c2s' ? this.c2s : this.s2c;
    if (st.stopped || !st.reader || bytes.length === 0) return;
    const events = st.reader.push(bytes);
    for (const ev of events) {
      if (st.stopped) break;
      if (ev.type === 'violation') {
        this.violation(dir, st, ev.violation, out);
        continue;
      }
      this.frame(dir, st, ev.frame, out);
    }
  }

  private violation(dir: Dir, st: DirectionState, v: Violation | ViolationJson, out: StreamItem[], relative = true): void {
    const offset = relative ? v.offset + st.base : v.offset;
    out.push({ dir, violation: { closeCode: v.closeCode, offset, reason: v.reason, kind: v.kind, rfc: v.rfc } });
    st.stopped = true;
    st.parts = null;
  }

  private frame(dir: Dir, st: DirectionState, frame: Frame, out: StreamItem[]): void {
    const json: FrameJson & { inflated?: string | null; inflatedHex?: string } = frameToJson(frame);
    json.offset += st.base;
    const op = frame.opcode;
    if ((op === 1 || op === 2) && frame.rsv1) {
      st.parts = [];
      st.partsBytes = 0;
      st.textMessage = op === 1;
    } else if (op === 1 || op === 2) st.parts = null;
    let inflated: Uint8Array | null = null;
    let failure: string | null = null;
    if (st.parts && op <= 2) {
      st.parts.push(frame.payload.slice());
      st.partsBytes += frame.payload.length;
      if (frame.fin) {
        const whole = st.parts.length === 1 ? st.parts[0] : concatBytes(st.parts);
        st.parts = null;
        if (!st.inflater) failure = 'permessage-deflate was negotiated but nothing here can inflate it';
        else {
          const r = st.inflater.inflate(whole);
          if ('error' in r) failure = r.error;
          else inflated = r.data;
        }
      }
    }
    if (inflated) {
      json.inflatedHex = toHex(inflated, '');
      json.inflated = st.textMessage ? decodeUtf8Lossy(inflated) : null;
    }
    out.push({ dir, frame: json });
    if (failure !== null) {
      this.violation(dir, st, { closeCode: 1007, offset: json.offset, reason: `The compressed message ending in this frame could not be inflated (${failure}).`, kind: 'INFLATE_FAILED', rfc: '7692 §6.2' }, out, false);
    } else if (inflated && st.textMessage) {
      const bad = firstInvalidUtf8(inflated);
      if (bad >= 0) {
        this.violation(dir, st, { closeCode: 1007, offset: json.offset, reason: `The inflated text message is not valid UTF-8 (byte ${bad} of the inflated data); the receiver must close with 1007.`, kind: 'TEXT_INVALID_UTF8', rfc: '8.1' }, out, false);
      }
    }
  }

  /** At the end of the capture: a direction that ended inside a frame. */
  finish(out: StreamItem[]): void {
    if (this.state !== 'ws') return;
    for (const [dir, st] of [['c2s', this.c2s], ['s2c', this.s2c]] as const) {
      if (st.stopped || !st.reader) continue;
      const inc = st.reader.finish();
      if (inc) out.push({ dir, incomplete: { offset: inc.offset + st.base, needed: inc.needed } });
    }
  }
}
