// The data-types lab's arithmetic: the server's tap events for one connection turned into the
// figures the page shows. Every byte count here is one the tap measured on the socket (frame
// headers as sent, masked payloads, compressed lengths); nothing is re-derived from what the page
// thinks it sent. Pure: no DOM, no node:*.
import type { EventOf, WslabEvent } from '../../../../server/core/events/schema.ts';
import { negotiatedPerMessageDeflate, type PerMessageDeflateParams } from '../../../../server/core/wire/deflate.ts';

export type Variant = 'json' | 'binary' | 'deflate';
export const VARIANTS: readonly Variant[] = ['json', 'binary', 'deflate'];

/** One data message as it crossed the tap: its frames' headers and payloads, and what it carried. */
export interface WireMessage {
  dir: 'c2s' | 's2c';
  opcode: 1 | 2;
  frames: number;
  /** frame headers, masking keys included */
  headerBytes: number;
  /** frame payloads as sent (compressed when compressed): the tap's wireLength */
  payloadBytes: number;
  /** headerBytes + payloadBytes: everything the message put on the TCP stream */
  wireBytes: number;
  /** the message as the application sees it (inflated): the tap's length */
  appBytes: number;
  /** RSV1 on the first frame: the message is compressed */
  rsv1: boolean;
  masked: boolean;
  /** the inflated text's preview (compressed text messages only) */
  inflated: string | null;
  /** the text preview (uncompressed text) */
  text: string | null;
  /** the first payload bytes as the tap saw them after unmasking, hex */
  payloadHex: string;
}

export interface VariantFigures {
  conn: string;
  /** Sec-WebSocket-Extensions the page sent, and the server's answer in the 101 */
  offered: string | null;
  accepted: string | null;
  deflate: PerMessageDeflateParams | null;
  /** the first data message each way: the page's, then the echo */
  c2s: WireMessage | null;
  s2c: WireMessage | null;
}

/** This connection's events, oldest first, from the newest `afterSeq` on (a long store is scanned from its end). */
export function eventsOf(events: readonly WslabEvent[], conn: string, afterSeq = 0): WslabEvent[] {
  const out: WslabEvent[] = [];
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i];
    if (e.seq <= afterSeq) break;
    if ('conn' in e && e.conn === conn) out.push(e);
  }
  return out.reverse();
}

function header(headers: readonly [string, string][], name: string): string | null {
  const found = headers.filter(([k]) => k.toLowerCase() === name);
  return found.length ? found.map(([, v]) => v).join(', ') : null;
}

/**
 * The data messages of a connection's events, each with the frames it was made of. The tap emits
 * a message's frame events first and its message event right after the last one; control frames
 * (a ping between fragments, the close) belong to no message and are left out.
 */
export function wireMessages(events: readonly WslabEvent[]): WireMessage[] {
  const open: Record<'c2s' | 's2c', EventOf<'frame'>[]> = { c2s: [], s2c: [] };
  const out: WireMessage[] = [];
  for (const e of events) {
    if (e.type === 'frame') {
      if (e.opcode >= 8) continue;
      if (e.opcode !== 0) open[e.dir] = [];
      open[e.dir].push(e);
    } else if (e.type === 'message') {
      const frames = open[e.dir];
      open[e.dir] = [];
      const headerBytes = frames.reduce((s, f) => s + f.headerLength, 0);
      const payloadBytes = frames.reduce((s, f) => s + f.payloadLength, 0);
      out.push({
        dir: e.dir,
        opcode: e.opcode,
        frames: frames.length,
        headerBytes,
        payloadBytes,
        wireBytes: headerBytes + payloadBytes,
        appBytes: e.length,
        rsv1: frames[0]?.rsv1 ?? e.compressed,
        masked: frames.length > 0 && frames.every((f) => f.masked),
        inflated: frames.find((f) => f.inflated !== null)?.inflated ?? null,
        text: e.compressed ? null : e.text,
        payloadHex: frames[0]?.payloadHex ?? '',
      });
    }
  }
  return out;
}

/** The figures for one of the lab's connections: its handshake's extensions and its first message each way. */
export function variantFigures(events: readonly WslabEvent[], conn: string): VariantFigures {
  const mine = events.filter((e) => 'conn' in e && e.conn === conn);
  const hs = mine.find((e): e is EventOf<'handshake'> => e.type === 'handshake');
  const accepted = hs ? header(hs.response.headers, 'sec-websocket-extensions') : null;
  const messages = wireMessages(mine);
  return {
    conn,
    offered: hs ? header(hs.request.headers, 'sec-websocket-extensions') : null,
    accepted,
    deflate: negotiatedPerMessageDeflate(accepted ?? undefined),
    c2s: messages.find((m) => m.dir === 'c2s') ?? null,
    s2c: messages.find((m) => m.dir === 's2c') ?? null,
  };
}

/** Both the page's message and its echo have been seen. */
export function complete(f: VariantFigures | null): f is VariantFigures & { c2s: WireMessage; s2c: WireMessage } {
  return f !== null && f.c2s !== null && f.s2c !== null;
}

/** How many times smaller the wire payload is than the application's: 6.7 means a sixth and a bit. */
export function compressionRatio(m: WireMessage): number {
  return m.payloadBytes === 0 ? 1 : m.appBytes / m.payloadBytes;
}

/** A fixed-size frame header: 2 bytes, +2 or +8 for the extended length, +4 for the mask (RFC 6455 §5.2). */
export function frameHeaderBytes(payloadLength: number, masked: boolean): number {
  return 2 + (payloadLength < 126 ? 0 : payloadLength < 65536 ? 2 : 8) + (masked ? 4 : 0);
}

/**
 * What context takeover keeps per connection, by zlib's own formulas (zconf.h): a deflater needs
 * (1 << (windowBits + 2)) + (1 << (memLevel + 9)) bytes, an inflater (1 << windowBits) plus about
 * 7 KiB. ws and Node use memLevel 8. Each end holds a deflater for what it sends and an inflater
 * for what it receives, for as long as the connection lives; without takeover the window is
 * emptied after every message (so repeats stop shrinking), though the zlib objects may be kept.
 */
export interface ContextMemory {
  /** the server's own deflater (its messages, server_max_window_bits) */
  serverDeflate: number;
  /** the server's inflater for the client's messages (client_max_window_bits) */
  serverInflate: number;
  serverTotal: number;
  serverWindowBits: number;
  clientWindowBits: number;
  serverTakeover: boolean;
  clientTakeover: boolean;
}

export const ZLIB_MEM_LEVEL = 8;
const INFLATE_EXTRA = 7 * 1024;

export function contextMemory(p: PerMessageDeflateParams): ContextMemory {
  const serverWindowBits = p.serverMaxWindowBits ?? 15;
  const clientWindowBits = typeof p.clientMaxWindowBits === 'number' ? p.clientMaxWindowBits : 15;
  const serverDeflate = (1 << (serverWindowBits + 2)) + (1 << (ZLIB_MEM_LEVEL + 9));
  const serverInflate = (1 << clientWindowBits) + INFLATE_EXTRA;
  return {
    serverDeflate,
    serverInflate,
    serverTotal: serverDeflate + serverInflate,
    serverWindowBits,
    clientWindowBits,
    serverTakeover: !p.serverNoContextTakeover,
    clientTakeover: !p.clientNoContextTakeover,
  };
}
