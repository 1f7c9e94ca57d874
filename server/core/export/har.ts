// A connection (or the whole history) as a HAR in Chrome's shape: one entry per WebSocket with the
// upgrade's request and response and `_webSocketMessages` ({type, time (seconds), opcode, data:
// text, or base64 for binary}), the shape Chrome DevTools, Playwright and `wslab open` read.
// wslab's extras go under `_`-prefixed keys, which HAR readers ignore: per message `_frames` (each
// frame's bits, masking key and header bytes) and `_truncated`/`_length` when the history kept
// only the first bytes; per entry `_controlFrames` (ping, pong, close) and `_wslab` (the
// connection id, lab, close). Pure.
import type { EventOf } from '../events/schema.ts';
import { base64, hexBytes, type ConnRecord } from './connections.ts';

export interface HarExportOptions {
  /** wall-clock ms of event time t = 0 (the server's start; or a file's startedAt) */
  wallClockAtZero: number;
  creatorVersion?: string;
}

type Frame = EventOf<'frame'>;

interface HarMessage {
  type: 'send' | 'receive';
  time: number;
  opcode: number;
  data: string;
  _frames: { fin: boolean; rsv1: boolean; rsv2: boolean; rsv3: boolean; opcode: number; masked: boolean; maskingKey: string | null; payloadLength: number; headerHex: string; synthesised?: string[] }[];
  _truncated?: true;
  _length?: number;
  _compressed?: true;
}

const utf8 = new TextDecoder();

function frameExtra(f: Frame): HarMessage['_frames'][number] {
  const x: HarMessage['_frames'][number] = { fin: f.fin, rsv1: f.rsv1, rsv2: f.rsv2, rsv3: f.rsv3, opcode: f.opcode, masked: f.masked, maskingKey: f.maskingKey, payloadLength: f.payloadLength, headerHex: f.headerHex };
  if (f.synthesised) x.synthesised = f.synthesised;
  return x;
}

/** Data messages assembled from their frames, and the control frames apart. */
function messagesOf(c: ConnRecord, seconds: (t: number) => number): { messages: HarMessage[]; control: Record<string, unknown>[] } {
  const messages: HarMessage[] = [];
  const control: Record<string, unknown>[] = [];
  const open: Record<'c2s' | 's2c', Frame[] | null> = { c2s: null, s2c: null };
  for (const f of c.frames) {
    const type = f.dir === 'c2s' ? 'send' : 'receive';
    if (f.opcode >= 8) {
      control.push({ type, time: seconds(f.t), opcode: f.opcode, data: f.payloadHex, ...(f.closeCode !== null && { closeCode: f.closeCode, closeReason: f.closeReason }), _frames: [frameExtra(f)] });
      continue;
    }
    if (f.opcode === 1 || f.opcode === 2) open[f.dir] = [f];
    else if (open[f.dir]) open[f.dir]!.push(f);
    else continue; // a continuation with no start in the history
    if (!f.fin) continue;
    const parts = open[f.dir]!;
    open[f.dir] = null;
    const first = parts[0];
    const compressed = first.rsv1;
    const length = parts.reduce((n, p) => n + p.payloadLength, 0);
    const truncated = parts.some((p) => p.truncated);
    let data: string;
    if (compressed) data = first.opcode === 1 && f.inflated !== null ? f.inflated : parts.map((p) => p.payloadHex).join('');
    else if (first.opcode === 1) data = utf8.decode(hexBytes(parts.map((p) => p.payloadHex).join('')));
    else data = base64(hexBytes(parts.map((p) => p.payloadHex).join('')));
    const m: HarMessage = { type, time: seconds(first.t), opcode: first.opcode, data, _frames: parts.map(frameExtra) };
    if (truncated) {
      m._truncated = true;
      m._length = length;
    }
    if (compressed) m._compressed = true;
    messages.push(m);
  }
  return { messages, control };
}

export function connectionsToHar(conns: readonly ConnRecord[], opts: HarExportOptions) {
  const wall = (t: number) => opts.wallClockAtZero + t;
  const seconds = (t: number) => Math.round(wall(t)) / 1000;
  const entries = conns.map((c) => {
    const h = c.handshake!;
    const open = c.open;
    const host = h.request.headers.find(([k]) => k.toLowerCase() === 'host')?.[1] ?? (open ? `${open.local.address}:${open.local.port}` : 'localhost');
    const scheme = open?.proxy?.target.startsWith('wss:') ? 'wss' : 'ws';
    const url = `${scheme}://${host}${h.request.target}`;
    const started = open ? open.t : h.t;
    const { messages, control } = messagesOf(c, seconds);
    const last = Math.max(h.t, ...c.frames.map((f) => f.t), c.close?.t ?? 0);
    const query = (() => {
      try {
        return [...new URL(url).searchParams].map(([name, value]) => ({ name, value }));
      } catch {
        return [];
      }
    })();
    return {
      startedDateTime: new Date(wall(started)).toISOString(),
      time: Math.round((last - started) * 1000) / 1000,
      request: { method: h.request.method, url, httpVersion: `HTTP/${h.request.httpVersion}`, cookies: [], headers: h.request.headers.map(([name, value]) => ({ name, value })), queryString: query, headersSize: h.request.raw.length, bodySize: 0 },
      response: {
        status: h.response.status,
        statusText: h.response.statusText,
        httpVersion: `HTTP/${h.request.httpVersion}`,
        cookies: [],
        headers: h.response.headers.map(([name, value]) => ({ name, value })),
        content: { size: 0, mimeType: 'x-unknown' },
        redirectURL: '',
        headersSize: h.response.raw.length,
        bodySize: 0,
      },
      cache: {},
      timings: { blocked: -1, dns: -1, ssl: -1, connect: -1, send: 0, wait: Math.max(0, Math.round((h.t - started) * 1000) / 1000), receive: 0 },
      ...(open && open.local.address && { serverIPAddress: open.local.address }),
      _resourceType: 'websocket',
      _webSocketMessages: messages,
      _controlFrames: control,
      _wslab: { conn: c.conn, lab: open?.lab ?? null, close: c.close ? { code: c.close.code, reason: c.close.reason, initiator: c.close.initiator, clean: c.close.clean } : null, ...(open?.imported && { imported: open.imported }) },
    };
  });
  return { log: { version: '1.2', creator: { name: 'wslab', version: opts.creatorVersion ?? '0' }, pages: [], entries } };
}
