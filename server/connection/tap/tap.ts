// The tap: sits below ws on one lab connection and reports what crossed the TCP socket.
//
// - client → server: the captured upgrade request, then every chunk the socket reads, seen by a
//   listener placed in front of ws's own.
// - server → client: every buffer ws hands to socket.write (the 101 response, then frames).
// Both streams are decoded by server/core/wire. ws's callbacks are used only for what is not on the wire:
// its readyState and its send-buffer figures.
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { computeAccept, parseExtensions } from '../../core/wire/index.ts';
import type { Frame, Violation } from '../../core/wire/types.ts';
import type { EventBody } from '../../core/events/schema.ts';
import type { EventBus } from '../../stream/bus.ts';
import { DirectionTap, hex, type Dir, type DirectionSink } from './direction.ts';
import { headEnd, headerValue, parseHead, type HttpHead } from './http-head.ts';
import { TapInflater } from './inflate.ts';
import { redactHead } from './redact.ts';
import { hookReads, hookSocket, unhookSocket, type SocketTap } from './socket-hook.ts';
import type { ConnectionMeta } from '../meta.ts';
import { safeTimeout } from '../../process/safe.ts';

const EMPTY = Buffer.alloc(0);

/** Send-buffer figures are reported at most this often per connection. */
export const BUFFER_REPORT_MS = 50;

/** What every tap of one server shares (one object per server, not per connection). */
export interface TapShared {
  bus: EventBus;
  /** called once when a connection's TCP socket has closed and its close event was published */
  onClosed(conn: string): void;
}

interface Control {
  firstClose: { dir: Dir; code: number | null; reason: string } | null;
  closeC2s: boolean;
  closeS2c: boolean;
  /** when each ping payload crossed, per direction; made on the first ping */
  pings: Record<Dir, Map<string, number>> | null;
}

function newControl(): Control {
  return { firstClose: null, closeC2s: false, closeS2c: false, pings: null };
}

/** The send-buffer figures last reported: made at the first report (an idle connection has none). */
interface BufferSeen {
  buffered: number;
  writable: number;
}

/** The bytes of the upgrade, kept only until the 101 has been parsed. */
interface Handshake {
  requestBytes: Buffer;
  /** the server's response head so far */
  responseBuf: Buffer;
  /** client bytes that arrived before the response was parsed (rare; made on demand) */
  pendingC2s: Buffer[] | null;
}

/** permessage-deflate as negotiated: whether each side keeps its compression window. */
interface Deflate {
  clientTakeover: boolean;
  serverTakeover: boolean;
}

type ReadyState = 0 | 1 | 2 | 3;

/**
 * Where the tap is in the connection's life, one at a time:
 *   handshake  waiting for the server's response head (client bytes are kept for later)
 *   framing    the 101 was parsed: every byte both ways is a frame
 *   refused    no WebSocket: the server answered something else, or not HTTP at all
 *   closed     the TCP connection ended; nothing more is decoded
 */
type Phase = { name: 'handshake'; hs: Handshake } | { name: 'framing' } | { name: 'refused' } | { name: 'closed' };
// the phases without data are shared: a connection in framing holds no object of its own for it
const FRAMING: Phase = { name: 'framing' };
const REFUSED: Phase = { name: 'refused' };
const CLOSED: Phase = { name: 'closed' };

export class ConnectionTap implements DirectionSink, SocketTap {
  /** each direction's decoder, made when its first frame byte arrives (an idle connection has none) */
  private c2s: DirectionTap | null = null;
  private s2c: DirectionTap | null = null;
  private phase: Phase;
  /** null unless permessage-deflate was negotiated */
  private deflate: Deflate | null = null;
  /** why the server declined the client's permessage-deflate offer, when it did */
  private extensionDeclined: string | null = null;
  private ws: WebSocket | null = null;
  /** the server's readyState as last reported in a `state` event (null before the handshake is seen) */
  private state: ReadyState | null = null;
  /** close and ping bookkeeping, made on the first close or ping frame */
  private control: Control | null = null;
  /** the buffer figures last reported, made on the first report (a new socket starts empty) */
  private bufferSeen: BufferSeen | null = null;
  /** when the buffers were last looked at (bus clock): once per BUFFER_REPORT_MS at most */
  private bufferChecked = -Infinity;
  private bufferTimer: NodeJS.Timeout | null = null;
  private responseLength = 0;
  private requestLength = 0;
  /** told of every client pong with its RTT (the connection's heartbeat listens here); null until one listens */
  private pongListeners: Array<(rtt: number | null) => void> | null = null;

  constructor(
    private readonly socket: Socket,
    requestBytes: Buffer,
    private readonly shared: TapShared,
    /** the connection's registry metadata: conn, ids, lab, path, addresses, openedAt */
    private readonly meta: ConnectionMeta,
    private readonly maxPayload: number,
    /** false: the caller hooks the socket (a client-side leg, whose reads are the server's frames) */
    selfHook = true,
  ) {
    this.phase = { name: 'handshake', hs: { requestBytes, responseBuf: EMPTY, pendingC2s: null } };
    if (selfHook) hookSocket(socket, this);
  }

  emit(body: EventBody): void {
    this.shared.bus.publish(body);
  }

  onViolation(_v: Violation, _dir: Dir): void {
    // ws closes the connection with the same code; the close events report it.
  }

  /** Called right after ws.handleUpgrade returned: from here on, read every chunk before ws does. */
  hookReads(): void {
    hookReads(this.socket);
  }

  /** The server declined the client's extension offer (RFC 7692 §5): the handshake event says why. */
  declinedExtensions(sentence: string): void {
    this.extensionDeclined = sentence;
  }

  /** The WebSocket ws created for this socket (not set when the handshake failed). */
  bindWebSocket(ws: WebSocket): void {
    this.ws = ws;
    this.scheduleBufferReport();
  }

  /** Calls `listener` with the RTT of every pong the client sends; returns a function that stops it. */
  onClientPong(listener: (rtt: number | null) => void): () => void {
    (this.pongListeners ??= []).push(listener);
    return () => {
      this.pongListeners = this.pongListeners?.filter((l) => l !== listener) ?? null;
    };
  }

  /** Notes a server-side cause for the next readyState change (e.g. terminate after missed pongs). */
  noteServerAction(cause: string): void {
    if (this.ws && this.ws.readyState !== this.state) this.setState(this.ws.readyState as ReadyState, cause);
  }

  private setState(to: ReadyState, cause: string): void {
    if (to === this.state) return;
    this.emit({ type: 'state', conn: this.meta.conn, side: 'server', from: this.state, to, cause });
    this.state = to;
  }

  onRead(chunk: Buffer): void {
    const phase = this.phase;
    if (phase.name === 'framing') (this.c2s ??= this.direction('c2s')).push(chunk);
    // Before the 101 is parsed, keep the bytes for then; after a refused upgrade, there are no frames.
    else if (phase.name === 'handshake') (phase.hs.pendingC2s ??= []).push(chunk);
  }

  /** Every byte ws writes to the socket passes through the s2c decoder first. */
  onWrite(chunk: unknown): void {
    const phase = this.phase;
    if (phase.name === 'closed') return;
    let bytes: Uint8Array;
    if (chunk instanceof Uint8Array) bytes = chunk;
    else if (typeof chunk === 'string') bytes = Buffer.from(chunk, 'latin1');
    else return;
    if (phase.name === 'handshake') this.onResponseBytes(phase.hs, bytes);
    else if (phase.name === 'framing') (this.s2c ??= this.direction('s2c')).push(bytes);
    if (this.ws) this.scheduleBufferReport();
  }

  private direction(dir: Dir): DirectionTap {
    const d = this.deflate;
    const takeover = d ? (dir === 'c2s' ? d.clientTakeover : d.serverTakeover) : false;
    const head = dir === 'c2s' ? this.requestLength : this.responseLength;
    return new DirectionTap(dir, this.meta.conn, this, this.shared.bus, this.maxPayload, head, d ? new TapInflater(takeover, this.maxPayload) : null);
  }

  /** Collects the server's HTTP response head; once complete, publishes the handshake and starts framing. */
  private onResponseBytes(hs: Handshake, bytes: Uint8Array): void {
    const buf = Buffer.concat([hs.responseBuf, bytes]);
    const end = headEnd(buf);
    if (end < 0) {
      if (buf.length > 64 * 1024) this.phase = REFUSED; // not an HTTP response: give up on framing
      else hs.responseBuf = buf;
      return;
    }
    const response = redactHead(parseHead(buf.subarray(0, end)));
    this.onHandshake(hs, response, end);
    const rest = buf.subarray(end);
    if (rest.length && this.phase.name === 'framing') (this.s2c ??= this.direction('s2c')).push(rest);
  }

  private onHandshake(hs: Handshake, response: HttpHead, responseLength: number): void {
    const meta = this.meta;
    const conn = meta.conn;
    this.responseLength = responseLength;
    // credentials are taken out here, before anything is published (server/tap/redact.ts)
    const request = redactHead(parseHead(hs.requestBytes));
    this.requestLength = hs.requestBytes.length;
    const [, statusText = '', ...more] = response.startLine.split(' ');
    const status = Number(statusText);
    const reasonPhrase = more.join(' ');
    const protocol = headerValue(response.headers, 'sec-websocket-protocol');
    const extensions = headerValue(response.headers, 'sec-websocket-extensions');
    const key = headerValue(request.headers, 'sec-websocket-key');
    const accept = headerValue(response.headers, 'sec-websocket-accept');
    const expectedAccept = key ? computeAccept(key) : null;
    const [method = '', target = '', version = ''] = request.startLine.split(' ');

    this.emit({
      type: 'conn.open',
      conn,
      socketId: meta.socketId,
      sessionId: meta.sessionId,
      lab: meta.lab,
      path: meta.path,
      remote: { address: meta.remoteAddress, port: meta.remotePort },
      local: { address: meta.localAddress, port: meta.localPort },
      subprotocol: protocol,
      extensions,
      client: meta.client,
      ...(meta.proxy !== undefined && { proxy: { target: meta.proxy, mode: meta.proxyMode ?? 'relay', ...(meta.leg && { leg: meta.leg, peer: meta.peer ?? '' }) } }),
    });
    this.setState(0, 'upgrade request received');
    this.emit({
      type: 'handshake',
      conn,
      request: {
        method,
        target,
        httpVersion: version.replace('HTTP/', ''),
        headers: request.headers,
        raw: request.raw,
      },
      response: { status, statusText: reasonPhrase, headers: response.headers, raw: response.raw },
      key,
      accept,
      expectedAccept,
      acceptOk: accept !== null && accept === expectedAccept,
      ...(this.extensionDeclined !== null && { extensionDeclined: this.extensionDeclined }),
    });

    if (status !== 101) {
      this.phase = REFUSED;
      this.emit({
        type: 'error',
        conn,
        source: 'handshake',
        message: `The server refused the upgrade with ${status} ${reasonPhrase}; no WebSocket was opened.`,
      });
      return;
    }

    // permessage-deflate as negotiated: whether each side keeps its compression window.
    const deflate = extensions ? parseExtensions(extensions).find((e) => e.name === 'permessage-deflate') : undefined;
    if (deflate) {
      this.deflate = {
        clientTakeover: !('client_no_context_takeover' in deflate.params),
        serverTakeover: !('server_no_context_takeover' in deflate.params),
      };
    }
    this.phase = FRAMING;
    this.setState(1, '101 Switching Protocols sent');
    if (hs.pendingC2s) for (const chunk of hs.pendingC2s) this.onRead(chunk);
  }

  onFrame(frame: Frame, dir: Dir): void {
    const conn = this.meta.conn;
    const other: Dir = dir === 'c2s' ? 's2c' : 'c2s';
    if (frame.opcode === 8) {
      const c = (this.control ??= newControl());
      if (dir === 'c2s') c.closeC2s = true;
      else c.closeS2c = true;
      if (!c.firstClose) {
        const view = frame.payload;
        const code = view.length >= 2 ? (view[0] << 8) | view[1] : null;
        const reason = view.length > 2 ? new TextDecoder().decode(view.subarray(2)) : '';
        c.firstClose = { dir, code, reason };
        const who = dir === 'c2s' ? 'client' : 'server';
        this.setState(2, `${who} sent a close frame${code !== null ? ` (${code})` : ''}`);
      }
    } else if (frame.opcode === 9) {
      const key = hex(frame.payload);
      const c = (this.control ??= newControl());
      c.pings ??= { c2s: new Map(), s2c: new Map() };
      const pings = c.pings[dir];
      pings.set(key, this.shared.bus.now());
      if (pings.size > 64) pings.delete(pings.keys().next().value!);
      this.emit({ type: 'ping', conn, dir, payloadHex: key });
    } else if (frame.opcode === 10) {
      const key = hex(frame.payload);
      const sent = this.control?.pings?.[other];
      const sentAt = sent?.get(key);
      let rtt: number | null = null;
      if (sentAt !== undefined) {
        rtt = Math.round((this.shared.bus.now() - sentAt) * 1000) / 1000;
        sent!.delete(key);
      }
      this.emit({ type: 'pong', conn, dir, payloadHex: key, rtt });
      if (dir === 'c2s' && this.pongListeners) for (const listener of this.pongListeners) listener(rtt);
    }
  }

  private scheduleBufferReport(): void {
    if (this.bufferTimer || this.phase.name === 'closed') return;
    // Not a timer per write: a busy connection writes thousands of times a second.
    const wait = Math.max(0, this.bufferChecked + BUFFER_REPORT_MS - this.shared.bus.now());
    this.bufferTimer = safeTimeout('the tap', () => {
      this.bufferTimer = null;
      this.reportBuffer();
    }, wait);
    this.bufferTimer.unref();
  }

  private reportBuffer(): void {
    const ws = this.ws;
    if (!ws || this.phase.name === 'closed') return;
    const bufferedAmount = ws.bufferedAmount;
    const writableLength = this.socket.writableLength;
    const now = this.shared.bus.now();
    this.bufferChecked = now;
    if (bufferedAmount === (this.bufferSeen?.buffered ?? 0) && writableLength === (this.bufferSeen?.writable ?? 0)) return;
    const seen = (this.bufferSeen ??= { buffered: 0, writable: 0 });
    seen.buffered = bufferedAmount;
    seen.writable = writableLength;
    this.emit({ type: 'buffer', conn: this.meta.conn, bufferedAmount, writableLength });
    // Keep watching until the buffer has drained, so the chart always comes back to zero.
    if (bufferedAmount > 0 || writableLength > 0) this.scheduleBufferReport();
  }

  onClose(): void {
    if (this.phase.name === 'closed') return;
    // Bytes still queued in ws's parser are not lost to the tap: they were read before ws saw them.
    if (this.bufferTimer) clearTimeout(this.bufferTimer);
    this.bufferTimer = null;
    if (this.ws) {
      this.reportBuffer();
    }
    this.phase = CLOSED;
    unhookSocket(this.socket);
    const conn = this.meta.conn;
    const c = this.control;
    const clean = c !== null && c.closeC2s && c.closeS2c;
    if (this.state !== null && this.state !== 3) {
      const how = clean ? 'after the close handshake' : 'without a close handshake';
      this.setState(3, `TCP connection closed ${how}`);
    }
    if (this.state !== null) {
      const fc = c?.firstClose ?? null;
      this.emit({
        type: 'close',
        conn,
        code: fc ? fc.code : null,
        reason: fc ? fc.reason : '',
        initiator: fc ? (fc.dir === 'c2s' ? 'client' : 'server') : 'none',
        clean,
        durationMs: Math.round((this.shared.bus.now() - this.meta.openedAt) * 1000) / 1000,
        bytesIn: this.requestLength + (this.c2s?.bytes ?? 0),
        bytesOut: this.responseLength + (this.s2c?.bytes ?? 0),
      });
    }
    this.pongListeners = null;
    this.shared.onClosed(conn);
  }
}
