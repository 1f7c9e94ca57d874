// The fault and flow labs' server side, wired into the app with three calls: handleUpgrade (lab
// URLs with ?link=TAG go through the chaos link), handleApi (/__wslab/link, /__wslab/sim,
// /__wslab/flow) and close.
//
//   GET  /__wslab/link                       defaults and live link connections (first 500)
//   POST /__wslab/link   {conditions}         change the defaults and every live link connection
//   POST /__wslab/link   {link|tag|conn, conditions}   change the selected connections only
//   POST /__wslab/link/reset {link|tag|conn}? RST both ways (all when no selector)
//   GET  /__wslab/sim                        simulated clients: clients, alive, blackholed, believed, memory
//   POST /__wslab/sim/spawn {count, heartbeatMs?, misses?, stateBytes?}
//   POST /__wslab/sim/blackhole {count? | all: true, on?: boolean}
//   POST /__wslab/sim/heartbeat {intervalMs, maxMisses}   every /lab/ghosts connection, and new ones
//   DELETE /__wslab/sim                      close every simulated client
//   GET  /__wslab/sim/costs                  one real HTTP poll vs one real ping + pong, in bytes
//   GET  /__wslab/flow                       live backpressure producers
//   POST /__wslab/flow {config, link?}       start a consumer through the link; returns its conn and link
//   POST /__wslab/flow/CONN {config}         change a producer live (strategy, rate, size, ...)
//   DELETE /__wslab/flow/CONN                close that consumer
import { OPEN_ROOM, type RoomGuard } from '../workshop/guard.ts';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import type { EventBus } from '../events/bus.ts';
import type { Registry } from '../registry.ts';
import { captureFor } from '../tap/capture.ts';
import { refuse } from '../upgrade.ts';
import { HttpError, readJsonObject, sendJson } from '../http/json.ts';
import { ChaosLink, LinkError, type LinkConnection, type LinkSelector } from './link.ts';
import { ConditionError, parseConditionChange } from './conditions.ts';
import { SimClients, SimError } from '../sim/clients.ts';
import { lastPingPong, measurePoll } from '../sim/costs.ts';
import { flowSessions } from '../labs/backpressure.ts';
import { DEFAULT_FLOW, FlowConfigError, mergeFlowConfig } from '../flow/producer.ts';

const TAG_RE = /^[A-Za-z0-9_-]{1,64}$/;
const LAB_PATH_RE = /^\/lab\/[a-z0-9-]+(?:\/[a-z0-9-]+)?\/?$/;
const MAX_CONSUMERS = 16;

export interface FaultLabsOptions {
  bus: EventBus;
  registry: Registry;
  /** in a workshop: refuses calls that change every link connection or the shared simulated clients (workshop/guard.ts) */
  roomGuard?: RoomGuard;
  /** this server's address, known once it listens */
  target: () => { host: string; port: number };
}

/** The target without its link parameter: /lab/echo?link=x&a=1 → /lab/echo?a=1. */
export function stripLinkParam(target: string): string {
  const q = target.indexOf('?');
  if (q < 0) return target;
  const kept = target
    .slice(q + 1)
    .split('&')
    .filter((p) => p !== '' && !/^link(=|$)/.test(p));
  return target.slice(0, q) + (kept.length ? `?${kept.join('&')}` : '');
}

function selector(b: Record<string, unknown>): LinkSelector | null {
  const sel: LinkSelector = {};
  for (const key of ['link', 'tag', 'conn'] as const) {
    const v = b[key];
    if (v === undefined) continue;
    if (typeof v !== 'string' || !TAG_RE.test(v)) throw new HttpError(400, `${key} must be an id like "L3", "c12" or a tag of letters, digits, _ and -`);
    sel[key] = v;
  }
  return Object.keys(sel).length ? sel : null;
}

export function describeLink(lc: LinkConnection) {
  return {
    link: lc.id,
    conn: lc.conn,
    tag: lc.tag,
    path: lc.path,
    conditions: lc.conditions,
    counters: lc.counters(),
    clientClosed: lc.clientClosed,
    serverClosed: lc.serverClosed,
  };
}

export function createFaultLabs(options: FaultLabsOptions) {
  const { bus, registry } = options;
  const roomGuard = options.roomGuard ?? OPEN_ROOM;
  const link = new ChaosLink({ bus, target: options.target });
  const origin = () => {
    const { host, port } = options.target();
    return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  };
  const sims = new SimClients(bus, registry, link, origin);
  /** consumers started by POST /__wslab/flow, by server conn */
  const consumers = new Map<string, WebSocket>();
  let consumerCounter = 0;

  /** Lab URLs with ?link=TAG: hand the socket to the chaos link. Returns false for everything else. */
  function handleUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): boolean {
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    if (q < 0 || !/(^|&)link(=|&|$)/.test(target.slice(q + 1))) return false;
    if (!LAB_PATH_RE.test(target.slice(0, q))) return false;
    socket.on('error', () => {});
    const tag = new URLSearchParams(target.slice(q + 1)).get('link') || 'link';
    const capture = captureFor(socket);
    const requestLine = `${req.method} ${target} HTTP/${req.httpVersion}`;
    const raw = capture ? capture.takeRequest(requestLine, head) : null;
    if (!TAG_RE.test(tag)) {
      refuse(socket, 400, 'link=TAG must be 1 to 64 letters, digits, _ or -.');
      return true;
    }
    const path = stripLinkParam(target);
    let request: Buffer;
    if (raw && raw.length) {
      // the request exactly as the client sent it, with the link parameter taken out of its target
      const lineEnd = raw.indexOf('\r\n');
      request = Buffer.concat([Buffer.from(`${req.method} ${path} HTTP/${req.httpVersion}`, 'latin1'), raw.subarray(lineEnd), head]);
    } else {
      const lines = [`${req.method} ${path} HTTP/${req.httpVersion}`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      request = Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1'), head]);
    }
    try {
      // Simulated clients are quiet (there may be thousands), except the backpressure lab's one
      // consumer (tag flowN): its page charts what the link forwards, from the link's stats events.
      link.attach(socket, request, { path, tag, quiet: req.headers['x-wslab-client'] === 'sim' && !/^flow\d+$/.test(tag) });
    } catch (err) {
      refuse(socket, err instanceof LinkError ? err.status : 500, (err as Error).message);
    }
    return true;
  }

  async function linkApi(req: IncomingMessage, res: ServerResponse, action: string | undefined): Promise<void> {
    if (!action && req.method === 'GET') {
      const list = [...link.conns.values()];
      return sendJson(res, 200, { defaults: link.defaults, count: list.length, connections: list.slice(0, 500).map(describeLink) });
    }
    if (!action && req.method === 'POST') {
      const b = await readJsonObject(req);
      const sel = selector(b);
      if (!sel && !roomGuard(req, res, 'change the chaos link of every connection (give "conn", "link" or "tag" to change yours)')) return;
      const change = parseConditionChange(b);
      const changed = link.configure(change, sel);
      if (sel && changed.length === 0) throw new HttpError(404, `no live link connection matches ${JSON.stringify(sel)}`);
      return sendJson(res, 200, { ...(sel ? {} : { defaults: link.defaults }), changed: changed.length, connections: changed.slice(0, 500).map(describeLink) });
    }
    if (action === 'reset' && req.method === 'POST') {
      const sel = selector(await readJsonObject(req));
      if (!sel && !roomGuard(req, res, 'reset every link connection (give "conn", "link" or "tag" to reset yours)')) return;
      const chosen = link.reset(sel);
      if (sel && chosen.length === 0) throw new HttpError(404, `no live link connection matches ${JSON.stringify(sel)}`);
      return sendJson(res, 200, { reset: chosen.length, links: chosen.map((lc) => lc.id) });
    }
    throw new HttpError(405, 'use GET/POST /__wslab/link or POST /__wslab/link/reset');
  }

  async function simApi(req: IncomingMessage, res: ServerResponse, action: string | undefined): Promise<void> {
    if (!action && req.method === 'GET') return sendJson(res, 200, { ...sims.stats(), heartbeat: sims.heartbeat });
    if (req.method !== 'GET' && !roomGuard(req, res, 'start, blackhole or close the simulated clients (the room shares them)')) return;
    if (!action && req.method === 'DELETE') return sendJson(res, 200, { closed: sims.clear(), ...sims.stats() });
    if (action === 'spawn' && req.method === 'POST') {
      const b = await readJsonObject(req);
      const int = (k: string, min: number, max: number): number | undefined => {
        const v = b[k];
        if (v === undefined) return undefined;
        if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new HttpError(400, `${k} must be an integer from ${min} to ${max}`);
        return v;
      };
      const count = int('count', 1, 5000) ?? 1;
      const heartbeatMs = int('heartbeatMs', 0, 3_600_000);
      if (heartbeatMs !== undefined && heartbeatMs > 0 && heartbeatMs < 50) throw new HttpError(400, 'heartbeatMs must be 0 (off) or at least 50');
      const result = await sims.spawn({ count, heartbeatMs, misses: int('misses', 1, 100), stateBytes: int('stateBytes', 0, 256 * 1024) });
      return sendJson(res, 200, { ...result, ...sims.stats() });
    }
    if (action === 'blackhole' && req.method === 'POST') {
      const b = await readJsonObject(req);
      const on = b.on === undefined ? true : b.on;
      if (typeof on !== 'boolean') throw new HttpError(400, 'on must be true or false');
      let count: number | 'all' = 'all';
      if (b.all !== true) {
        if (typeof b.count !== 'number' || !Number.isInteger(b.count) || b.count < 1) throw new HttpError(400, 'give {"all": true} or {"count": N}');
        count = b.count;
      }
      const changed = sims.blackhole(count, on);
      return sendJson(res, 200, { changed, ...sims.stats() });
    }
    if (action === 'heartbeat' && req.method === 'POST') {
      const b = await readJsonObject(req);
      const ms = b.intervalMs;
      const misses = b.maxMisses ?? sims.heartbeat.maxMisses;
      if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < 0 || ms > 3_600_000 || (ms > 0 && ms < 50)) {
        throw new HttpError(400, 'intervalMs must be 0 (off) or an integer from 50 to 3600000');
      }
      if (typeof misses !== 'number' || !Number.isInteger(misses) || misses < 1 || misses > 100) throw new HttpError(400, 'maxMisses must be an integer from 1 to 100');
      const applied = sims.setHeartbeat(ms, misses);
      return sendJson(res, 200, { heartbeat: sims.heartbeat, applied });
    }
    if (action === 'costs' && req.method === 'GET') {
      const { host, port } = options.target();
      const poll = await measurePoll(host, port);
      const pair = lastPingPong(bus);
      return sendJson(res, 200, {
        poll,
        ping: pair?.ping ?? null,
        pong: pair?.pong ?? null,
        pingPongBytes: pair ? pair.ping.bytes + pair.pong.bytes : null,
        pollBytes: poll.requestBytes + poll.responseBytes,
      });
    }
    throw new HttpError(405, 'use GET/DELETE /__wslab/sim, POST /__wslab/sim/spawn|blackhole|heartbeat or GET /__wslab/sim/costs');
  }

  /**
   * Opens a consumer through the link, then applies the link conditions (after the handshake: a
   * link that does not read the server would never let the 101 through); resolves with its server conn.
   */
  function startConsumer(query: string, conditions: Record<string, unknown>): Promise<{ conn: string; link: string; ws: WebSocket }> {
    const tag = `flow${++consumerCounter}`;
    const change = parseConditionChange(conditions);
    const ws = new WebSocket(`${origin().replace(/^http/, 'ws')}/lab/backpressure?${query}&link=${tag}`, {
      headers: { 'x-wslab-client': 'sim' },
      perMessageDeflate: false,
      handshakeTimeout: 15_000,
    });
    ws.on('error', () => {});
    return new Promise((resolve, reject) => {
      ws.once('open', () => {
        const lc = link.select({ tag })[0];
        if (!lc?.conn) {
          ws.terminate();
          return reject(new HttpError(500, 'the consumer opened but its server connection was not found'));
        }
        if (Object.keys(change).length) lc.configure(change);
        resolve({ conn: lc.conn, link: lc.id, ws });
      });
      ws.once('close', () => reject(new HttpError(502, 'the consumer could not connect')));
    });
  }

  async function flowApi(req: IncomingMessage, res: ServerResponse, conn: string | undefined): Promise<void> {
    const all = flowSessions(bus);
    if (!conn && req.method === 'GET') return sendJson(res, 200, [...all.values()].map((s) => s.snapshot()));
    if (!conn && req.method === 'POST') {
      if (consumers.size >= MAX_CONSUMERS) throw new HttpError(429, `at most ${MAX_CONSUMERS} consumers at a time; close one first`);
      const b = await readJsonObject(req);
      const { link: linkConditions, ...change } = b;
      const config = mergeFlowConfig(DEFAULT_FLOW, change);
      if (linkConditions !== undefined && (typeof linkConditions !== 'object' || linkConditions === null)) throw new HttpError(400, 'link must be an object of link conditions');
      const query = Object.entries(config)
        .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`)
        .join('&');
      const { conn: c, link: l, ws } = await startConsumer(query, (linkConditions ?? {}) as Record<string, unknown>);
      consumers.set(c, ws);
      ws.once('close', () => consumers.delete(c));
      return sendJson(res, 201, { conn: c, link: l, config });
    }
    if (!conn) throw new HttpError(405, 'use GET/POST /__wslab/flow');
    const session = all.get(conn);
    if (req.method === 'POST') {
      if (!session) throw new HttpError(404, `no backpressure producer on ${conn}`);
      const config = session.configure(await readJsonObject(req));
      return sendJson(res, 200, { conn, config, stats: session.snapshot() });
    }
    if (req.method === 'DELETE') {
      const ws = consumers.get(conn);
      if (!ws) throw new HttpError(404, `no consumer ${conn} started here`);
      // The consumer's link may be paused or blackholed: reset it so both ends go at once.
      link.reset({ conn });
      ws.terminate();
      consumers.delete(conn);
      return sendJson(res, 200, { closed: conn });
    }
    throw new HttpError(405, 'use POST or DELETE /__wslab/flow/CONN');
  }

  /** /__wslab/link..., /__wslab/sim..., /__wslab/flow...: answers and returns true; false for other routes. */
  async function handleApi(req: IncomingMessage, res: ServerResponse, route: string): Promise<boolean> {
    const [area, sub, extra] = route.split('/');
    if (area !== 'link' && area !== 'sim' && area !== 'flow') return false;
    try {
      if (extra !== undefined) throw new HttpError(404, `no API at /__wslab/${route}`);
      if (area === 'link') await linkApi(req, res, sub);
      else if (area === 'sim') await simApi(req, res, sub);
      else await flowApi(req, res, sub);
    } catch (err) {
      const status = err instanceof HttpError || err instanceof SimError ? err.status : err instanceof ConditionError || err instanceof FlowConfigError ? 400 : 500;
      if (!res.headersSent) sendJson(res, status, { error: (err as Error).message });
    }
    return true;
  }

  function close(): void {
    sims.close();
    for (const ws of consumers.values()) ws.terminate();
    consumers.clear();
    link.close();
  }

  return { link, sims, handleUpgrade, handleApi, close };
}
