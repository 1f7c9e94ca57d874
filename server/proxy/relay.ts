// `wslab proxy TARGET`: every WebSocket upgrade whose path is not wslab's own (/__wslab/…, /lab/…)
// is forwarded to TARGET and its bytes relayed unchanged both ways, under the same tap as a lab
// connection. The upstream's 101 goes to the client as it came, so the key, subprotocol and
// permessage-deflate are agreed end to end; the client's masking keys and fragmentation reach the
// upstream exactly. A refused or failing upstream becomes an HTTP status and a sentence for the
// client and an `error` event for the stream; nothing waits longer than the timeout.
import type { IncomingMessage } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { STATUS_CODES } from 'node:http';
import type { WebSocket } from 'ws';
import type { EventBus } from '../stream/bus.ts';
import type { ConnectionRecord, Registry } from '../connection/registry.ts';
import { socketEnds } from '../connection/meta.ts';
import { ConnectionTap, type TapShared } from '../connection/tap/tap.ts';
import { captureFor } from '../connection/tap/capture.ts';
import { headEnd, headerValue, parseHead } from '../connection/tap/http-head.ts';
import { refuse } from '../http/refuse.ts';
import { upgradeIdentity } from '../http/session.ts';
import type { HeartbeatConfig } from '../core/api/heartbeat.ts';
import type { MemoryBudget } from '../process/budget.ts';
import { DEFLATE_BUDGET } from '../connection/deflate-options.ts';
import { ProxiedSocket, RelayLeg } from './proxy-ws.ts';
import { InterceptRules } from './intercept.ts';
import { InterceptCarrier } from './intercept-session.ts';
import { parseTarget, rewriteRequest, upstreamTarget, upstreamUrl, type HeaderLine, type ProxyTarget } from './target.ts';

/** The longest an upstream may take to connect and answer the upgrade (default). */
export const UPSTREAM_TIMEOUT_MS = 10_000;
/** The largest response head accepted from the upstream. */
const MAX_RESPONSE_HEAD = 64 * 1024;

export interface ProxyOptions {
  /** ws:// or wss:// URL */
  target: string;
  /** accept any certificate from a wss:// upstream (default: verified against the system's CAs) */
  insecure?: boolean;
  /** headers the upstream receives besides (or instead of) the client's: --header "Name: value" */
  headers?: HeaderLine[];
  /** the Origin the upstream receives instead of the client's (--origin) */
  origin?: string;
  /** connect and answer within this, ms (default 10 s) */
  timeoutMs?: number;
  /** largest message the tap decodes whole, bytes (default 16 MiB): the relay itself has no limit */
  maxPayload?: number;
}

export interface ProxyContext {
  bus: EventBus;
  registry: Registry;
  heartbeat: () => HeartbeatConfig;
  /** the server's connection caps: null admits, a sentence refuses with 503 */
  admit: () => string | null;
  /** the server's memory budget: the tap's two inflaters of a compressed connection draw from it */
  budget?: MemoryBudget;
}

/** What the tap's two inflaters (up to 32 KiB windows each, as the peers agreed) are charged. */
export const PROXY_DEFLATE_BUDGET = 2 * DEFLATE_BUDGET['small-open'];

/** True for paths the proxy forwards: everything but wslab's own. */
export function isProxiedPath(pathname: string): boolean {
  return !pathname.startsWith('/__wslab/') && !pathname.startsWith('/lab/') && pathname !== '/__wslab' && pathname !== '/lab';
}

export class WsProxy {
  readonly target: ProxyTarget;
  private readonly extraHeaders: HeaderLine[];
  private readonly timeoutMs: number;
  private readonly maxPayload: number;
  private readonly tapShared: TapShared;
  /** upgrades waiting for the upstream's answer (they count against the connection cap too) */
  private readonly pending = new Set<Socket>();
  private readonly live = new Set<ProxiedSocket>();
  /** intercept rules and held messages (server/proxy/intercept.ts) */
  readonly rules = new InterceptRules();
  /** connections opened while rules are in force: two WebSocket sessions each */
  readonly carrier: InterceptCarrier;

  constructor(
    private readonly options: ProxyOptions,
    private readonly ctx: ProxyContext,
  ) {
    this.target = parseTarget(options.target);
    this.extraHeaders = [...(options.headers ?? []), ...(options.origin ? [['Origin', options.origin] as HeaderLine] : [])];
    this.timeoutMs = options.timeoutMs ?? UPSTREAM_TIMEOUT_MS;
    this.maxPayload = options.maxPayload ?? 16 * 1024 * 1024;
    this.tapShared = { bus: ctx.bus, onClosed: (conn) => ctx.registry.remove(conn) };
    this.carrier = new InterceptCarrier({
      bus: ctx.bus,
      registry: ctx.registry,
      rules: this.rules,
      target: this.target,
      insecure: options.insecure === true,
      extraHeaders: this.extraHeaders,
      timeoutMs: this.timeoutMs,
      maxPayload: this.maxPayload,
      heartbeat: ctx.heartbeat,
      tapShared: this.tapShared,
      problem: upstreamProblem,
    });
  }

  /** One line for the terminal: what is proxied where. */
  describe(): string {
    const tls = this.target.secure ? (this.options.insecure ? ' (TLS certificate NOT verified: --insecure)' : ' (TLS verified against the system CAs)') : '';
    return `wslab proxies WebSocket upgrades on every path except /__wslab/ and /lab/ to ${this.target.href}${tls}`;
  }

  /** Takes an upgrade for a proxied path (after the Host, Origin and rate checks); false for wslab's own paths. */
  route(url: URL, req: IncomingMessage, socket: Socket, head: Buffer): boolean {
    if (!isProxiedPath(url.pathname)) return false;
    const full = this.ctx.admit() ?? (this.pending.size >= 1000 ? 'Too many upgrades are waiting for the upstream; retry in a moment.' : null);
    if (full) {
      refuse(socket, 503, full, { 'Retry-After': '1' });
      return true;
    }
    const requestTarget = req.url ?? '/';
    // rules in force: two WebSocket sessions, so messages can be changed (server/proxy/intercept-session.ts)
    if (this.rules.active) {
      this.carrier.carry(req, socket, head, upstreamTarget(this.target, requestTarget), upstreamUrl(this.target, requestTarget));
      return true;
    }
    socket.pause(); // the client's first frames wait in the socket until the upstream has answered
    socket.on('error', destroyThis);
    const capture = captureFor(socket);
    const requestLine = `${req.method} ${requestTarget} HTTP/${req.httpVersion}`;
    const clientHead = capture ? capture.takeRequest(requestLine, head).toString('latin1') : rebuildHead(req, requestLine);
    const forwarded = Buffer.from(rewriteRequest(clientHead, upstreamTarget(this.target, requestTarget), this.target.hostHeader, this.extraHeaders), 'latin1');
    this.connectUpstream(req, socket, head, forwarded, upstreamUrl(this.target, requestTarget));
    return true;
  }

  private connectUpstream(req: IncomingMessage, client: Socket, head: Buffer, forwarded: Buffer, where: string): void {
    const t = this.target;
    this.pending.add(client);
    const upstream: Socket = t.secure
      ? tlsConnect({ host: t.host, port: t.port, servername: /^[\d.]+$|:/.test(t.host) ? undefined : t.host, rejectUnauthorized: !this.options.insecure, ALPNProtocols: ['http/1.1'] })
      : netConnect({ host: t.host, port: t.port });
    let response: Buffer = Buffer.alloc(0);
    let settled = false;
    const fail = (status: number, sentence: string) => {
      if (settled) return;
      settled = true;
      cleanup();
      upstream.destroy();
      this.ctx.bus.publish({ type: 'error', source: 'upstream', message: `${sentence} (${req.method} ${(req.url ?? '/').slice(0, 200)} → ${where.slice(0, 300)})` });
      refuse(client, status, sentence);
    };
    const timer = setTimeout(() => fail(504, `The upstream ${t.href} did not answer the upgrade within ${this.timeoutMs / 1000} s.`), this.timeoutMs);
    timer.unref();
    const onClientGone = () => fail(499, 'The client went away before the upstream answered.');
    client.once('close', onClientGone);
    const cleanup = () => {
      clearTimeout(timer);
      this.pending.delete(client);
      client.removeListener('close', onClientGone);
      upstream.removeListener('data', onData);
      upstream.removeListener('close', onEarlyClose);
      // from here on an error only ends the connection (before, it was the refusal's reason)
      upstream.removeListener('error', onError);
      upstream.on('error', destroyThis);
    };
    const onError = (err: NodeJS.ErrnoException) => fail(502, upstreamProblem(t, err, this.options.insecure === true));
    const onEarlyClose = () => fail(502, `The upstream ${t.href} closed the connection before answering the upgrade.`);
    upstream.on('error', onError);
    upstream.on('close', onEarlyClose);
    upstream.once(t.secure ? 'secureConnect' : 'connect', () => {
      upstream.setNoDelay(true);
      upstream.write(forwarded);
    });
    const onData = (chunk: Buffer) => {
      response = response.length ? Buffer.concat([response, chunk]) : chunk;
      const end = headEnd(response);
      if (end < 0) {
        if (response.length > MAX_RESPONSE_HEAD) fail(502, `The upstream ${t.href} answered with more than ${MAX_RESPONSE_HEAD} bytes and no HTTP response head.`);
        return;
      }
      if (!/^HTTP\/1\.[01] \d{3}/.test(response.subarray(0, 12).toString('latin1'))) return fail(502, `The upstream ${t.href} did not answer with HTTP.`);
      settled = true;
      cleanup();
      this.answered(req, client, upstream, head, forwarded, response, end, where);
    };
    upstream.on('data', onData);
  }

  /** The upstream answered the upgrade: relay a 101 and everything after it; report anything else. */
  private answered(req: IncomingMessage, client: Socket, upstream: Socket, head: Buffer, forwarded: Buffer, response: Buffer, end: number, where: string): void {
    const parsed = parseHead(response.subarray(0, end));
    const status = Number(parsed.startLine.split(' ')[1]);
    const budget = this.ctx.budget;
    if (status === 101 && budget && /permessage-deflate/i.test(headerValue(parsed.headers, 'sec-websocket-extensions') ?? '')) {
      const lease = budget.lease('deflate contexts', PROXY_DEFLATE_BUDGET);
      if (!lease) {
        upstream.destroy();
        const sentence = budget.spent(`a permessage-deflate connection through the proxy to ${where}`);
        this.ctx.bus.publish({ type: 'error', source: 'upstream', message: sentence });
        refuse(client, 503, sentence, { 'Retry-After': '5' });
        return;
      }
      client.once('close', () => lease.release());
    }
    const record = this.register(req, client, forwarded, where);
    if (status !== 101 || !client.writable) {
      // the handshake event shows the upstream's own answer; the client gets its status and a sentence
      record.tap.onWrite(response.subarray(0, end));
      upstream.destroy();
      const reason = parsed.startLine.split(' ').slice(2).join(' ') || STATUS_CODES[status] || '';
      const body = response.subarray(end, end + 300).toString('utf8').replace(/\s+/g, ' ').trim();
      refuse(client, status >= 200 && status < 600 ? status : 502, `The upstream ${where} refused the upgrade with ${status} ${reason}${body ? `: ${body}` : '.'}`);
      return;
    }
    const s2c = new RelayLeg(client);
    const c2s = new RelayLeg(upstream);
    const ws = new ProxiedSocket(client, upstream, s2c, c2s, headerValue(parsed.headers, 'sec-websocket-protocol') ?? '', headerValue(parsed.headers, 'sec-websocket-extensions') ?? '');
    record.ws = ws as unknown as WebSocket;
    this.live.add(ws);
    ws.once('close', () => this.live.delete(ws));
    // the 101 and any frames behind it, through the tap's write hook like a lab's own answer
    client.write(response.subarray(0, end));
    record.tap.bindWebSocket(record.ws);
    const rest = response.subarray(end);
    if (rest.length) s2c.relay(rest);
    this.ctx.registry.startHeartbeat(record, this.ctx.heartbeat());
    // upstream → client, with backpressure both ways: a slow reader pauses the other side
    upstream.on('data', (chunk: Buffer) => {
      if (!s2c.relay(chunk)) upstream.pause();
    });
    client.on('drain', () => upstream.resume());
    record.tap.hookReads();
    client.on('data', (chunk: Buffer) => {
      if (!c2s.relay(chunk)) client.pause();
    });
    upstream.on('drain', () => client.resume());
    upstream.on('end', () => client.end());
    client.on('end', () => upstream.end());
    upstream.on('close', () => endThenCut(client));
    client.on('close', () => endThenCut(upstream));
    if (head.length) client.unshift(head);
    client.resume();
  }

  /** The connection record and tap of a proxied connection, once the upstream has answered. */
  private register(req: IncomingMessage, client: Socket, forwarded: Buffer, where: string): ConnectionRecord {
    const { bus, registry } = this.ctx;
    const conn = registry.nextId();
    const { cookieSession, owner, sessionId, client: clientKind } = upgradeIdentity(req, new URL(req.url ?? '/', 'http://wslab.invalid'));
    const record: ConnectionRecord = {
      meta: {
        conn,
        socketId: conn,
        sessionId,
        owner,
        userId: null,
        name: registry.nameFor(cookieSession),
        lab: 'proxy',
        path: (req.url ?? '/').slice(0, 2000),
        client: clientKind,
        ...socketEnds(client),
        openedAt: bus.now(),
        proxy: where,
        proxyMode: 'relay',
      },
      tap: null as unknown as ConnectionTap,
      ws: null,
      heartbeat: null,
      cookieSession,
    };
    // the request as the upstream received it: its handshake event pairs it with the upstream's answer
    record.tap = new ConnectionTap(client, forwarded, this.tapShared, record.meta, this.maxPayload);
    registry.add(record);
    return record;
  }

  /** The proxied connections still open (shutdown sends each a 1001 close). */
  sockets(): Iterable<ProxiedSocket> {
    return this.live;
  }

  close(): void {
    for (const s of this.pending) s.destroy();
    for (const ws of this.live) ws.terminate();
    this.carrier.close();
  }
}

/** The sentence for an upstream that could not be reached or trusted. */
export function upstreamProblem(t: ProxyTarget, err: NodeJS.ErrnoException, insecure: boolean): string {
  const code = err.code ?? '';
  if (code === 'ECONNREFUSED') return `The upstream ${t.href} refused the connection (nothing listens on ${t.host}:${t.port}).`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `The upstream host ${t.host} could not be resolved (${code}).`;
  if (code === 'ECONNRESET') return `The upstream ${t.href} reset the connection before answering the upgrade.`;
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|SSL|EPROTO/.test(code) || /certificate|SSL|TLS/i.test(err.message)) {
    return `The TLS handshake with ${t.href} failed: ${err.message}${insecure ? '' : ' (wslab verifies wss:// upstreams against the system CAs; --insecure accepts any certificate)'}.`;
  }
  return `The upstream ${t.href} could not be reached: ${err.message}.`;
}

function rebuildHead(req: IncomingMessage, requestLine: string): string {
  const lines = [requestLine];
  for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
  return lines.join('\r\n') + '\r\n\r\n';
}

function destroyThis(this: Socket): void {
  this.destroy();
}

/** One side closed: the other ends (flushing what it holds) and is cut if still open 2 s later. */
function endThenCut(socket: Socket): void {
  if (socket.destroyed) return;
  socket.end();
  const timer = setTimeout(() => socket.destroy(), 2_000);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}
