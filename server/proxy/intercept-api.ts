// The intercept API of `wslab proxy` (server/core/api/intercept.ts has the request schemas):
//   POST   /__wslab/intercept            a rule → {id} (its match: RE2 syntax, run on the first MATCH_WINDOW_BYTES)
//   GET    /__wslab/intercept            the rules, the held messages, the intercepted connections
//   GET    /__wslab/intercept/live       the same as server-sent events: now, and on every change
//   DELETE /__wslab/intercept/:id        removes a rule
//   GET    /__wslab/intercept/held       the held messages
//   POST   /__wslab/intercept/held/:id   {action: forward|drop, with?, hex?}
//   POST   /__wslab/intercept/inject     {conn, dir, text|hex}
// State-changing calls pass the server's Host and Origin checks like every other API (app.ts).
import type { ServerResponse } from 'node:http';
import type { Route } from '../http/routes.ts';
import { HttpError, readJson, sendJson } from '../http/json.ts';
import { PAGE_HEADERS } from '../http/static.ts';
import { safeTimeout } from '../process/safe.ts';
import type { EventBus } from '../stream/bus.ts';
import type { Registry } from '../connection/registry.ts';
import type { ConnectionMeta } from '../connection/meta.ts';
import {
  HeldActionRequest,
  InjectRequest,
  InterceptRuleRequest,
  MATCH_WINDOW_BYTES,
  MAX_HELD,
  MAX_HELD_BYTES,
  MAX_RULES,
  type InterceptListing,
  type ProxiedConnection,
} from '../core/api/intercept.ts';
import type { WsProxy } from './relay.ts';

const NOT_PROXY = 'Intercept works on `wslab proxy TARGET` connections; this server proxies nothing.';
/** Live streams open at once (one per open Intercept page). */
export const MAX_LIVE_STREAMS = 16;
/** A live stream sends at most one state per this many ms: a burst of hits is one event. */
export const LIVE_MIN_GAP_MS = 100;
const OPEN_CLOSE = new Set(['conn.open', 'close']);

export function interceptRoutes(proxy: WsProxy | null, deps: { bus: EventBus; registry: Registry }): Route[] {
  const need = (): WsProxy => {
    if (!proxy) throw new HttpError(404, NOT_PROXY);
    return proxy;
  };
  const proxied = (): ProxiedConnection[] => {
    const out: ProxiedConnection[] = [];
    for (const { meta, ws } of deps.registry.all()) {
      if (meta.lab !== 'proxy') continue;
      const { conn, path, proxy: target, proxyMode, leg, peer } = meta as ConnectionMeta;
      out.push({ conn, path, proxy: target, proxyMode, leg, peer, readyState: ws ? ws.readyState : 0 });
    }
    return out;
  };
  const listing = (p: WsProxy): InterceptListing => ({
    rules: p.rules.list(),
    held: p.rules.heldList(),
    connections: p.carrier.openPairs().map((x) => ({ client: x.clientConn, upstream: x.upstreamConn })),
    proxied: proxied(),
    limits: { rules: MAX_RULES, matchWindowBytes: MATCH_WINDOW_BYTES, held: MAX_HELD, heldBytes: MAX_HELD_BYTES },
  });
  let liveStreams = 0;
  /** The state now, then again after every change: rules, held queue, hits, proxied connections opening or closing. */
  const live = (p: WsProxy, res: ServerResponse): void => {
    if (liveStreams >= MAX_LIVE_STREAMS) {
      res.setHeader('Retry-After', '1');
      return sendJson(res, 503, { error: `The server already has ${MAX_LIVE_STREAMS} intercept streams open (its cap); close an Intercept page or retry when one closes.` });
    }
    liveStreams++;
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', ...PAGE_HEADERS });
    let lastAt = -Infinity;
    let timer: NodeJS.Timeout | null = null;
    // a state the socket has not taken yet: the next one waits for 'drain' (one state buffered at most)
    let blocked = false;
    let dirty = false;
    let shown = new Set<string>();
    const send = () => {
      timer = null;
      if (blocked) {
        dirty = true;
        return;
      }
      dirty = false;
      lastAt = performance.now();
      const state = listing(p);
      shown = new Set(state.proxied.map((c) => c.conn));
      blocked = !res.write(`data: ${JSON.stringify(state)}\n\n`);
    };
    const schedule = () => {
      if (timer) return;
      timer = safeTimeout('the intercept stream', send, Math.max(0, lastAt + LIVE_MIN_GAP_MS - performance.now()));
    };
    res.on('drain', () => {
      blocked = false;
      if (dirty) schedule();
    });
    send();
    const offRules = p.rules.onChange(schedule);
    const offBus = deps.bus.subscribe(
      (e) => {
        if (e.type === 'conn.open' ? e.lab === 'proxy' : e.type === 'close' && shown.has(e.conn)) schedule();
      },
      { types: OPEN_CLOSE },
    );
    res.once('close', () => {
      liveStreams--;
      offRules();
      offBus();
      if (timer) clearTimeout(timer);
    });
  };
  return [
    { method: 'GET', path: '/__wslab/intercept', handle: ({ res }) => sendJson(res, 200, listing(need())) },
    { method: 'GET', path: '/__wslab/intercept/live', handle: ({ res }) => live(need(), res) },
    {
      method: 'POST',
      path: '/__wslab/intercept',
      handle: async ({ req, res }) => {
        const p = need();
        const rule = p.rules.add(InterceptRuleRequest.parse(await readJson(req)));
        sendJson(res, 201, { id: rule.id, rule });
      },
    },
    {
      method: 'DELETE',
      path: '/__wslab/intercept/:id',
      handle: ({ res, params }) => {
        if (!need().rules.remove(params.id!)) throw new HttpError(404, `No intercept rule ${params.id!.slice(0, 40)}.`);
        sendJson(res, 200, { deleted: params.id });
      },
    },
    { method: 'GET', path: '/__wslab/intercept/held', handle: ({ res }) => sendJson(res, 200, { held: need().rules.heldList() }) },
    {
      method: 'POST',
      path: '/__wslab/intercept/held/:id',
      handle: async ({ req, res, params }) => {
        const p = need();
        const b = HeldActionRequest.parse(await readJson(req));
        const replacement = b.with === undefined ? undefined : b.hex ? { data: Buffer.from(b.with.replace(/\s+/g, ''), 'hex'), binary: true } : { data: Buffer.from(b.with, 'utf8'), binary: false };
        const m = p.rules.release(params.id!, b.action, replacement);
        sendJson(res, 200, { id: m.id, action: b.action });
      },
    },
    {
      method: 'POST',
      path: '/__wslab/intercept/inject',
      handle: async ({ req, res }) => {
        const p = need();
        const b = InjectRequest.parse(await readJson(req));
        const pair = p.carrier.pair(b.conn);
        if (!pair) throw new HttpError(404, `No open intercepted connection ${b.conn.slice(0, 40)}: inject works on connections opened while a rule was in force (mode "intercept").`);
        const data = b.hex !== undefined ? Buffer.from(b.hex, 'hex') : Buffer.from(b.text ?? '', 'utf8');
        p.carrier.inject(b.conn, b.dir, data, b.hex !== undefined);
        sendJson(res, 200, { conn: b.conn, dir: b.dir, bytes: data.length });
      },
    },
  ];
}
