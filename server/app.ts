// The wslab server: ONE Node process and ONE port serving the web app (HTTP) and the labs
// (WebSocket upgrades on the same server), plus the event stream that shows what crossed each socket.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { EventBus, filterFromQuery } from './events/bus.ts';
import { Registry } from './registry.ts';
import { createUpgradeHandler, originAllowed } from './upgrade.ts';
import { captureConnection } from './tap/capture.ts';
import { createStaticHandler, sendText } from './http/static.ts';
import { HttpError, readJson, sendJson } from './http/json.ts';
import { createHistoryReaders } from './http/history.ts';
import { DEFAULT_MEMORY_BUDGET, MemoryBudget } from './budget.ts';
import { DEFAULT_HEARTBEAT, type HeartbeatConfig } from './heartbeat.ts';
import { RateLimiter } from './rate-limit.ts';
import { LABS } from './labs/index.ts';
import { WEB_DIST } from './build.ts';
import { PuppetManager } from './puppet.ts';
import { craft, parseCraftRequest } from './craft.ts';
import { FanoutCluster, type FanoutOptions } from './fanout/cluster.ts';
import { CHAT_DESCRIPTION } from './labs/chat.ts';
import { createFaultLabs } from './link/api.ts';
import { WireMeter } from './http/wire-meter.ts';
import { TransportsLab, type TransportsOptions } from './labs/transports.ts';
import { WorkshopRoom } from './workshop/room.ts';
import { createWorkshopApi } from './workshop/api.ts';
import { newPresenterKey } from './workshop/presenter.ts';
import { OPEN_ROOM, presenterGuard } from './workshop/guard.ts';
import { isWildcardHost, networkOrigins } from './workshop/lan.ts';

export interface WslabOptions {
  /** 0 picks any free port (default 8080) */
  port?: number;
  /** interface to bind (default 127.0.0.1: only this machine can connect) */
  host?: string;
  /** events kept for replay (default 100,000) */
  historySize?: number;
  /** largest message a lab accepts, bytes (default 64 KiB) */
  maxPayload?: number;
  /** live lab connections at most (default 10,000) */
  maxConnections?: number;
  /** event-stream observers at most (default 200) */
  maxObservers?: number;
  heartbeat?: Partial<HeartbeatConfig>;
  /** WebSocket upgrades per second per client address, and the burst allowed (default 500, 2000) */
  upgradeRate?: { perSecond: number; burst: number };
  /** origins allowed to open sockets besides the page's own */
  allowOrigins?: string[];
  /** the built web app to serve (default dist/web) */
  webRoot?: string;
  /** the fan-out lab: nodes, broker (embedded unless `redis`), auth; see server/fanout/cluster.ts */
  fanout?: FanoutOptions;
  /** the transports lab's feed period, long-poll and stream caps, rate (server/labs/transports.ts) */
  transports?: TransportsOptions;
  /**
   * workshop mode (`wslab start --workshop`): the /__wslab/workshop API, participants' names on
   * their connections, presenter actions behind a key (random per start unless given), and caps
   * sized for a room
   */
  workshop?: boolean | { presenterKey?: string };
  /**
   * bytes every buffer a client can make the server fill draws from: push labs' send buffers,
   * history readers, deflate contexts (server/budget.ts; default 256 MiB)
   */
  memoryBudget?: number;
}

export interface WorkshopInfo {
  room: WorkshopRoom;
  /** the secret presenter actions need; printed once, inside presenterUrl */
  presenterKey: string;
  /** http://HOST:PORT/workshop?key=KEY, on an address of this machine */
  presenterUrl: string;
  /** what participants open: one URL per network address (none when bound to loopback) */
  joinUrls: string[];
}

export interface WslabServer {
  url: string;
  host: string;
  port: number;
  bus: EventBus;
  registry: Registry;
  /** the chat nodes, their broker and the load balancer at /lab/chat */
  fanout: FanoutCluster;
  /** the transports lab: its feed, its books and its held requests */
  transports: TransportsLab;
  /** the memory budget every client-driven buffer draws from (server/budget.ts) */
  budget: MemoryBudget;
  /** workshop mode's room, key and URLs; null without it */
  workshop: WorkshopInfo | null;
  /** changes the heartbeat of one connection, or the default and every live connection */
  setHeartbeat(config: Partial<HeartbeatConfig>, conn?: string): boolean;
  close(): Promise<void>;
}

export async function startWslab(options: WslabOptions = {}): Promise<WslabServer> {
  const host = options.host ?? '127.0.0.1';
  const bus = new EventBus({ historySize: options.historySize, allocate: (size) => Buffer.alloc(size) });
  const registry = new Registry(bus, () => heartbeat);
  let heartbeat: HeartbeatConfig = { ...DEFAULT_HEARTBEAT, ...options.heartbeat };
  const rate = options.upgradeRate ?? { perSecond: 500, burst: 2000 };
  const allowOrigins = [...(options.allowOrigins ?? [])];
  const workshopOn = options.workshop !== undefined && options.workshop !== false;
  const budget = new MemoryBudget(options.memoryBudget ?? DEFAULT_MEMORY_BUDGET);
  const historyReaders = createHistoryReaders(bus, budget);
  let fanout: FanoutCluster | null = null;
  const upgrades = createUpgradeHandler({
    bus,
    registry,
    maxPayload: options.maxPayload ?? 64 * 1024,
    maxConnections: options.maxConnections ?? 10_000,
    // every open page follows the event stream (labs pages twice): a room of 100 with a tab or
    // three each needs more than one learner's 200
    maxObservers: options.maxObservers ?? (workshopOn ? 500 : 200),
    heartbeat: () => heartbeat,
    allowOrigins,
    limiter: new RateLimiter(rate.perSecond, rate.burst),
    budget,
    route: (url, req, socket, head) => fanout?.route(url, req, socket, head) ?? false,
  });
  const serveStatic = createStaticHandler(options.webRoot ?? WEB_DIST);
  let origin = '';
  let selfHost = '127.0.0.1';
  const puppets = new PuppetManager(bus, registry, () => origin, workshopOn ? 256 : undefined);
  // the chaos link, simulated clients and backpressure producers (server/link/api.ts)
  const presenterKey = workshopOn ? ((typeof options.workshop === 'object' && options.workshop.presenterKey) || newPresenterKey()) : null;
  // in a workshop, calls that change the whole room need the presenter key (server/workshop/guard.ts)
  const roomGuard = presenterKey ? presenterGuard(presenterKey) : OPEN_ROOM;
  const faultLabs = createFaultLabs({ bus, registry, roomGuard, target: () => ({ host: selfHost.replace(/^\[|\]$/g, ''), port }) });
  // every request is counted as it arrives, so each one's bytes are its own (server/http/wire-meter.ts)
  const meter = new WireMeter();
  const transports = new TransportsLab(bus, meter, allowOrigins, options.transports);
  const room = workshopOn ? new WorkshopRoom({ bus, registry, link: faultLabs.link, heartbeat: () => heartbeat }) : null;
  let joinUrls: string[] = [];
  const workshopApi = createWorkshopApi({ room, presenterKey, joinUrls: () => joinUrls });
  const connByRemotePort = (port: number): string | null => {
    for (const r of registry.all()) if (r.meta.remotePort === port) return r.meta.conn;
    return null;
  };

  function setHeartbeat(config: Partial<HeartbeatConfig>, conn?: string): boolean {
    if (conn !== undefined) {
      const record = registry.get(conn);
      return record ? registry.configureHeartbeat(record, config) : false;
    }
    heartbeat = { ...heartbeat, ...config };
    for (const record of registry.all()) registry.configureHeartbeat(record, config);
    return true;
  }

  async function api(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const route = url.pathname.slice('/__wslab/'.length);
    if (route === 'connections' && req.method === 'GET') {
      sendJson(res, 200, { count: registry.size, connections: registry.snapshot() });
    } else if (route === 'events' && req.method === 'GET') {
      if (req.headers.upgrade) return sendText(res, 400, 'Upgrade requests for the event stream must use GET with Connection: Upgrade.');
      const sinceRaw = url.searchParams.get('since') ?? '0';
      if (!/^\d+$/.test(sinceRaw)) return sendText(res, 400, 'since must be a non-negative integer sequence number.');
      historyReaders.serve(res, Number(sinceRaw), filterFromQuery(url.searchParams));
    } else if (route === 'heartbeat' && req.method === 'GET') {
      sendJson(res, 200, heartbeat);
    } else if (route === 'heartbeat' && (req.method === 'POST' || req.method === 'PUT')) {
      let body: unknown;
      try {
        body = await readJson(req);
      } catch (err) {
        return sendJson(res, 400, { error: (err as Error).message });
      }
      const b = (body ?? {}) as Record<string, unknown>;
      const change: Partial<HeartbeatConfig> = {};
      if (b.intervalMs !== undefined) {
        if (typeof b.intervalMs !== 'number' || !Number.isInteger(b.intervalMs) || b.intervalMs < 0 || b.intervalMs > 3_600_000 || (b.intervalMs > 0 && b.intervalMs < 50)) {
          return sendJson(res, 400, { error: 'intervalMs must be 0 (off) or an integer from 50 to 3600000' });
        }
        change.intervalMs = b.intervalMs;
      }
      if (b.maxMisses !== undefined) {
        if (typeof b.maxMisses !== 'number' || !Number.isInteger(b.maxMisses) || b.maxMisses < 1 || b.maxMisses > 100) {
          return sendJson(res, 400, { error: 'maxMisses must be an integer from 1 to 100' });
        }
        change.maxMisses = b.maxMisses;
      }
      if (b.conn !== undefined && typeof b.conn !== 'string') return sendJson(res, 400, { error: 'conn must be a string' });
      if (b.conn === undefined && !roomGuard(req, res, 'change the heartbeat of every connection (give "conn" to change one)')) return;
      if (!setHeartbeat(change, b.conn as string | undefined)) return sendJson(res, 404, { error: `no live connection ${b.conn}` });
      sendJson(res, 200, b.conn ? { conn: b.conn, ...registry.describeHeartbeat(registry.get(b.conn as string)!) } : heartbeat);
    } else if (route === 'puppets' || route.startsWith('puppets/')) {
      const [, id, action] = route.split('/');
      try {
        if (!id && req.method === 'GET') return sendJson(res, 200, puppets.list());
        if (!id && req.method === 'POST') return sendJson(res, 201, await puppets.create(PuppetManager.validate(await readJson(req))));
        if (id && !action && req.method === 'DELETE') return sendJson(res, 200, puppets.act(id, 'terminate', {}));
        if (id && action && req.method === 'POST') return sendJson(res, 200, puppets.act(id, action, (await readJson(req)) as Record<string, unknown>));
        return sendJson(res, 405, { error: 'use GET/POST /__wslab/puppets, POST /__wslab/puppets/ID/ACTION or DELETE /__wslab/puppets/ID' });
      } catch (err) {
        return sendJson(res, err instanceof HttpError ? err.status : 400, { error: (err as Error).message });
      }
    } else if (route === 'craft' && req.method === 'POST') {
      try {
        const request = parseCraftRequest(await readJson(req));
        return sendJson(res, 200, await craft(selfHost.replace(/^\[|\]$/g, ''), port, request, connByRemotePort));
      } catch (err) {
        return sendJson(res, err instanceof HttpError ? err.status : 400, { error: (err as Error).message });
      }
    } else if (await workshopApi.handle(req, res, route)) {
      // answered by the workshop (server/workshop/api.ts)
    } else if (await faultLabs.handleApi(req, res, route)) {
      // answered by the fault and flow labs
    } else if (route === 'nodes' || route === 'fanout' || route.startsWith('fanout/')) {
      if (req.method !== 'GET' && !roomGuard(req, res, 'stop, pause or restart the chat nodes, or cut them off from their broker')) return;
      await fanout!.api(req, res, route, url, sendJson, readJson);
    } else if (route === 'labs' && req.method === 'GET') {
      sendJson(res, 200, [...LABS.values(), { name: 'chat', description: CHAT_DESCRIPTION }].map((l) => ({ path: `/lab/${l.name}`, description: l.description })));
    } else if (route === 'health' && req.method === 'GET') {
      const mem = process.memoryUsage();
      sendJson(res, 200, {
        ok: true,
        uptimeMs: Math.round(bus.now()),
        connections: registry.size,
        observers: upgrades.observerCount(),
        headSeq: bus.headSeq,
        // what clients made the server buffer, against the budget; and the process as the OS sees it
        memory: { ...budget.snapshot(), historyReaders: historyReaders.active, rss: mem.rss, heapUsed: mem.heapUsed },
      });
    } else {
      sendText(res, 404, `No API at ${url.pathname}. See the README for /__wslab/connections, /__wslab/events, /__wslab/heartbeat, /__wslab/labs, /__wslab/workshop.`);
    }
  }

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    const wire = meter.request(req);
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://wslab.invalid');
    } catch {
      return sendText(res, 400, 'The request target is not a valid URL.');
    }
    // Cross-site request forgery: a page on another site can POST to 127.0.0.1 (a form, or fetch in
    // no-cors mode). Browsers send Origin with such requests, so a foreign Origin on anything that
    // changes state is refused, as it is on WebSocket upgrades. Scripts and curl send none.
    if (req.method !== 'GET' && req.method !== 'HEAD' && !originAllowed(req, allowOrigins)) {
      return sendJson(res, 403, { error: `Origin ${req.headers.origin} may not change this server (cross-site requests are refused).` });
    }
    if (url.pathname.startsWith('/__wslab/')) {
      api(req, res, url).catch((err) => {
        if (!res.headersSent) sendText(res, 500, `Internal error: ${(err as Error).message}`);
        else res.destroy();
      });
      return;
    }
    if (url.pathname === '/lab/login' && req.method === 'POST' && fanout) {
      fanout.login(req, res, readJson, sendJson).catch(() => res.destroy());
      return;
    }
    if (transports.handles(url.pathname)) return transports.handle(req, res, url, wire);
    if (url.pathname.startsWith('/lab/')) {
      return sendText(res, 426, `${url.pathname} is a WebSocket endpoint: connect with ws://HOST${url.pathname} (an HTTP GET with Upgrade: websocket).`, {
        Upgrade: 'websocket',
      });
    }
    if (!/(^|;\s*)wslab_session=/.test(req.headers.cookie ?? '')) {
      res.setHeader('Set-Cookie', `wslab_session=${randomBytes(9).toString('base64url')}; Path=/; SameSite=Lax`);
    }
    serveStatic(req, res, url.pathname);
  }

  const server = createServer({ maxHeaderSize: 16 * 1024 }, onRequest);
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.on('connection', (socket: Socket) => captureConnection(socket));
  server.on('upgrade', (req, socket, head) => {
    transports.noteUpgrade(req);
    if (!faultLabs.handleUpgrade(req, socket as Socket, head)) upgrades.handle(req, socket as Socket, head);
  });
  server.on('clientError', (err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\nMalformed HTTP request.\n');
    else socket.destroy();
    void err;
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  // Puppets and crafted frames always connect to this very server (loopback when bound to all).
  selfHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : shownHost;
  origin = `http://${selfHost}:${port}`;
  // The chat nodes listen on their own ports; pages of this server may open sockets to them. Bound
  // to every interface, pages also come from this machine's network addresses (a workshop room).
  const lanOrigins = networkOrigins(host, port);
  allowOrigins.push(`http://${shownHost}:${port}`, origin, `http://localhost:${port}`, ...(isWildcardHost(host) ? lanOrigins : []));
  joinUrls = lanOrigins.map((o) => `${o}/workshop`);
  try {
    fanout = await FanoutCluster.start(
      { bus, registry, host, heartbeat: () => heartbeat, allowOrigins, maxPayload: options.maxPayload ?? 64 * 1024, maxConnections: options.maxConnections ?? 10_000, upgradeRate: rate },
      options.fanout,
    );
  } catch (err) {
    room?.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw err;
  }

  return {
    url: `http://${shownHost}:${port}`,
    host,
    port,
    bus,
    registry,
    fanout,
    transports,
    budget,
    workshop: room && presenterKey ? { room, presenterKey, presenterUrl: `${origin}/workshop?key=${presenterKey}`, joinUrls } : null,
    setHeartbeat,
    async close() {
      room?.close();
      await fanout?.close();
      puppets.closeAll();
      faultLabs.close();
      transports.close();
      upgrades.close();
      for (const record of registry.all()) record.ws?.terminate();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
