// `wslab decode --pcap`: a capture file's bytes in, one JSON-ready record per WebSocket handshake,
// frame, violation and problem out. Capture file (file.ts) → TCP segments (packet.ts) → one byte
// stream per direction (tcp.ts) → the upgrade and the frames (websocket.ts). Pure and incremental:
// memory is bounded by the options, whatever the capture's size.

import { CaptureFileReader, MAX_RECORD_BYTES, type CaptureFormat } from './file.ts';
import { endpoint, tcpSegment, type TcpSegment } from './packet.ts';
import { MAX_OUT_OF_ORDER_BYTES, TcpHalf } from './tcp.ts';
import { WebSocketStream, type Dir, type InflaterFactory, type StreamItem } from './websocket.ts';

export { CaptureFileReader, MAX_RECORD_BYTES, type CapturedPacket, type CaptureFormat } from './file.ts';
export { tcpSegment, endpoint, ipv6, LINK_TYPES, type TcpSegment } from './packet.ts';
export { TcpHalf, MAX_OUT_OF_ORDER_BYTES, MAX_OUT_OF_ORDER_SEGMENTS } from './tcp.ts';
export { WebSocketStream, type CaptureInflater, type InflaterFactory, type HandshakeJson, type StreamItem, type Dir } from './websocket.ts';

/**
 * One line of `wslab decode --pcap`: `stream` ("client -> server", the 4-tuple), `dir`, `t`
 * (capture time, ms since the Unix epoch) and one of: the frame's fields as `wslab decode`
 * prints them, `handshake`, `violation`, `incomplete` or `error`. A capture-level `error` has no
 * stream.
 */
export type CaptureRecord = { stream?: string; dir?: Dir | null; t?: number } & Record<string, unknown>;

export interface CaptureOptions {
  /** largest WebSocket payload accepted per frame and message (default 16 MiB) */
  maxPayload?: number;
  /** inflates permessage-deflate messages; without it compressed messages are reported, not inflated */
  inflaterFactory?: InflaterFactory;
  /** most TCP connections followed at once (default 65536) */
  maxConnections?: number;
  /** bytes waiting behind a hole, per direction (default 4 MiB) */
  maxOutOfOrder?: number;
  /** largest packet record (default 1 MiB) */
  maxRecord?: number;
}

export const DEFAULT_CAPTURE_MAX_PAYLOAD = 16 << 20;

interface Flow {
  /** the endpoint that opened the connection (sent the SYN, or the GET); null until known */
  client: string | null;
  server: string | null;
  halves: Map<string, TcpHalf>;
  ws: WebSocketStream;
  t: number;
  /** a connection that is not (or no longer) decoded: its packets are passed over */
  ignored: boolean;
}

function startsWithGet(b: Uint8Array): boolean {
  return b.length >= 4 && b[0] === 0x47 && b[1] === 0x45 && b[2] === 0x54 && b[3] === 0x20;
}

export class CaptureDecoder {
  readonly file: CaptureFileReader;
  private readonly flows = new Map<string, Flow>();
  private readonly maxPayload: number;
  private readonly maxConnections: number;
  private readonly maxOutOfOrder: number;
  private tooMany = false;
  /** packets read, and those that carried TCP */
  packets = 0;
  tcpPackets = 0;
  webSockets = 0;

  constructor(private readonly opts: CaptureOptions = {}) {
    this.file = new CaptureFileReader(opts.maxRecord ?? MAX_RECORD_BYTES);
    this.maxPayload = opts.maxPayload ?? DEFAULT_CAPTURE_MAX_PAYLOAD;
    this.maxConnections = opts.maxConnections ?? 65536;
    this.maxOutOfOrder = opts.maxOutOfOrder ?? MAX_OUT_OF_ORDER_BYTES;
  }

  get format(): CaptureFormat | null {
    return this.file.format;
  }

  /** Feeds the next bytes of the capture file; returns the records they completed. Never throws. */
  push(chunk: Uint8Array): CaptureRecord[] {
    const out: CaptureRecord[] = [];
    for (const p of this.file.push(chunk)) {
      this.packets++;
      let seg: TcpSegment | null = null;
      try {
        seg = tcpSegment(p.linkType, p.data, p.origLength);
      } catch {
        seg = null;
      }
      if (!seg) continue;
      this.tcpPackets++;
      try {
        this.segment(seg, p.t, out);
      } catch (err) {
        // Only a bug gets here: say so once per packet and go on with the next one.
        out.push({ error: `packet ${p.index + 1} could not be decoded: ${(err as Error)?.message ?? err}` });
      }
    }
    return out;
  }

  /** Call at the end of the file: the problems left (a cut file, holes, frames never finished). */
  finish(): CaptureRecord[] {
    const out: CaptureRecord[] = [];
    for (const flow of this.flows.values()) this.closeFlow(flow, out);
    this.flows.clear();
    const problem = this.file.finish();
    if (problem) out.push({ error: problem });
    return out;
  }

  private segment(seg: TcpSegment, t: number, out: CaptureRecord[]): void {
    const src = endpoint(seg.src, seg.srcPort);
    const dst = endpoint(seg.dst, seg.dstPort);
    const key = src < dst ? `${src} ${dst}` : `${dst} ${src}`;
    let flow = this.flows.get(key);
    const opening = seg.syn && !seg.ackFlag;
    if (flow && opening && flow.client !== null && (flow.halves.get(src)?.delivered ?? 0) > 0) {
      // The same four-tuple opened again: a new connection.
      this.closeFlow(flow, out);
      this.flows.delete(key);
      flow = undefined;
    }
    if (!flow) {
      if (!seg.syn && seg.payload.length === 0 && seg.cut === 0) return;
      if (this.flows.size >= this.maxConnections && !this.evict()) {
        if (!this.tooMany) out.push({ error: `more than ${this.maxConnections} TCP connections are open at once in this capture; later ones are not decoded` });
        this.tooMany = true;
        return;
      }
      flow = { client: null, server: null, halves: new Map(), ws: new WebSocketStream({ maxPayload: this.maxPayload, inflaterFactory: this.opts.inflaterFactory }), t, ignored: false };
      this.flows.set(key, flow);
    }
    flow.t = t;
    if (flow.ignored) return;
    if (opening && flow.client === null) {
      flow.client = src;
      flow.server = dst;
    } else if (seg.syn && seg.ackFlag && flow.client === null) {
      flow.client = dst;
      flow.server = src;
    }
    let half = flow.halves.get(src);
    if (!half) {
      half = new TcpHalf(this.maxOutOfOrder);
      flow.halves.set(src, half);
    }
    const hadError = half.error !== null;
    const pieces = half.push(seg.seq, seg.payload, seg.syn, seg.cut);
    if (seg.fin || seg.rst) half.end();
    for (const piece of pieces) {
      if (flow.client === null) {
        if (!startsWithGet(piece)) continue; // not the start of a request: nothing to decode yet
        flow.client = src;
        flow.server = dst;
      }
      const dir: Dir = src === flow.client ? 'c2s' : 's2c';
      const items: StreamItem[] = [];
      flow.ws.push(dir, piece, items);
      this.emit(flow, items, t, out);
      if (flow.ws.state === 'other') {
        this.ignore(flow);
        return;
      }
    }
    if (!hadError && half.error !== null && flow.ws.state !== 'other' && flow.client !== null) {
      this.emit(flow, [{ dir: src === flow.client ? 'c2s' : 's2c', error: half.error }], t, out);
    }
  }

  private emit(flow: Flow, items: StreamItem[], t: number, out: CaptureRecord[]): void {
    const stream = `${flow.client} -> ${flow.server}`;
    for (const item of items) {
      if ('handshake' in item) this.webSockets++;
      if ('frame' in item) out.push({ stream, dir: item.dir, t, ...item.frame });
      else out.push(Object.assign({ stream, dir: item.dir, t }, item));
    }
  }

  private ignore(flow: Flow): void {
    flow.ignored = true;
    flow.halves.clear();
  }

  /** Frees a slot by forgetting the oldest connection that is not a WebSocket; false when none is. */
  private evict(): boolean {
    for (const [key, flow] of this.flows) {
      if (flow.ws.state !== 'ws') {
        this.flows.delete(key);
        return true;
      }
    }
    return false;
  }

  private closeFlow(flow: Flow, out: CaptureRecord[]): void {
    if (flow.ignored || flow.ws.state === 'other' || flow.client === null) return;
    const items: StreamItem[] = [];
    for (const [side, half] of flow.halves) {
      const hadError = half.error !== null;
      const problem = half.finish();
      if (problem && !hadError) items.push({ dir: side === flow.client ? 'c2s' : 's2c', error: problem });
    }
    flow.ws.finish(items);
    this.emit(flow, items, flow.t, out);
  }
}
