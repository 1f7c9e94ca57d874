// Routes HTTP upgrade requests: /lab/NAME to a lab (tapped), /__wslab/events to the observers
// (not tapped). One port, two protocols: the same HTTP server serves the pages and the sockets.
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { LABS } from './labs/index.ts';
import type { Lab, LabWsOptions } from './labs/types.ts';
import { ConnectionTap, type TapShared } from './tap/tap.ts';
import { captureFor } from './tap/capture.ts';
import type { HeartbeatConfig } from './heartbeat.ts';
import type { Registry, ConnectionRecord } from './registry.ts';
import type { EventBus } from './events/bus.ts';
import { filterFromQuery } from './events/bus.ts';
import { Observer } from './observe.ts';
import { RateLimiter } from './rate-limit.ts';
import { selectSubprotocol } from './auth.ts';
import type { MemoryBudget } from './budget.ts';
import { deflateBudgetBytes, deflateMode, deflateOptions } from './deflate-options.ts';

export interface UpgradeConfig {
  bus: EventBus;
  registry: Registry;
  maxPayload: number;
  maxConnections: number;
  maxObservers: number;
  heartbeat: () => HeartbeatConfig;
  /** extra origins allowed besides the page's own (exact match, e.g. "http://localhost:5173") */
  allowOrigins: readonly string[];
  limiter: RateLimiter;
  /** the server's memory budget (server/budget.ts): deflate contexts and the labs' buffers draw from it */
  budget?: MemoryBudget;
  /** the labs this handler serves (default LABS); a fan-out node adds its own chat lab */
  labs?: ReadonlyMap<string, Lab>;
  /**
   * Called after the Origin and rate checks, before lab routing: returns true when it took the
   * upgrade (the fan-out load balancer proxies /lab/chat to a node).
   */
  route?: (url: URL, req: IncomingMessage, socket: Socket, head: Buffer) => boolean;
}

/** What a session id may be (?session= or the wslab_session cookie). */
export const SESSION_RE = /^[A-Za-z0-9_-]{1,64}$/;

/** Answers an upgrade that will not happen with a plain HTTP response, then closes the socket. */
export function refuse(socket: Socket, status: number, message: string, extra: Record<string, string> = {}): void {
  const body = Buffer.from(message + '\n');
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    'Connection: close',
    'Content-Type: text/plain; charset=utf-8',
    `Content-Length: ${body.length}`,
    ...Object.entries(extra).map(([k, v]) => `${k}: ${v}`),
    '',
    '',
  ].join('\r\n');
  if (socket.writable) socket.end(Buffer.concat([Buffer.from(head), body]));
  socket.destroySoon?.();
}

/**
 * Cross-site WebSocket hijacking defence: a browser always sends Origin, so a page's own origin
 * must match the Host it connected to (or the allowlist). Clients that are not browsers send no
 * Origin and are let through: Origin protects users' browsers, not the server.
 */
export function originAllowed(req: IncomingMessage, allow: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (allow.includes(origin)) return true;
  const host = req.headers.host;
  if (!host) return false;
  return origin === `http://${host}` || origin === `https://${host}`;
}

/** One cookie of a request, or null. */
export function cookie(req: IncomingMessage, name: string): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

export function createUpgradeHandler(config: UpgradeConfig) {
  const { bus, registry } = config;
  // What every tap shares: one object per server, not one per connection.
  const tapShared: TapShared = { bus, onClosed: (conn) => registry.remove(conn) };
  const servers = new Map<string, WebSocketServer>();
  const observerServer = new WebSocketServer({ noServer: true, maxPayload: 4096, clientTracking: true });
  const labServer = (opts: LabWsOptions, req: IncomingMessage) => {
    // permessage-deflate: small windows without context takeover unless the lab asks for takeover
    const deflate = deflateMode(opts.perMessageDeflate, req.headers['sec-websocket-extensions']);
    const key = `${deflate}:${opts.maxPayload}`;
    let wss = servers.get(key);
    if (!wss) {
      wss = new WebSocketServer({
        noServer: true,
        clientTracking: false,
        maxPayload: opts.maxPayload,
        perMessageDeflate: deflateOptions(deflate),
        // the first subprotocol offered, except a `bearer.<token>` entry: a token is never echoed back
        handleProtocols: selectSubprotocol,
      });
      servers.set(key, wss);
    }
    return wss;
  };

  function handle(req: IncomingMessage, socket: Socket, head: Buffer): void {
    socket.on('error', destroySocket);
    const capture = captureFor(socket);
    const requestLine = `${req.method} ${req.url} HTTP/${req.httpVersion}`;
    const requestBytes = capture ? capture.takeRequest(requestLine, head) : Buffer.from(requestLine + '\r\n\r\n');
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://wslab.invalid');
    } catch {
      refuse(socket, 400, 'The request target is not a valid URL.');
      return;
    }

    if (!originAllowed(req, config.allowOrigins)) {
      refuse(socket, 403, `Origin ${req.headers.origin} may not open WebSockets here (cross-site WebSocket hijacking is refused).`);
      return;
    }
    if (!config.limiter.take(socket.remoteAddress ?? '')) {
      refuse(socket, 429, 'Too many connection attempts from this address; slow down and retry.', { 'Retry-After': '1' });
      return;
    }

    if (url.pathname === '/__wslab/events') {
      if (observerServer.clients.size >= config.maxObservers) {
        refuse(socket, 503, `The event stream already has ${config.maxObservers} observers.`);
        return;
      }
      const sinceRaw = url.searchParams.get('since');
      const since = sinceRaw !== null && /^\d+$/.test(sinceRaw) ? Number(sinceRaw) : null;
      const format = url.searchParams.get('format') ?? 'json';
      if (format !== 'json' && format !== 'bin') {
        refuse(socket, 400, `Unknown event stream format "${format.slice(0, 40)}": use format=json (the default) or format=bin.`);
        return;
      }
      observerServer.handleUpgrade(req, socket, head, (ws) => {
        new Observer(ws, bus, { since, filter: filterFromQuery(url.searchParams), batch: url.searchParams.get('batch') === '1', format });
        ws.on('message', ignore); // observers only listen; messages are ignored
      });
      return;
    }

    if (config.route?.(url, req, socket, head)) return;

    const labs = config.labs ?? LABS;
    const match = /^\/lab\/([a-z0-9-]+(?:\/[a-z0-9-]+)?)\/?$/.exec(url.pathname);
    const lab = match ? labs.get(match[1]) : undefined;
    if (!lab) {
      const known = [...labs.keys()].map((n) => `/lab/${n}`).join(', ');
      refuse(socket, 404, `No WebSocket endpoint at ${url.pathname}. Labs: ${known}; event stream: /__wslab/events.`);
      return;
    }
    if (registry.size >= config.maxConnections) {
      refuse(socket, 503, `The server is at its limit of ${config.maxConnections} lab connections.`);
      return;
    }

    const conn = registry.nextId();
    const cookieRaw = cookie(req, 'wslab_session');
    const cookieSession = cookieRaw && SESSION_RE.test(cookieRaw) ? cookieRaw : null;
    const sessionRaw = url.searchParams.get('session') ?? cookieSession;
    const sessionId = sessionRaw && SESSION_RE.test(sessionRaw) ? sessionRaw : null;
    const clientHeader = req.headers['x-wslab-client'];
    const client = typeof clientHeader === 'string' && /^(puppet|sim|builder)$/.test(clientHeader)
      ? clientHeader
      : req.headers.origin ? 'browser' : 'external';
    const problem = lab.check?.(url);
    if (problem) {
      refuse(socket, 400, problem);
      return;
    }
    const opts = lab.wsOptions(url, { perMessageDeflate: false, maxPayload: config.maxPayload });
    // a deflate context is memory the client makes the server hold: it draws from the budget
    const deflateBytes = deflateBudgetBytes(deflateMode(opts.perMessageDeflate, req.headers['sec-websocket-extensions']));
    if (deflateBytes > 0 && config.budget) {
      const lease = config.budget.lease('deflate contexts', deflateBytes);
      if (!lease) {
        refuse(socket, 503, config.budget.spent(`a permessage-deflate connection to ${url.pathname}`), { 'Retry-After': '5' });
        return;
      }
      socket.once('close', () => lease.release());
    }

    const record: ConnectionRecord = {
      meta: {
        conn,
        socketId: conn,
        sessionId,
        userId: null,
        // the page's cookie, not ?session=: the playground gives each socket its own session id,
        // and a workshop participant's sockets should all carry their name
        name: registry.nameFor(cookieSession),
        lab: lab.name,
        path: intern(url.pathname + url.search),
        client,
        remoteAddress: intern(socket.remoteAddress ?? ''),
        remotePort: socket.remotePort ?? 0,
        localAddress: intern(socket.localAddress ?? ''),
        localPort: socket.localPort ?? 0,
        openedAt: bus.now(),
      },
      tap: null as unknown as ConnectionTap,
      ws: null,
      heartbeat: null,
    };
    dropAddressCache(socket);
    record.tap = new ConnectionTap(socket, requestBytes, tapShared, record.meta, opts.maxPayload);
    registry.add(record);

    labServer(opts, req).handleUpgrade(req, socket, head, (ws: WebSocket) => {
      socket.removeListener('error', destroySocket); // ws has its own now
      record.ws = ws;
      record.tap.bindWebSocket(ws);
      registry.startHeartbeat(record, heartbeatFromQuery(url, config.heartbeat()));
      ws.on('error', ignore); // protocol errors are reported by the tap; ws closes the socket itself
      lab.onConnection(ws, { url, conn, bus, record, maxPayload: opts.maxPayload, headers: req.headers, socket, budget: config.budget });
    });
    // ws answered (101 or an error) synchronously; from now on read each chunk before ws does.
    record.tap.hookReads();
  }

  function close(): void {
    for (const ws of observerServer.clients) ws.terminate();
    observerServer.close();
    for (const wss of servers.values()) wss.close();
  }

  return { handle, close, observerCount: () => observerServer.clients.size };
}

// Listeners that live as long as a connection are module-level functions, not closures made in
// handle(): a closure would keep handle's whole scope (the request, the URL) alive with it.
function ignore(): void {}

/**
 * Most lab connections share a few paths and addresses: one string each instead of one per
 * connection (bounded, so odd query strings or many clients cannot grow it).
 */
const interned = new Map<string, string>();
function intern(text: string): string {
  const hit = interned.get(text);
  if (hit !== undefined) return hit;
  if (interned.size < 1024) interned.set(text, text);
  return text;
}

/**
 * Node keeps the 4-tuple it read for `remoteAddress`/`localAddress` on the socket (two small
 * objects per connection, which a bare ws server never makes). The registry has its own copy from
 * here on, so the socket's is let go; reading the getters again would only ask the OS again.
 */
function dropAddressCache(socket: Socket): void {
  const cache = socket as unknown as { _peername?: unknown; _sockname?: unknown };
  cache._peername = undefined;
  cache._sockname = undefined;
}

function destroySocket(this: Socket): void {
  this.destroy();
}

/** `?heartbeat=MS&misses=N` on a lab URL overrides the server's heartbeat for that connection. */
function heartbeatFromQuery(url: URL, defaults: HeartbeatConfig): HeartbeatConfig {
  const ms = url.searchParams.get('heartbeat');
  const misses = url.searchParams.get('misses');
  const out = { ...defaults };
  if (ms !== null && /^\d+$/.test(ms)) out.intervalMs = Math.min(Number(ms), 3_600_000);
  if (out.intervalMs > 0 && out.intervalMs < 50) out.intervalMs = 50;
  if (misses !== null && /^\d+$/.test(misses)) out.maxMisses = Math.max(1, Math.min(Number(misses), 100));
  return out;
}
