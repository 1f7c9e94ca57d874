// Routes HTTP upgrade requests: /lab/NAME to a lab (tapped), /__wslab/events to the observers
// (not tapped). One port, two protocols: the same HTTP server serves the pages and the sockets.
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Lab, LabWsOptions } from './lab.ts';
import { ConnectionTap, type TapShared } from './tap/tap.ts';
import { captureFor } from './tap/capture.ts';
import { heartbeatFromQuery, type HeartbeatConfig } from '../core/api/heartbeat.ts';
import type { Registry, ConnectionRecord } from './registry.ts';
import { type EventBus, type StreamScope, filterFromQuery } from '../stream/bus.ts';
import { Observer } from '../stream/observe.ts';
import { RateLimiter } from '../http/rate-limit.ts';
import { selectSubprotocol } from './subprotocol.ts';
import { deflateOfferDeclined, dropAddressCache, socketOf } from './ws-adapter.ts';
import { refuse } from '../http/refuse.ts';
import { originAllowed } from '../http/origin.ts';
import { upgradeIdentity, SESSION_RE } from '../http/session.ts';
import type { HostRule } from '../http/hosts.ts';
import type { MemoryBudget } from '../process/budget.ts';
import { declinedSentence, deflateBudgetBytes, deflateMode, deflateOptions } from './deflate-options.ts';

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
  /** the Host names this server answers to (DNS rebinding, server/http/hosts.ts); none: not checked here */
  hosts?: HostRule;
  /**
   * the server's descriptor budget (server/process/limits.ts): null admits, a sentence refuses with 503;
   * without it only maxConnections and maxObservers apply
   */
  admit?: (kind: 'labConnections' | 'observers') => string | null;
  /** the server's memory budget (server/process/budget.ts): deflate contexts and the labs' buffers draw from it */
  budget?: MemoryBudget;
  /** the labs this handler serves (the app's LABS; a fan-out node adds its own chat lab) */
  labs: ReadonlyMap<string, Lab>;
  /**
   * Called after the Origin and rate checks, before lab routing: returns true when it took the
   * upgrade (the fan-out load balancer proxies /lab/chat to a node).
   */
  route?: (url: URL, req: IncomingMessage, socket: Socket, head: Buffer) => boolean;
  /**
   * What an event stream may carry (workshop mode, server/workshop/stream-access.ts): null for
   * everything, a participant's scope, or a sentence refusing the request (403). Absent: everything.
   */
  streamScope?: (req: IncomingMessage, url: URL) => StreamScope | null | string;
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
    if (config.hosts && !config.hosts.checkUpgrade(req, socket)) return;
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
      const reason = `Origin ${req.headers.origin} may not open WebSockets here (cross-site WebSocket hijacking is refused).`;
      refuse(socket, 403, reason);
      const session = url.searchParams.get('session');
      // reported within the address's upgrade rate, so a flood of refusals cannot flush the history
      if (config.limiter.take(socket.remoteAddress ?? '')) bus.publish({ type: 'refused', status: 403, reason, path: url.pathname.slice(0, 200), origin: req.headers.origin?.slice(0, 200) ?? null, sessionId: session && SESSION_RE.test(session) ? session : null });
      return;
    }
    if (!config.limiter.take(socket.remoteAddress ?? '')) {
      refuse(socket, 429, 'Too many connection attempts from this address; slow down and retry.', { 'Retry-After': '1' });
      return;
    }

    if (url.pathname === '/__wslab/events') {
      const full = config.admit ? config.admit('observers') : observerServer.clients.size >= config.maxObservers ? `The event stream already has ${config.maxObservers} observers.` : null;
      if (full) {
        refuse(socket, 503, full);
        return;
      }
      const sinceRaw = url.searchParams.get('since');
      const since = sinceRaw !== null && /^\d+$/.test(sinceRaw) ? Number(sinceRaw) : null;
      const format = url.searchParams.get('format') ?? 'json';
      if (format !== 'json' && format !== 'bin') {
        refuse(socket, 400, `Unknown event stream format "${format.slice(0, 40)}": use format=json (the default) or format=bin.`);
        return;
      }
      const recentRaw = url.searchParams.get('recent');
      if (recentRaw !== null && !/^\d{1,9}$/.test(recentRaw)) {
        refuse(socket, 400, 'recent must be a count of events (the window a page starts from, e.g. recent=2000).');
        return;
      }
      const scope = config.streamScope ? config.streamScope(req, url) : null;
      if (typeof scope === 'string') {
        refuse(socket, 403, scope);
        return;
      }
      const filter = { ...filterFromQuery(url.searchParams), scope };
      observerServer.handleUpgrade(req, socket, head, (ws) => {
        new Observer(ws, bus, { socket: socketOf(ws), since, filter, batch: url.searchParams.get('batch') === '1', format, recent: recentRaw === null ? null : Number(recentRaw) });
        ws.on('message', ignore); // observers only listen; messages are ignored
        ws.on('error', ignore); // a protocol error (an unmasked frame…): ws closes with its code; without a listener it would end the process
      });
      return;
    }

    if (config.route?.(url, req, socket, head)) return;

    const labs = config.labs;
    const match = /^\/lab\/([a-z0-9-]+(?:\/[a-z0-9-]+)?)\/?$/.exec(url.pathname);
    const lab = match ? labs.get(match[1]) : undefined;
    if (!lab) {
      const known = [...labs.keys()].map((n) => `/lab/${n}`).join(', ');
      refuse(socket, 404, `No WebSocket endpoint at ${url.pathname}. Labs: ${known}; event stream: /__wslab/events.`);
      return;
    }
    // ?heartbeat=MS&misses=N overrides the server's heartbeat for this connection; a value outside
    // the rule is refused, not quietly changed into another
    const heartbeat = heartbeatFromQuery(url.searchParams, config.heartbeat());
    if (typeof heartbeat === 'string') {
      refuse(socket, 400, heartbeat);
      return;
    }
    const full = config.admit ? config.admit('labConnections') : registry.size >= config.maxConnections ? `The server is at its limit of ${config.maxConnections} lab connections.` : null;
    if (full) {
      refuse(socket, 503, full);
      return;
    }

    const conn = registry.nextId();
    // whose connection this is: the cookie's public id, never the cookie (events show sessionId)
    const { cookieSession, owner, sessionId, client } = upgradeIdentity(req, url);
    const problem = lab.check?.(url);
    if (problem) {
      refuse(socket, 400, problem);
      return;
    }
    const opts = lab.wsOptions(url, { perMessageDeflate: false, maxPayload: config.maxPayload });
    // an offer of permessage-deflate the lab cannot accept (server_max_window_bits=9 against its
    // 1 KiB window) is declined, not refused: ws would answer 400, RFC 7692 §5 says go on without
    // the extension. ws no longer sees the header; the tap already holds the request as it came.
    const offer = req.headers['sec-websocket-extensions'];
    const mode = deflateMode(opts.perMessageDeflate, offer);
    const notAccepted = mode === 'off' ? null : deflateOfferDeclined(deflateOptions(mode), opts.maxPayload, offer);
    const declined = notAccepted === null ? null : declinedSentence(mode, notAccepted);
    if (declined !== null) delete req.headers['sec-websocket-extensions'];
    // a deflate context is memory the client makes the server hold: it draws from the budget
    const deflateBytes = declined === null ? deflateBudgetBytes(mode) : 0;
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
        owner,
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
      cookieSession,
    };
    dropAddressCache(socket);
    registry.opening(conn, owner); // the tap's first events (conn.open, handshake) are already the owner's
    record.tap = new ConnectionTap(socket, requestBytes, tapShared, record.meta, opts.maxPayload);
    if (declined !== null) record.tap.declinedExtensions(declined);
    registry.add(record);

    labServer(opts, req).handleUpgrade(req, socket, head, (ws: WebSocket) => {
      socket.removeListener('error', destroySocket); // ws has its own now
      record.ws = ws;
      record.tap.bindWebSocket(ws);
      registry.startHeartbeat(record, heartbeat);
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

  return { handle, close, observerCount: () => observerServer.clients.size, observers: () => observerServer.clients };
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

function destroySocket(this: Socket): void {
  this.destroy();
}
