// Intercept mode of `wslab proxy`: a connection opened while intercept rules are in force is
// carried as two WebSocket sessions, so messages can be dropped, rewritten, delayed, held and
// injected and are re-framed on the way:
//   client ↔ wslab    a ws server session on the client's socket (leg "client", tapped like a lab)
//   wslab ↔ upstream  a ws client session to the upstream (leg "upstream"), with the client's
//                     path, query, subprotocol offer and headers; its socket is tapped too, reads
//                     as the server's frames and writes as the client's
// The upstream is asked first; the client gets its 101 (with the subprotocol the upstream chose)
// only once the upstream has accepted. Neither leg negotiates permessage-deflate. Pings are
// answered on each leg by that leg's peer (wslab), not carried across. Each direction keeps its
// order: a delayed or held message holds back the ones behind it.
import type { IncomingMessage } from 'node:http';
import { connect as netConnect, type NetConnectOpts, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { WebSocket, WebSocketServer } from 'ws';
import type { ConnectionRecord, Registry } from '../connection/registry.ts';
import { ConnectionTap, type TapShared } from '../connection/tap/tap.ts';
import { hookReads, hookSocket, type SocketTap } from '../connection/tap/socket-hook.ts';
import { headEnd } from '../connection/tap/http-head.ts';
import { captureFor } from '../connection/tap/capture.ts';
import { refuse } from '../http/refuse.ts';
import { upgradeIdentity } from '../http/session.ts';
import type { EventBus } from '../stream/bus.ts';
import type { HeartbeatConfig } from '../core/api/heartbeat.ts';
import { socketEnds, type ConnectionMeta } from '../connection/meta.ts';
import { InterceptRules } from './intercept.ts';
import type { HeaderLine, ProxyTarget } from './target.ts';

type Dir = 'c2s' | 's2c';

/** Messages, or payload bytes, waiting in one direction before the source is paused (resumed at half). */
const LANE_PAUSE_AT = 256;
const LANE_PAUSE_BYTES = 8 * 1024 * 1024;

export interface CarryContext {
  bus: EventBus;
  registry: Registry;
  rules: InterceptRules;
  target: ProxyTarget;
  insecure: boolean;
  extraHeaders: readonly HeaderLine[];
  timeoutMs: number;
  maxPayload: number;
  heartbeat: () => HeartbeatConfig;
  tapShared: TapShared;
  /** the sentence for an upstream that could not be reached or trusted (relay.ts) */
  problem: (t: ProxyTarget, err: NodeJS.ErrnoException, insecure: boolean) => string;
}

/** Request headers that belong to one hop's handshake; the ws client makes its own. */
const HOP_HEADERS = new Set([
  'host', 'connection', 'upgrade', 'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-extensions',
  'sec-websocket-protocol', 'content-length', 'transfer-encoding', 'keep-alive', 'te', 'trailer', 'proxy-connection',
]);

/** The two sessions of one intercepted connection, by either leg's conn id. */
export interface CarriedPair {
  client: WebSocket;
  upstream: WebSocket;
  clientConn: string;
  upstreamConn: string;
}

const protocolOf = new WeakMap<IncomingMessage, string>();

/** One ws server for every client leg: no deflate, the subprotocol the upstream chose. */
let clientServer: WebSocketServer | null = null;
function serverFor(maxPayload: number): WebSocketServer {
  clientServer ??= new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload,
    handleProtocols: (_offered, req) => protocolOf.get(req) || false,
  });
  return clientServer;
}

export class InterceptCarrier {
  /** live pairs, by both conn ids */
  private readonly pairs = new Map<string, CarriedPair>();

  constructor(private readonly ctx: CarryContext) {}

  pair(conn: string): CarriedPair | undefined {
    return this.pairs.get(conn);
  }

  /** Open connections in intercept mode (each pair once). */
  openPairs(): CarriedPair[] {
    return [...new Set(this.pairs.values())];
  }

  /** Takes an upgrade for a proxied path while rules are in force. */
  carry(req: IncomingMessage, client: Socket, head: Buffer, upstreamTarget: string, where: string): void {
    const { bus, registry, target: t } = this.ctx;
    socketPause(client);
    client.on('error', destroyThis);
    const capture = captureFor(client);
    const requestLine = `${req.method} ${req.url} HTTP/${req.httpVersion}`;
    const requestBytes = capture ? capture.takeRequest(requestLine, head) : Buffer.from(requestLine + '\r\n\r\n');
    const clientConn = registry.nextId();
    const upstreamConn = registry.nextId();
    const { cookieSession, owner, sessionId, client: clientKind } = upgradeIdentity(req, new URL(req.url ?? '/', 'http://wslab.invalid'));
    const common = {
      sessionId,
      owner,
      userId: null,
      name: registry.nameFor(cookieSession),
      lab: 'proxy',
      proxy: where,
      proxyMode: 'intercept' as const,
    };

    // the upstream leg: the client's offer and headers, wslab's own key and no deflate
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const headers: Record<string, string> = {};
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i]!;
      if (!HOP_HEADERS.has(name.toLowerCase())) headers[name] = req.rawHeaders[i + 1]!;
    }
    for (const [n, v] of this.ctx.extraHeaders) {
      for (const k of Object.keys(headers)) if (k.toLowerCase() === n.toLowerCase()) delete headers[k];
      headers[n] = v;
    }
    let upstreamRecord: ConnectionRecord | null = null;
    const upstreamMeta = (socket: Socket): ConnectionMeta => ({
      ...common,
      conn: upstreamConn,
      socketId: upstreamConn,
      path: upstreamTarget.slice(0, 2000),
      client: 'wslab',
      // wslab is the client of this leg: the tuple as the client leg's, the upstream's end local
      remoteAddress: socket.localAddress ?? '',
      remotePort: socket.localPort ?? 0,
      localAddress: socket.remoteAddress ?? '',
      localPort: socket.remotePort ?? 0,
      openedAt: bus.now(),
      leg: 'upstream',
      peer: clientConn,
    });
    const upstream = new WebSocket(where, offered, {
      headers,
      perMessageDeflate: false,
      handshakeTimeout: this.ctx.timeoutMs,
      maxPayload: this.ctx.maxPayload,
      rejectUnauthorized: !this.ctx.insecure,
      createConnection: ((opts: NetConnectOpts & ConnectionOptions) => {
        const socket = t.secure ? tlsConnect({ ...opts, host: t.host, port: t.port, servername: /^[\d.]+$|:/.test(t.host) ? undefined : t.host, rejectUnauthorized: !this.ctx.insecure, ALPNProtocols: ['http/1.1'] }) : netConnect({ ...opts, host: t.host, port: t.port });
        const hook = new UpstreamLegHook(socket, this.ctx, (request, response) => {
          registry.opening(upstreamConn, owner);
          const record: ConnectionRecord = { meta: upstreamMeta(socket), tap: null as unknown as ConnectionTap, ws: null, heartbeat: null, cookieSession };
          record.tap = new ConnectionTap(socket, request, this.ctx.tapShared, record.meta, this.ctx.maxPayload, false);
          registry.add(record);
          record.tap.onWrite(response);
          upstreamRecord = record;
          return record.tap;
        });
        hookSocket(socket, hook);
        hookReads(socket);
        return socket;
      }) as never,
    });
    upstream.on('error', ignore);
    let settled = false;
    const fail = (status: number, sentence: string) => {
      if (settled) return;
      settled = true;
      client.removeListener('close', onClientGone);
      upstream.terminate();
      bus.publish({ type: 'error', source: 'upstream', message: `${sentence} (${req.method} ${(req.url ?? '/').slice(0, 200)} → ${where.slice(0, 300)})` });
      refuse(client, status, sentence);
    };
    const onClientGone = () => {
      settled = true;
      upstream.terminate();
    };
    client.once('close', onClientGone);
    upstream.once('unexpected-response', (_r, res) => {
      const status = res.statusCode ?? 502;
      const reason = res.statusMessage ?? '';
      res.resume();
      fail(status >= 200 && status < 600 ? status : 502, `The upstream ${where} refused the upgrade with ${status} ${reason}.`);
    });
    upstream.once('error', (err: NodeJS.ErrnoException) => {
      if (/handshake has timed out/i.test(err.message)) fail(504, `The upstream ${t.href} did not answer the upgrade within ${this.ctx.timeoutMs / 1000} s.`);
      else fail(502, this.ctx.problem(t, err, this.ctx.insecure));
    });
    upstream.once('open', () => {
      if (settled) return;
      settled = true;
      client.removeListener('close', onClientGone);
      if (!client.writable) {
        upstream.terminate();
        return;
      }
      registry.opening(clientConn, owner);
      const record: ConnectionRecord = {
        meta: {
          ...common,
          conn: clientConn,
          socketId: clientConn,
          path: (req.url ?? '/').slice(0, 2000),
          client: clientKind,
          ...socketEnds(client),
          openedAt: bus.now(),
          leg: 'client',
          peer: upstreamConn,
        },
        tap: null as unknown as ConnectionTap,
        ws: null,
        heartbeat: null,
        cookieSession,
      };
      record.tap = new ConnectionTap(client, requestBytes, this.ctx.tapShared, record.meta, this.ctx.maxPayload);
      registry.add(record);
      protocolOf.set(req, upstream.protocol);
      if (upstreamRecord) upstreamRecord.ws = upstream;
      serverFor(this.ctx.maxPayload).handleUpgrade(req, client, head, (ws) => {
        client.removeListener('error', destroyThis);
        ws.on('error', ignore);
        record.ws = ws;
        record.tap.bindWebSocket(ws);
        upstreamRecord?.tap.bindWebSocket(upstream);
        registry.startHeartbeat(record, this.ctx.heartbeat());
        this.join(ws, upstream, clientConn, upstreamConn);
      });
      record.tap.hookReads();
      client.resume();
    });
  }

  /** Messages both ways through the rules; a close on one leg closes the other with its code. */
  private join(client: WebSocket, upstream: WebSocket, clientConn: string, upstreamConn: string): void {
    const pair: CarriedPair = { client, upstream, clientConn, upstreamConn };
    this.pairs.set(clientConn, pair);
    this.pairs.set(upstreamConn, pair);
    const c2s = new Lane('c2s', client, upstream, clientConn, this.ctx);
    const s2c = new Lane('s2c', upstream, client, upstreamConn, this.ctx);
    client.on('message', (data, isBinary) => c2s.arrive(toBuffer(data), isBinary));
    upstream.on('message', (data, isBinary) => s2c.arrive(toBuffer(data), isBinary));
    const closeOther = (other: WebSocket) => (code: number, reason: Buffer) => {
      if (other.readyState === WebSocket.CLOSED || other.readyState === WebSocket.CLOSING) return;
      if (code === 1006) other.terminate();
      else if (sendableCode(code)) other.close(code, reason);
      else other.close();
    };
    client.once('close', closeOther(upstream));
    upstream.once('close', closeOther(client));
    let ended = 0;
    const end = () => {
      if (++ended < 2) return;
      this.pairs.delete(clientConn);
      this.pairs.delete(upstreamConn);
      c2s.stop();
      s2c.stop();
      this.ctx.rules.forget(clientConn);
      this.ctx.rules.forget(upstreamConn);
    };
    client.once('close', end);
    upstream.once('close', end);
  }

  /** Sends a message of wslab's own on one leg: c2s to the upstream, s2c to the client. */
  inject(conn: string, dir: Dir, data: Buffer, binary: boolean): void {
    const pair = this.pairs.get(conn);
    if (!pair) return;
    const to = dir === 'c2s' ? pair.upstream : pair.client;
    if (to.readyState === WebSocket.OPEN) to.send(data, { binary });
  }

  close(): void {
    for (const p of this.openPairs()) {
      p.client.terminate();
      p.upstream.terminate();
    }
  }
}

interface Item {
  data: Buffer;
  binary: boolean;
  /** not before this (bus clock, ms) */
  readyAt: number;
  /** waiting for a person (a held message); null once settled */
  held: boolean;
  /** settled as dropped */
  dropped: boolean;
}

/** One direction of an intercepted connection: rules applied in arrival order, order kept on the way out. */
class Lane {
  private queue: Item[] = [];
  private queuedBytes = 0;
  private timer: NodeJS.Timeout | null = null;
  private paused = false;
  private stopped = false;

  constructor(
    private readonly dir: Dir,
    private readonly from: WebSocket,
    private readonly to: WebSocket,
    /** the leg the messages arrive on */
    private readonly conn: string,
    private readonly ctx: CarryContext,
  ) {}

  arrive(data: Buffer, binary: boolean): void {
    if (this.stopped) return;
    const { rules, bus } = this.ctx;
    const v = rules.judge(this.dir, data, binary);
    const now = bus.now();
    const item: Item = { data, binary, readyAt: now, held: false, dropped: false };
    switch (v.kind) {
      case 'drop':
        return;
      case 'send':
        item.data = v.data;
        item.binary = v.binary;
        break;
      case 'delay':
        item.readyAt = now + v.ms;
        break;
      case 'hold': {
        const r = rules.hold(this.conn, this.dir, v.rule, data, binary, now, (outcome) => {
          item.held = false;
          if (outcome.forward) {
            this.queuedBytes += outcome.data.length - item.data.length;
            item.data = outcome.data;
            item.binary = outcome.binary;
          } else item.dropped = true;
          this.pump();
        });
        if ('full' in r) bus.publish({ type: 'error', conn: this.conn, dir: this.dir, source: 'server', message: r.full });
        else item.held = true;
        break;
      }
    }
    this.queue.push(item);
    this.queuedBytes += item.data.length;
    if ((this.queue.length >= LANE_PAUSE_AT || this.queuedBytes >= LANE_PAUSE_BYTES) && !this.paused) {
      this.paused = true;
      this.from.pause();
    }
    this.pump();
  }

  private pump(): void {
    if (this.stopped) return;
    const now = this.ctx.bus.now();
    while (this.queue.length) {
      const head = this.queue[0]!;
      if (head.held) return;
      if (head.readyAt > now) {
        if (!this.timer) {
          this.timer = setTimeout(() => {
            this.timer = null;
            this.pump();
          }, Math.ceil(head.readyAt - now));
          this.timer.unref();
        }
        return;
      }
      this.queue.shift();
      this.queuedBytes -= head.data.length;
      if (!head.dropped && this.to.readyState === WebSocket.OPEN) this.to.send(head.data, { binary: head.binary });
    }
    if (this.paused && this.queue.length < LANE_PAUSE_AT / 2 && this.queuedBytes < LANE_PAUSE_BYTES / 2) {
      this.paused = false;
      this.from.resume();
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.queue = [];
  }
}

/**
 * The upstream leg's socket, seen by its tap: before the 101 the writes are the request and the
 * reads the response; after it, writes are the client's (c2s) frames and reads the server's (s2c).
 * Bytes after the response head in the same read are not fed here: the ws client puts them back
 * into the socket, and they are read again as frames.
 */
class UpstreamLegHook implements SocketTap {
  private request: Buffer[] = [];
  private response: Buffer = Buffer.alloc(0);
  private tap: ConnectionTap | null = null;
  private done = false;

  constructor(
    private readonly socket: Socket,
    private readonly ctx: CarryContext,
    private readonly open: (request: Buffer, response: Buffer) => ConnectionTap,
  ) {}

  onWrite(chunk: unknown): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk instanceof Uint8Array ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength) : null;
    if (!bytes) return;
    if (this.tap) this.tap.onRead(bytes);
    else if (!this.done && this.request.length < 64) this.request.push(bytes);
  }

  onRead(chunk: Buffer): void {
    if (this.tap) return this.tap.onWrite(chunk);
    if (this.done) return;
    this.response = Buffer.concat([this.response, chunk]);
    const end = headEnd(this.response);
    if (end < 0) {
      if (this.response.length > 64 * 1024) this.done = true;
      return;
    }
    this.done = true;
    this.tap = this.open(Buffer.concat(this.request), this.response.subarray(0, end));
    this.request = [];
    this.response = Buffer.alloc(0);
    void this.socket;
    void this.ctx;
  }

  onClose(): void {
    this.tap?.onClose();
  }
}

function toBuffer(data: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data as ArrayBuffer);
}

/** Codes an endpoint may put in a close frame (RFC 6455 §7.4). */
function sendableCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

function socketPause(s: Socket): void {
  s.pause();
}

function destroyThis(this: Socket): void {
  this.destroy();
}

function ignore(): void {}
