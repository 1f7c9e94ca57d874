// The wslab server: ONE Node process and ONE port serving the web app (HTTP) and the labs
// (WebSocket upgrades on the same server), plus the event stream that shows what crossed each socket.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { EventBus, filterFromQuery } from './stream/bus.ts';
import { Registry } from './connection/registry.ts';
import { createUpgradeHandler } from './connection/upgrade.ts';
import { originAllowed } from './http/origin.ts';
import { captureConnection } from './connection/tap/capture.ts';
import { createStaticHandler, sendText } from './http/static.ts';
import { HttpError, readJson, sendJson } from './http/json.ts';
import { DEFAULT_HEARTBEAT, HeartbeatRequest, type HeartbeatConfig } from './core/api/heartbeat.ts';
import { RateLimiter } from './http/rate-limit.ts';
import { LABS, LAB_APIS } from './labs/index.ts';
import { WEB_DIST } from './paths.ts';
import { PuppetManager, MAX_PUPPETS } from './playground/puppet.ts';
import { playgroundRoutes } from './playground/api.ts';
import { illustratedRoutes } from './illustrated/api.ts';
import { FanoutCluster, type FanoutOptions } from './labs/chat/cluster.ts';
import { chatRoutes } from './labs/chat/api.ts';
import { CHAT_DESCRIPTION } from './labs/chat/lab.ts';
import { createLinkApi } from './link/api.ts';
import { createRouter, type Route } from './http/routes.ts';
import { createHistoryReaders } from './http/history.ts';
import { processMemory, reportError } from './process/safe.ts';
import { DEFAULT_MEMORY_BUDGET, MemoryBudget } from './process/budget.ts';
import { craft, parseCraftRequest } from './playground/craft.ts';
import { WireMeter } from './http/wire-meter.ts';
import { TransportsLab, type TransportsOptions } from './labs/transports/lab.ts';
import { WorkshopRoom } from './workshop/room.ts';
import { workshopRoutes } from './workshop/api.ts';
import { roomTeaching } from './workshop/teaching.ts';
import { newPresenterKey } from './http/presenter.ts';
import { OPEN_ROOM, presenterGuard, OPEN_SESSIONS, sessionGuard } from './http/presenter-guard.ts';
import { isWildcardHost, networkOrigins } from './workshop/lan.ts';
import { HostRule } from './http/hosts.ts';
import { computeLimits, FdBudget, readOpenFileLimit, type Limits } from './process/limits.ts';
import { afterEarlierResponses, trackResponse } from './http/pipeline.ts';
import { closeGoingAway } from './process/shutdown.ts';
import { LoopDelayMonitor } from './process/loop-delay.ts';
import { MAX_SIMS } from './labs/ghosts/sim.ts';
import { MAX_LINK_CONNECTIONS } from './link/link.ts';
import { ChallengeTracker } from './challenges/tracker.ts';
import { challengeRoutes } from './challenges/api.ts';
import { conformRoutes } from './conform/api.ts';
import { WsProxy, isProxiedPath, type ProxyOptions } from './proxy/relay.ts';
import { conformServeMount } from './conform/serve-api.ts';
import { interceptRoutes } from './proxy/intercept-api.ts';
import { OPEN_STREAMS, workshopStreams } from './workshop/stream-access.ts';

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
  /**
   * the open-file limit (ulimit -n) the connection caps are sized from; default: this process's,
   * read at start (server/process/limits.ts); null: unknown, the defaults apply
   */
  fdLimit?: number | null;
  heartbeat?: Partial<HeartbeatConfig>;
  /** WebSocket upgrades per second per client address, and the burst allowed (default 500, 2000) */
  upgradeRate?: { perSecond: number; burst: number };
  /** origins allowed to open sockets besides the page's own */
  allowOrigins?: string[];
  /**
   * Host names (or name:port) requests may carry besides 127.0.0.1, localhost, [::1], the bound
   * address and, bound to all interfaces, this machine's network addresses (server/http/hosts.ts)
   */
  allowHosts?: string[];
  /** the built web app to serve (default dist/web) */
  webRoot?: string;
  /** keep challenge progress in DIR/challenges.json (server/challenges/store.ts); default: in memory only */
  stateDir?: string;
  /** the fan-out lab: nodes, broker (embedded unless `redis`), auth; see server/labs/chat/cluster.ts */
  fanout?: FanoutOptions;
  /** the transports lab's feed period, long-poll and stream caps, rate (server/labs/transports/lab.ts) */
  transports?: TransportsOptions;
  /**
   * workshop mode (`wslab start --workshop`): the /__wslab/workshop API, participants' names on
   * their connections, presenter actions behind a key (random per start unless given), and caps
   * sized for a room
   */
  workshop?: boolean | { presenterKey?: string; presenterName?: string; graceMs?: number };
  /**
   * bytes every buffer a client can make the server fill draws from: push labs' send buffers,
   * history readers, deflate contexts (server/process/budget.ts; default 256 MiB)
   */
  memoryBudget?: number;
  /** `wslab proxy`: forward every upgrade outside /__wslab/ and /lab/ to an upstream (server/proxy/) */
  proxy?: ProxyOptions;
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
  /** the memory budget every client-driven buffer draws from (server/process/budget.ts) */
  budget: MemoryBudget;
  /** workshop mode's room, key and URLs; null without it */
  workshop: WorkshopInfo | null;
  /** the connection caps in force and the open-file limit they were sized from */
  limits: Limits;
  /** `wslab proxy`'s relay; null without it */
  proxy: WsProxy | null;
  /** changes the heartbeat of one connection, or the default and every live connection */
  setHeartbeat(config: Partial<HeartbeatConfig>, conn?: string): boolean;
  /** stops on a signal: every lab, link and observer connection gets a 1001 close frame, then close() */
  shutdown(): Promise<void>;
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
  // DNS rebinding: every listener answers only Hosts it serves (server/http/hosts.ts)
  const hosts = new HostRule({ bound: host, allowHosts: options.allowHosts });
  const budget = new MemoryBudget(options.memoryBudget ?? DEFAULT_MEMORY_BUDGET);
  const historyReaders = createHistoryReaders(bus, budget);
  let fanout: FanoutCluster | null = null;
  // connection caps sized from the open-file limit, and one budget of descriptors they share
  const limits = computeLimits(options.fdLimit === undefined ? readOpenFileLimit() : options.fdLimit, {
    labConnections: options.maxConnections ?? 10_000,
    // every open page follows the event stream (labs pages twice): a room of 100 with a tab or
    // three each needs more than one learner's 200
    observers: options.maxObservers ?? (workshopOn ? 500 : 200),
    linkConnections: MAX_LINK_CONNECTIONS,
    simClients: MAX_SIMS,
    puppets: workshopOn ? 256 : MAX_PUPPETS,
  });
  const fds = new FdBudget(limits, {
    labConnections: () => registry.size,
    observers: () => upgrades.observerCount(),
    linkConnections: () => linkApi.link.conns.size,
    simClients: () => labApis.reduce((n, a) => n + (a.usage?.simClients?.() ?? 0), 0),
    puppets: () => puppets.size,
  });
  // in a workshop, each participant's event stream carries only their own connections' events
  const presenterKey = workshopOn ? ((typeof options.workshop === 'object' && options.workshop.presenterKey) || newPresenterKey()) : null;
  const streams = presenterKey ? workshopStreams(presenterKey) : OPEN_STREAMS;
  const conformServe = conformServeMount();
  const upgrades = createUpgradeHandler({
    // a participant's page counts as open while its event stream is (the room's grace period)
    streamScope: (req, url) => {
      const scope = streams.scopeOf(req, url);
      if (room && scope && typeof scope === 'object' && scope.owner) room.pageOpened(scope.owner, req.socket);
      return scope;
    },
    labs: LABS,
    bus,
    registry,
    maxPayload: options.maxPayload ?? 64 * 1024,
    maxConnections: limits.caps.labConnections,
    maxObservers: limits.caps.observers,
    admit: (kind) => fds.check(kind),
    heartbeat: () => heartbeat,
    allowOrigins,
    limiter: new RateLimiter(rate.perSecond, rate.burst),
    budget,
    route: (url, req, socket, head) => (fanout?.route(url, req, socket, head) ?? false) || conformServe.route(url, req, socket, head) || (proxy?.route(url, req, socket, head) ?? false),
  });
  const serveStatic = createStaticHandler(options.webRoot ?? WEB_DIST);
  let origin = '';
  let selfHost = '127.0.0.1';
  const puppets = new PuppetManager(bus, registry, () => origin, limits.caps.puppets);
  // the chaos link, simulated clients and backpressure producers (server/link/api.ts)
  // in a workshop, calls that change the whole room need the presenter key (server/http/presenter-guard.ts)
  const roomGuard = presenterKey ? presenterGuard(presenterKey) : OPEN_ROOM;
  const target = () => ({ host: selfHost.replace(/^\[|\]$/g, ''), port });
  const connByRemotePort = (remotePort: number): string | null => {
    for (const r of registry.all()) if (r.meta.remotePort === remotePort) return r.meta.conn;
    return null;
  };
  // ...and calls that change another participant's connections need it too
  const ownGuard = presenterKey ? sessionGuard(presenterKey) : OPEN_SESSIONS;
  const proxy = options.proxy ? new WsProxy(options.proxy, { bus, registry, heartbeat: () => heartbeat, admit: () => fds.check('labConnections'), budget }) : null;
  const linkApi = createLinkApi({ bus, roomGuard, sessionGuard: ownGuard, budget: fds, target, otherPaths: proxy ? isProxiedPath : undefined });
  const labApis = LAB_APIS.map((make) => make({ bus, registry, link: linkApi.link, roomGuard, sessionGuard: ownGuard, fdBudget: fds, target, origin: () => origin }));
  // every request is counted as it arrives, so each one's bytes are its own (server/http/wire-meter.ts)
  const meter = new WireMeter();
  const transports = new TransportsLab(bus, meter, allowOrigins, options.transports);
  const roomOptions = typeof options.workshop === 'object' ? options.workshop : {};
  const room = workshopOn ? new WorkshopRoom({ bus, registry, link: linkApi.link, heartbeat: () => heartbeat, graceMs: roomOptions.graceMs, presenterName: roomOptions.presenterName }) : null;
  const teaching = roomTeaching(bus, room, presenterKey);
  let joinUrls: string[] = [];
  // challenges: each learner's progress, watched from the bus (server/challenges/)
  const challenges = new ChallengeTracker({ bus, registry, persist: options.stateDir === undefined ? undefined : { dir: options.stateDir } });

  function setHeartbeat(config: Partial<HeartbeatConfig>, conn?: string): boolean {
    if (conn !== undefined) {
      const record = registry.get(conn);
      return record ? registry.configureHeartbeat(record, config) : false;
    }
    heartbeat = { ...heartbeat, ...config };
    for (const record of registry.all()) registry.configureHeartbeat(record, config);
    return true;
  }

  // The server's own routes; the link's, the labs', the workshop's and the playground's are theirs.
  const loopDelay = new LoopDelayMonitor();
  const serverRoutes: Route[] = [
    { method: 'GET', path: '/__wslab/connections', handle: ({ res }) => sendJson(res, 200, { count: registry.size, connections: registry.snapshot() }) },
    {
      method: 'GET',
      path: '/__wslab/events',
      handle: ({ req, res, url }) => {
        if (req.headers.upgrade) return sendText(res, 400, 'Upgrade requests for the event stream must use GET with Connection: Upgrade.');
        const sinceRaw = url.searchParams.get('since') ?? '0';
        if (!/^\d+$/.test(sinceRaw)) return sendText(res, 400, 'since must be a non-negative integer sequence number.');
        const untilRaw = url.searchParams.get('until');
        if (untilRaw !== null && !/^\d+$/.test(untilRaw)) return sendText(res, 400, 'until must be a non-negative integer sequence number (exclusive).');
        const scope = streams.scopeOf(req, url);
        if (typeof scope === 'string') return sendText(res, 403, scope);
        historyReaders.serve(res, Number(sinceRaw), { ...filterFromQuery(url.searchParams), scope }, untilRaw === null ? undefined : Number(untilRaw));
      },
    },
    { method: 'GET', path: '/__wslab/heartbeat', handle: ({ res }) => sendJson(res, 200, heartbeat) },
    {
      method: ['POST', 'PUT'],
      path: '/__wslab/heartbeat',
      handle: async ({ req, res }) => {
        const b = HeartbeatRequest.parse(await readJson(req));
        const change: Partial<HeartbeatConfig> = {};
        if (b.intervalMs !== undefined) change.intervalMs = b.intervalMs;
        if (b.maxMisses !== undefined) change.maxMisses = b.maxMisses;
        if (b.conn === undefined && !roomGuard(req, res, 'change the heartbeat of every connection (give "conn" to change one)')) return;
        const record = b.conn === undefined ? undefined : registry.get(b.conn);
        if (record && !ownGuard(req, res, [{ id: record.meta.conn, owner: record.meta.owner }], 'change the heartbeat')) return;
        if (!setHeartbeat(change, b.conn)) throw new HttpError(404, `no live connection ${b.conn}`);
        sendJson(res, 200, b.conn ? { conn: b.conn, ...registry.describeHeartbeat(registry.get(b.conn)!) } : heartbeat);
      },
    },
    {
      method: 'GET',
      path: '/__wslab/labs',
      handle: ({ res }) => sendJson(res, 200, [...LABS.values(), { name: 'chat', description: CHAT_DESCRIPTION }].map((l) => ({ path: `/lab/${l.name}`, description: l.description }))),
    },
    {
      method: 'GET',
      path: '/__wslab/health',
      handle: ({ res }) => {
        const mem = processMemory();
        sendJson(res, 200, {
          ok: true,
          uptimeMs: Math.round(bus.now()),
          connections: registry.size,
          observers: upgrades.observerCount(),
          headSeq: bus.headSeq,
          // what clients made the server buffer, against the budget; and the process as the OS sees it
          memory: { ...budget.snapshot(), historyReaders: historyReaders.active, rss: mem.rss, heapUsed: mem.heapUsed },
          loopDelay: loopDelay.latest,
        });
      },
    },
  ];
  const router = createRouter([
    ...serverRoutes,
    ...linkApi.routes,
    ...labApis.flatMap((a) => a.routes),
    ...workshopRoutes({ room, presenterKey, joinUrls: () => joinUrls }),
    ...teaching.routes,
    ...playgroundRoutes({ puppets, target, connByRemotePort, sessionGuard: ownGuard, admitPuppet: () => fds.check('puppets') }),
    ...challengeRoutes(challenges),
    ...chatRoutes(() => fanout, roomGuard),
    ...illustratedRoutes({ bus, target }),
    ...conformServe.routes,
    ...conformRoutes({ target, roomGuard }),
    ...streams.routes,
    ...interceptRoutes(proxy, { bus, registry }),
  ]);

  async function api(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (router.dispatch(req, res, url)) return;
    const known = [...new Set(router.routes.map((r) => r.path))].join(', ');
    sendText(res, 404, `No API at ${url.pathname}. The API's routes: ${known}.`);
  }

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    trackResponse(req.socket, res);
    const wire = meter.request(req);
    if (!hosts.checkRequest(req, res)) return;
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
    if (!hosts.checkUpgrade(req, socket as Socket)) return;
    transports.noteUpgrade(req);
    // pipelined after a request still being answered: the 101 goes after that response
    afterEarlierResponses(socket as Socket, () => {
      if (!linkApi.handleUpgrade(req, socket as Socket, head)) upgrades.handle(req, socket as Socket, head);
    });
  });
  // accept() failing (EMFILE when the open-file limit is reached) is an 'error' on the server:
  // logged, and the server goes on accepting once descriptors are free again
  server.on('error', (err) => reportError('accepting a connection', err));
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
  hosts.addPort(port);
  const shownHost = host.includes(':') ? `[${host}]` : host;
  // Puppets and crafted frames always connect to this very server (loopback when bound to all).
  selfHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : shownHost;
  origin = `http://${selfHost}:${port}`;
  // The chat nodes listen on their own ports; pages of this server may open sockets to them. Bound
  // to every interface, pages also come from this machine's network addresses (a workshop room).
  const lanOrigins = networkOrigins(host, port);
  // Pages are ours when they come from a Host we serve (never merely because Origin matches Host).
  allowOrigins.push(`http://${shownHost}:${port}`, origin, `http://localhost:${port}`, ...(isWildcardHost(host) ? lanOrigins : []), ...hosts.origins(port));
  joinUrls = lanOrigins.map((o) => `${o}/workshop`);
  try {
    fanout = await FanoutCluster.start(
      { bus, registry, host, hosts, heartbeat: () => heartbeat, allowOrigins, maxPayload: options.maxPayload ?? 64 * 1024, maxConnections: limits.caps.labConnections, upgradeRate: rate },
      options.fanout,
    );
  } catch (err) {
    room?.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw err;
  }

  async function close(): Promise<void> {
    loopDelay.close();
    room?.close();
    teaching.close();
    await challenges.close();
    await fanout?.close();
    puppets.closeAll();
    for (const a of labApis) a.close?.();
    linkApi.close();
    transports.close();
    upgrades.close();
    proxy?.close();
    conformServe.close();
    for (const record of registry.all()) record.ws?.terminate();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
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
    limits,
    proxy,
    setHeartbeat,
    async shutdown() {
      // no new connections; those open get 1001 and a moment to answer it (server/process/shutdown.ts)
      server.close();
      const sockets = [...[...registry.all()].map((r) => r.ws), ...upgrades.observers()];
      await closeGoingAway(sockets);
      await close();
    },
    close,
  };
}
