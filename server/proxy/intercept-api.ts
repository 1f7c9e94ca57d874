// The intercept API of `wslab proxy` (server/core/api/intercept.ts has the request schemas):
//   POST   /__wslab/intercept            a rule → {id} (its match: RE2 syntax, run on the first MATCH_WINDOW_BYTES)
//   GET    /__wslab/intercept            the rules, the held messages, the intercepted connections
//   DELETE /__wslab/intercept/:id        removes a rule
//   GET    /__wslab/intercept/held       the held messages
//   POST   /__wslab/intercept/held/:id   {action: forward|drop, with?, hex?}
//   POST   /__wslab/intercept/inject     {conn, dir, text|hex}
// State-changing calls pass the server's Host and Origin checks like every other API (app.ts).
import type { Route } from '../http/routes.ts';
import { HttpError, readJson, sendJson } from '../http/json.ts';
import { HeldActionRequest, InjectRequest, InterceptRuleRequest, MATCH_WINDOW_BYTES, MAX_HELD, MAX_HELD_BYTES, MAX_RULES } from '../core/api/intercept.ts';
import type { WsProxy } from './relay.ts';

const NOT_PROXY = 'Intercept works on `wslab proxy TARGET` connections; this server proxies nothing.';

export function interceptRoutes(proxy: WsProxy | null): Route[] {
  const need = (): WsProxy => {
    if (!proxy) throw new HttpError(404, NOT_PROXY);
    return proxy;
  };
  const listing = (p: WsProxy) => ({
    rules: p.rules.list(),
    held: p.rules.heldList(),
    connections: p.carrier.openPairs().map((x) => ({ client: x.clientConn, upstream: x.upstreamConn })),
    limits: { rules: MAX_RULES, matchWindowBytes: MATCH_WINDOW_BYTES, held: MAX_HELD, heldBytes: MAX_HELD_BYTES },
  });
  return [
    { method: 'GET', path: '/__wslab/intercept', handle: ({ res }) => sendJson(res, 200, listing(need())) },
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
