// A pcap or pcapng capture as wslab events: the capture decoder (server/core/capture) reads the
// real bytes with the codec; each WebSocket connection it finds becomes a conn.open, its handshake,
// its frames (every field from the capture), its violations as error events, and a close event
// summed up from its close frames.
import { CaptureDecoder, type CaptureRecord, type InflaterFactory } from '../capture/index.ts';
import type { HandshakeJson } from '../capture/websocket.ts';
import type { EventBody } from '../events/schema.ts';
import { CloseTracker, frameBody, fromHex, handshakeBody, rawHead, type TimedBody } from './events.ts';

export interface PcapImport {
  format: 'pcap' | 'pcapng';
  events: TimedBody[];
  connections: number;
  frames: number;
  problems: string[];
  /** ms since the Unix epoch of the first packet with a WebSocket record, or null */
  startedAt: number | null;
}

interface Conn {
  id: string;
  tracker: CloseTracker;
  /** the direction's current data message is text (for continuation frames) */
  text: { c2s: boolean; s2c: boolean };
  closed: boolean;
}

function splitEndpoint(s: string): { address: string; port: number } {
  const m = /^\[?(.*?)\]?:(\d+)$/.exec(s);
  return m ? { address: m[1], port: Number(m[2]) } : { address: s, port: 0 };
}

/** Reads a whole capture. `nextId` names each connection found ("i1", "i2", …). */
export function importPcap(bytes: Uint8Array, file: string, nextId: () => string, opts: { maxPayload?: number; inflaterFactory?: InflaterFactory } = {}): PcapImport | { error: string } {
  const decoder = new CaptureDecoder({ maxPayload: opts.maxPayload, inflaterFactory: opts.inflaterFactory });
  const records: CaptureRecord[] = [];
  // fed in slices, as the CLI streams it: the reader's buffers stay as small as a packet
  for (let at = 0; at < bytes.length && decoder.file.error === null; at += 256 * 1024) records.push(...decoder.push(bytes.subarray(at, at + 256 * 1024)));
  records.push(...decoder.finish());
  if (decoder.format === null) return { error: `${file} is not a pcap or pcapng capture: ${decoder.file.error ?? 'the file is empty'}` };
  const problems: string[] = [];
  const first = records.find((r) => typeof r.t === 'number');
  const t0 = first ? (first.t as number) : 0;
  const conns = new Map<string, Conn>();
  const events: TimedBody[] = [];
  let frames = 0;
  let connections = 0;
  const at = (r: CaptureRecord) => Math.max(0, Math.round(((r.t ?? t0) - t0) * 1000) / 1000);
  for (const r of records) {
    const t = at(r);
    if (r.stream === undefined) {
      if (typeof r.error === 'string') problems.push(r.error);
      continue;
    }
    let c = conns.get(r.stream);
    if ('handshake' in r) {
      const h = r.handshake as HandshakeJson;
      if (c) finishConn(c, events);
      c = { id: nextId(), tracker: new CloseTracker(t), text: { c2s: false, s2c: false }, closed: false };
      conns.set(r.stream, c);
      connections++;
      const [client, server] = r.stream.split(' -> ');
      const extensions = h.response.headers.filter(([k]) => k.toLowerCase() === 'sec-websocket-extensions').map(([, v]) => v);
      events.push({
        t,
        type: 'conn.open',
        conn: c.id,
        socketId: '',
        sessionId: null,
        lab: 'import',
        path: h.path,
        remote: splitEndpoint(client),
        local: splitEndpoint(server),
        subprotocol: h.subprotocol,
        extensions: extensions.length ? extensions.join(', ') : null,
        client: 'external',
        imported: { format: decoder.format, file, startedAt: t0, source: r.stream, synthesised: ['close'] },
      });
      events.push({ t, ...handshakeBody(c.id, h.request, h.response) });
      c.tracker.bytes.c2s = rawHead(h.request).length;
      c.tracker.bytes.s2c = rawHead(h.response).length;
      if (h.status !== 101) finishConn(c, events, `the server answered the upgrade with ${h.status}`);
      continue;
    }
    if (!c || c.closed) {
      if (typeof r.error === 'string') problems.push(`${r.stream}: ${r.error}`);
      continue;
    }
    const dir = r.dir === 's2c' ? 's2c' : 'c2s';
    if (typeof r.opcode === 'number') {
      const op = r.opcode;
      if (op === 1 || op === 2) c.text[dir] = op === 1 && !r.rsv1;
      const payloadHex = String(r.payloadHex ?? '');
      const body = frameBody(c.id, {
        dir,
        offset: Number(r.offset),
        fin: Boolean(r.fin),
        rsv1: Boolean(r.rsv1),
        rsv2: Boolean(r.rsv2),
        rsv3: Boolean(r.rsv3),
        opcode: op,
        masked: Boolean(r.masked),
        maskingKey: typeof r.maskingKey === 'string' ? r.maskingKey : null,
        payloadLength: Number(r.payloadLength),
        headerLength: Number(r.headerLength),
        payload: fromHex(payloadHex.slice(0, 2 * 4096)),
        textual: op === 1 ? !r.rsv1 : op === 0 ? c.text[dir] : false,
        closeCode: typeof r.closeCode === 'number' ? r.closeCode : null,
        closeReason: typeof r.closeReason === 'string' ? r.closeReason : null,
        inflated: typeof r.inflated === 'string' ? r.inflated.slice(0, 256) : null,
      });
      events.push({ t, ...body });
      c.tracker.frame(body, t);
      frames++;
    } else if (r.violation && typeof r.violation === 'object') {
      const v = r.violation as { kind: string; closeCode: number; offset: number; reason: string; rfc: string };
      events.push({ t, type: 'error', conn: c.id, dir, source: 'wire', message: v.reason, violation: v });
    } else if (r.incomplete && typeof r.incomplete === 'object') {
      const inc = r.incomplete as { offset: number; needed: number };
      const message = `the capture ends inside a frame at byte ${inc.offset} of this direction (${inc.needed} more bytes were needed)`;
      events.push({ t, type: 'error', conn: c.id, dir, source: 'wire', message });
      problems.push(`${r.stream}: ${message}`);
    } else if (typeof r.error === 'string') {
      events.push({ t, type: 'error', conn: c.id, dir, source: 'wire', message: r.error });
      problems.push(`${r.stream}: ${r.error}`);
    }
  }
  for (const c of conns.values()) finishConn(c, events);
  return { format: decoder.format, events, connections, frames, problems, startedAt: first ? t0 : null };
}

function finishConn(c: Conn, events: TimedBody[], reason = 'the capture has no close frame for this connection'): void {
  if (c.closed) return;
  c.closed = true;
  const body: EventBody<'close'> = c.tracker.body(c.id, reason);
  events.push({ t: c.tracker.lastT, ...body });
}
