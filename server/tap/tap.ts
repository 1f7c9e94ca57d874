// The tap: sits below ws on one lab connection and reports what crossed the TCP socket.
//
// - client → server: the captured upgrade request, then every chunk the socket reads, seen by a
//   listener placed in front of ws's own.
// - server → client: every buffer ws hands to socket.write (the 101 response, then frames).
// Both streams are decoded by server/wire. ws's callbacks are used only for what is not on the wire:
// its readyState and its send-buffer figures.
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { computeAccept, parseExtensions } from '../wire/index.ts';
import type { Frame, Violation } from '../wire/types.ts';
import type { EventBody } from '../events/schema.ts';
import type { EventBus } from '../events/bus.ts';
import { DirectionTap, hex, type Dir, type DirectionSink } from './direction.ts';
import { headEnd, headerValue, parseHead, type HttpHead } from './http-head.ts';
import { TapInflater } from './inflate.ts';
import { offSocketWrite, onSocketWrite } from './socket-hook.ts';

const EMPTY = Buffer.alloc(0);

/** Send-buffer figures are reported at most this often per connection. */
export const BUFFER_REPORT_MS = 50;

export interface TapOptions {
  bus: EventBus;
  conn: string;
  socketId: string;
  sessionId: string | null;
  lab: string;
  client: string;
  maxPayload: number;
  /** called once when the TCP connection has closed and the close event was published */
  onClosed?: () => void;
}

type ReadyState = 0 | 1 | 2 | 3;

export class ConnectionTap implements DirectionSink {
  private readonly c2s: DirectionTap;
  private readonly s2c: DirectionTap;
  private responseBuf: Buffer | null = Buffer.alloc(0);
  /** client bytes that arrived before the handshake response was parsed (rare; made on demand) */
  private pendingC2s: Buffer[] | null = null;
  private ws: WebSocket | null = null;
  private state: ReadyState | null = null;
  private readonly openedAt: number;
  private firstClose: { dir: Dir; code: number | null; reason: string } | null = null;
  private closeC2s = false;
  private closeS2c = false;
  /** when each ping payload crossed, per direction; made on the first ping */
  private pings: Record<Dir, Map<string, number>> | null = null;
  private lastBuffered = 0; // a new socket starts empty: only changes from 0 are news
  private lastWritable = 0;
  private lastBufferAt = 0;
  private bufferTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private responseLength = 0;
  private requestLength = 0;
  /** listeners of pong frames (the heartbeat uses them) */
  /** told of every client pong with its RTT (the heartbeat sets it) */
  onPong: ((rtt: number | null) => void) | null = null;

  constructor(
    private readonly socket: Socket,
    /** the request target, e.g. /lab/echo?deflate=1 (the request object itself is not kept) */
    private readonly path: string,
    private requestBytes: Buffer,
    private readonly opts: TapOptions,
  ) {
    this.openedAt = opts.bus.now();
    this.c2s = new DirectionTap('c2s', opts.conn, this, opts.bus, opts.maxPayload);
    this.s2c = new DirectionTap('s2c', opts.conn, this, opts.bus, opts.maxPayload);
    this.hookWrites();
    socket.once('close', () => this.onSocketClose());
  }

  emit(body: EventBody): void {
    this.opts.bus.publish(body);
  }

  onViolation(_v: Violation, _dir: Dir): void {
    // ws closes the connection with the same code; the close events report it.
  }

  /** Every byte ws writes to the socket passes through the s2c decoder first. */
  private hookWrites(): void {
    onSocketWrite(this.socket, this.onWrite.bind(this));
  }

  /** Called right after ws.handleUpgrade returned: from here on, read every chunk before ws does. */
  hookReads(): void {
    this.socket.prependListener('data', (chunk: Buffer) => this.onRead(chunk));
  }

  /** The WebSocket ws created for this socket (not set when the handshake failed). */
  bindWebSocket(ws: WebSocket): void {
    this.ws = ws;
    this.scheduleBufferReport();
  }

  /** Notes a server-side cause for the next readyState change (e.g. terminate after missed pongs). */
  noteServerAction(cause: string): void {
    if (this.ws && this.ws.readyState !== this.state) this.setState(this.ws.readyState as ReadyState, cause);
  }

  private setState(to: ReadyState, cause: string): void {
    if (to === this.state) return;
    this.emit({ type: 'state', conn: this.opts.conn, side: 'server', from: this.state, to, cause });
    this.state = to;
  }

  private onRead(chunk: Buffer): void {
    if (!this.c2s.started) {
      (this.pendingC2s ??= []).push(chunk);
      return;
    }
    this.c2s.push(chunk);
  }

  private onWrite(chunk: unknown): void {
    if (this.closed) return;
    let bytes: Uint8Array;
    if (chunk instanceof Uint8Array) bytes = chunk;
    else if (typeof chunk === 'string') bytes = Buffer.from(chunk, 'latin1');
    else return;
    if (this.responseBuf) this.onResponseBytes(bytes);
    else this.s2c.push(bytes);
    if (this.ws) this.scheduleBufferReport();
  }

  /** Collects the server's HTTP response head; once complete, publishes the handshake and starts framing. */
  private onResponseBytes(bytes: Uint8Array): void {
    const buf = Buffer.concat([this.responseBuf!, bytes]);
    const end = headEnd(buf);
    if (end < 0) {
      this.responseBuf = buf.length > 64 * 1024 ? null : buf;
      return;
    }
    this.responseBuf = null;
    const response = parseHead(buf.subarray(0, end));
    this.onHandshake(response, end);
    const rest = buf.subarray(end);
    if (rest.length) this.s2c.push(rest);
  }

  private onHandshake(response: HttpHead, responseLength: number): void {
    const { conn } = this.opts;
    this.responseLength = responseLength;
    const request = parseHead(this.requestBytes);
    this.requestLength = this.requestBytes.length;
    this.requestBytes = EMPTY; // reported; nothing else needs the bytes
    const [, statusText = '', ...more] = response.startLine.split(' ');
    const status = Number(statusText);
    const reasonPhrase = more.join(' ');
    const protocol = headerValue(response.headers, 'sec-websocket-protocol');
    const extensions = headerValue(response.headers, 'sec-websocket-extensions');
    const key = headerValue(request.headers, 'sec-websocket-key');
    const accept = headerValue(response.headers, 'sec-websocket-accept');
    const expectedAccept = key ? computeAccept(key) : null;
    const [method = '', target = '', version = ''] = request.startLine.split(' ');
    const sock = this.socket;

    this.emit({
      type: 'conn.open',
      conn,
      socketId: this.opts.socketId,
      sessionId: this.opts.sessionId,
      lab: this.opts.lab,
      path: this.path,
      remote: { address: sock.remoteAddress ?? '', port: sock.remotePort ?? 0 },
      local: { address: sock.localAddress ?? '', port: sock.localPort ?? 0 },
      subprotocol: protocol,
      extensions,
      client: this.opts.client,
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
    });

    if (status !== 101) {
      this.emit({
        type: 'error',
        conn,
        source: 'handshake',
        message: `The server refused the upgrade with ${status} ${reasonPhrase}; no WebSocket was opened.`,
      });
      return;
    }

    // permessage-deflate as negotiated: whether each side keeps its compression window.
    let deflate: ReturnType<typeof parseExtensions>[number] | undefined;
    if (extensions) deflate = parseExtensions(extensions).find((e) => e.name === 'permessage-deflate');
    const params = deflate?.params ?? {};
    const maxOut = this.opts.maxPayload;
    this.s2c.start(responseLength, !!deflate, deflate ? new TapInflater(!('server_no_context_takeover' in params), maxOut) : null);
    this.c2s.start(
      this.requestLength,
      !!deflate,
      deflate ? new TapInflater(!('client_no_context_takeover' in params), maxOut) : null,
    );
    this.setState(1, '101 Switching Protocols sent');
    if (this.pendingC2s) for (const chunk of this.pendingC2s) this.c2s.push(chunk);
    this.pendingC2s = null;
  }

  onFrame(frame: Frame, dir: Dir): void {
    const { conn } = this.opts;
    const other: Dir = dir === 'c2s' ? 's2c' : 'c2s';
    if (frame.opcode === 8) {
      if (dir === 'c2s') this.closeC2s = true;
      else this.closeS2c = true;
      if (!this.firstClose) {
        const view = frame.payload;
        const code = view.length >= 2 ? (view[0] << 8) | view[1] : null;
        const reason = view.length > 2 ? new TextDecoder().decode(view.subarray(2)) : '';
        this.firstClose = { dir, code, reason };
        const who = dir === 'c2s' ? 'client' : 'server';
        this.setState(2, `${who} sent a close frame${code !== null ? ` (${code})` : ''}`);
      }
    } else if (frame.opcode === 9) {
      const key = hex(frame.payload);
      this.pings ??= { c2s: new Map(), s2c: new Map() };
      const pings = this.pings[dir];
      pings.set(key, this.opts.bus.now());
      if (pings.size > 64) pings.delete(pings.keys().next().value!);
      this.emit({ type: 'ping', conn, dir, payloadHex: key });
    } else if (frame.opcode === 10) {
      const key = hex(frame.payload);
      const sentAt = this.pings?.[other].get(key);
      let rtt: number | null = null;
      if (sentAt !== undefined) {
        rtt = Math.round((this.opts.bus.now() - sentAt) * 1000) / 1000;
        this.pings![other].delete(key);
      }
      this.emit({ type: 'pong', conn, dir, payloadHex: key, rtt });
      if (dir === 'c2s') this.onPong?.(rtt);
    }
  }

  private scheduleBufferReport(): void {
    if (this.bufferTimer || this.closed) return;
    const wait = Math.max(0, this.lastBufferAt + BUFFER_REPORT_MS - this.opts.bus.now());
    this.bufferTimer = setTimeout(() => {
      this.bufferTimer = null;
      this.reportBuffer();
    }, wait);
    this.bufferTimer.unref();
  }

  private reportBuffer(): void {
    const ws = this.ws;
    if (!ws || this.closed) return;
    const bufferedAmount = ws.bufferedAmount;
    const writableLength = this.socket.writableLength;
    if (bufferedAmount === this.lastBuffered && writableLength === this.lastWritable) return;
    this.lastBuffered = bufferedAmount;
    this.lastWritable = writableLength;
    this.lastBufferAt = this.opts.bus.now();
    this.emit({ type: 'buffer', conn: this.opts.conn, bufferedAmount, writableLength });
    // Keep watching until the buffer has drained, so the chart always comes back to zero.
    if (bufferedAmount > 0 || writableLength > 0) this.scheduleBufferReport();
  }

  private onSocketClose(): void {
    if (this.closed) return;
    // Bytes still queued in ws's parser are not lost to the tap: they were read before ws saw them.
    if (this.bufferTimer) clearTimeout(this.bufferTimer);
    this.bufferTimer = null;
    if (this.ws) {
      this.reportBuffer();
    }
    this.closed = true;
    offSocketWrite(this.socket);
    const { conn } = this.opts;
    if (this.state !== null && this.state !== 3) {
      const how = this.closeC2s && this.closeS2c ? 'after the close handshake' : 'without a close handshake';
      this.setState(3, `TCP connection closed ${how}`);
    }
    if (this.state !== null) {
      const fc = this.firstClose;
      this.emit({
        type: 'close',
        conn,
        code: fc ? fc.code : null,
        reason: fc ? fc.reason : '',
        initiator: fc ? (fc.dir === 'c2s' ? 'client' : 'server') : 'none',
        clean: this.closeC2s && this.closeS2c,
        durationMs: Math.round((this.opts.bus.now() - this.openedAt) * 1000) / 1000,
        bytesIn: this.requestLength + this.c2s.bytes,
        bytesOut: this.responseLength + this.s2c.bytes,
      });
    }
    this.onPong = null;
    this.opts.onClosed?.();
  }
}
