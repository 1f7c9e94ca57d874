// The subprotocol decoders: the registry, the choice of a decoder for a connection (its negotiated
// Sec-WebSocket-Protocol, its request target, or its first messages), and a session that turns a
// connection's frame events into decoded messages. Pure: the browser runs it on the frames it
// holds (the event stream is unchanged); tests run it on the events of real peers.
//
// Adding a decoder: one file exporting a DecoderDef (see types.ts) and its test; list it below.
import { graphqlWs, subscriptionsTransportWs } from './graphql-ws.ts';
import { jsonRpc } from './jsonrpc.ts';
import { mqtt } from './mqtt.ts';
import { socketIo } from './socketio.ts';
import { stomp } from './stomp.ts';
import { MESSAGE_PREVIEW_BYTES } from '../events/version.ts';
import type { ConnectionHints, Decoded, DecoderDef, DecoderMessage, Dir } from './types.ts';

export type { ConnectionHints, Decoded, DecodedItem, DecoderDef, DecoderMessage } from './types.ts';
export { compileDecodedQuery, type DecodedQuery } from './query.ts';

export const DECODERS: readonly DecoderDef[] = [socketIo, mqtt, stomp, graphqlWs, subscriptionsTransportWs, jsonRpc];

/** Data messages of a connection looked at to recognise its protocol when nothing chose one. */
export const RECOGNISE_MESSAGES = 4;

/** The decoder a connection's opening selects, or null (then its first messages are looked at). */
export function decoderFor(hints: ConnectionHints): DecoderDef | null {
  const sub = hints.subprotocol?.trim().toLowerCase();
  if (sub) for (const d of DECODERS) if (d.subprotocols.includes(sub)) return d;
  for (const d of DECODERS) if (d.recogniseTarget?.(hints.target)) return d;
  return null;
}

/** The frame event fields a session reads. */
export interface FrameLike {
  conn: string;
  dir: Dir;
  opcode: number;
  fin: boolean;
  rsv1: boolean;
  payloadLength: number;
  payloadHex: string;
  truncated: boolean;
  inflated: string | null;
}

function hexBytes(hex: string): Uint8Array {
  const n = hex.length >> 1;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = parseInt(hex.substr(i * 2, 2), 16);
    out[i] = Number.isNaN(v) ? 0 : v;
  }
  return out;
}

/** The message event fields a session reads: the assembled (inflated) message's first bytes. */
export interface MessageLike {
  conn: string;
  dir: Dir;
  opcode: number;
  /** the message's length as the application sees it */
  length: number;
  /** the first 256 bytes as text, when they are UTF-8 */
  text: string | null;
  /** the first 256 bytes as hex */
  previewHex: string;
}

let encoder: TextEncoder | null = null;

interface ConnState {
  hints: ConnectionHints;
  def: DecoderDef | null;
  decode: ((m: DecoderMessage) => Decoded) | null;
  /** data messages seen before a decoder was chosen */
  looked: number;
  /** per direction: a compressed message's frames are in flight (decoded on its final frame) */
  compressed: Record<Dir, boolean>;
}

/** Connections kept at most; the oldest are forgotten first. */
export const MAX_SESSION_CONNS = 2000;

/**
 * Decodes the frames of many connections, in the order they crossed the tap. A message is decoded
 * on the frame that starts it (uncompressed: its first bytes are the payload preview) or, when
 * compressed, on its final frame (the inflated preview). Other frames yield null.
 */
export class DecoderSession {
  private readonly conns = new Map<string, ConnState>();

  private state(conn: string): ConnState {
    let s = this.conns.get(conn);
    if (!s) {
      if (this.conns.size >= MAX_SESSION_CONNS) this.conns.delete(this.conns.keys().next().value as string);
      s = { hints: { subprotocol: null, target: '' }, def: null, decode: null, looked: 0, compressed: { c2s: false, s2c: false } };
      this.conns.set(conn, s);
    }
    return s;
  }

  /** What a connection's opening said (conn.open's subprotocol, the handshake's target and response). */
  open(conn: string, hints: Partial<ConnectionHints>): void {
    const s = this.state(conn);
    if (hints.subprotocol !== undefined && hints.subprotocol !== null) s.hints.subprotocol = hints.subprotocol;
    if (hints.target) s.hints.target = hints.target;
    if (!s.decode) {
      const def = decoderFor(s.hints);
      if (def) {
        s.def = def;
        s.decode = def.create();
      }
    }
  }

  /** The protocol chosen for a connection, or null. */
  protocolOf(conn: string): string | null {
    return this.conns.get(conn)?.def?.protocol ?? null;
  }

  /**
   * Decodes one message event (call in stream order): the assembled message, inflated when
   * compressed (its first 256 bytes, as text or hex). The better source;
   * use either message() or frame() for a message.
   */
  message(e: MessageLike): Decoded | null {
    const s = this.state(e.conn);
    if (undecodable(s)) return null; // before the bytes are made: most connections speak no known protocol
    encoder ??= new TextEncoder();
    const bytes = e.text !== null ? encoder.encode(e.text) : hexBytes(e.previewHex);
    return this.decodeWith(s, { dir: e.dir, binary: e.opcode === 0x2, bytes, length: Math.max(e.length, bytes.length) });
  }

  /** Decodes one frame event (call in stream order); null when the frame starts no decodable message. */
  frame(f: FrameLike): Decoded | null {
    const s = this.state(f.conn);
    let m: DecoderMessage;
    if (f.opcode === 0x1 || f.opcode === 0x2) {
      s.compressed[f.dir] = f.rsv1;
      if (f.rsv1 && !f.fin) return null;
    } else if (f.opcode === 0x0) {
      if (!(s.compressed[f.dir] && f.fin)) return null;
    } else return null;
    if (undecodable(s)) return null; // the compression state above is kept, should open() choose a decoder later
    const binary = f.opcode === 0x2;
    if (s.compressed[f.dir]) {
      if (f.inflated === null) return null; // a compressed binary message: no inflated preview to read
      encoder ??= new TextEncoder();
      const bytes = encoder.encode(f.inflated);
      // the inflated preview is cut at MESSAGE_PREVIEW_BYTES (on a character boundary)
      m = { dir: f.dir, binary, bytes, length: bytes.length >= MESSAGE_PREVIEW_BYTES - 3 ? bytes.length + 1 : bytes.length };
      s.compressed[f.dir] = false;
    } else {
      const bytes = hexBytes(f.payloadHex);
      // cut: the preview is shorter than the payload, or the message goes on in continuation frames
      const length = Math.max(f.payloadLength, bytes.length);
      m = { dir: f.dir, binary, bytes, length: f.truncated || !f.fin ? Math.max(length, bytes.length + 1) : length };
    }
    return this.decodeWith(s, m);
  }

  private decodeWith(s: ConnState, m: DecoderMessage): Decoded | null {
    if (!s.decode) {
      if (s.looked >= RECOGNISE_MESSAGES) return null;
      s.looked++;
      const def = DECODERS.find((d) => d.recognise(m));
      if (!def) return null;
      s.def = def;
      s.decode = def.create();
    }
    try {
      return s.decode(m);
    } catch {
      // a decoder must not throw; if one does, the connection is left undecoded rather than the page broken
      s.decode = null;
      s.looked = RECOGNISE_MESSAGES;
      return null;
    }
  }
}

/** No decoder chosen, and the connection's first messages recognised none: nothing will be decoded. */
function undecodable(s: ConnState): boolean {
  return s.decode === null && s.looked >= RECOGNISE_MESSAGES;
}

/** The decoded message as one line: its items' summaries. */
export function decodedSummary(d: Decoded): string {
  const first = d.items.slice(0, 3).map((i) => (i.malformed ? `⚠ ${i.summary}` : i.summary));
  return first.join(' · ') + (d.items.length > 3 ? ` · +${d.items.length - 3}` : '');
}
