// The playground's HTTP API: puppets (WebSockets the server opens to its own labs and drives on
// the page's behalf) and crafted frames (raw bytes sent on a fresh connection).
//
//   GET    /__wslab/puppets                  every puppet
//   POST   /__wslab/puppets {path, protocols?, headers?, autoPong?, perMessageDeflate?}
//   POST   /__wslab/puppets/ID/ACTION {...}  send, ping, close, pause, resume, autopong, ...
//   DELETE /__wslab/puppets/ID               terminate it
//   POST   /__wslab/craft {frames, waitMs?}  send crafted frames on a new connection
import { HttpError, readJson, sendJson } from '../http/json.ts';
import type { Route, RouteContext } from '../http/routes.ts';
import type { SessionGuard } from '../http/presenter-guard.ts';
import { requestOwner } from '../http/session.ts';
import { PuppetManager } from './puppet.ts';
import { craft, parseCraftRequest } from './craft.ts';

export interface PlaygroundApiOptions {
  puppets: PuppetManager;
  /** this server's address, known once it listens */
  target(): { host: string; port: number };
  /** the server conn whose client used this local port, to tag crafted connections */
  connByRemotePort(port: number): string | null;
  /** in a workshop: a participant drives only the puppets they started */
  sessionGuard: SessionGuard;
  /** null when one more puppet fits the server's descriptor budget, else the 503 sentence */
  admitPuppet(): string | null;
}

export function playgroundRoutes({ puppets, target, connByRemotePort, sessionGuard, admitPuppet }: PlaygroundApiOptions): Route[] {
  /** runs `handle` when the puppet is the caller's (or the caller has the presenter key); unknown ids fall through to 404 */
  const own = (handle: (ctx: RouteContext) => unknown) => (ctx: RouteContext) => {
    const id = ctx.params.id!;
    if (puppets.list().some((p) => p.id === id) && !sessionGuard(ctx.req, ctx.res, [{ id: `puppet ${id}`, owner: puppets.ownerOf(id) }], 'drive or close a puppet')) return;
    return handle(ctx);
  };
  return [
    { method: 'GET', path: '/__wslab/puppets', handle: ({ res }) => sendJson(res, 200, puppets.list()) },
    { method: 'POST', path: '/__wslab/puppets', handle: async ({ req, res }) => {
        const full = admitPuppet();
        if (full) throw new HttpError(503, full);
        sendJson(res, 201, await puppets.create(PuppetManager.validate(await readJson(req)), requestOwner(req)));
      },
    },
    { method: 'DELETE', path: '/__wslab/puppets/:id', handle: own(({ res, params }) => sendJson(res, 200, puppets.act(params.id!, 'terminate', {}))) },
    {
      method: 'POST',
      path: '/__wslab/puppets/:id/:action',
      handle: own(async ({ req, res, params }) => sendJson(res, 200, puppets.act(params.id!, params.action!, (await readJson(req)) as Record<string, unknown>))),
    },
    {
      method: 'POST',
      path: '/__wslab/craft',
      handle: async ({ req, res }) => {
        const request = parseCraftRequest(await readJson(req));
        const { host, port } = target();
        sendJson(res, 200, await craft(host, port, request, connByRemotePort));
      },
    },
  ];
}
