// The workshop's HTTP API, under /__wslab/workshop. Participants are whoever holds a wslab_session
// cookie (the page sets one); the presenter is whoever holds the key. State-changing requests have
// already passed the server's cross-site Origin check (app.ts) like every other POST.
//
//   GET  /__wslab/workshop            the room: participants, what is in force, join URLs, you
//   POST /__wslab/workshop/join       {name}: join or rename (by the wslab_session cookie)
//   POST /__wslab/workshop/leave      leave the room
//   GET  /__wslab/workshop/presenter  Authorization: Bearer KEY → 200 when the key is right
//   POST /__wslab/workshop/action     Authorization: Bearer KEY; {action, participant?, ...}
//   POST /__wslab/workshop/remove     Authorization: Bearer KEY; {participant}: takes them out of the
//                                     room (their lab connections close with 4003; they cannot rejoin)
//
// Without --workshop every one of them answers 404 with the command that turns it on.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, readJsonObject, sendJson } from '../http/json.ts';
import { SESSION_RE, cookieOf } from '../http/session.ts';
import { presenterGuard } from '../http/presenter-guard.ts';
import type { WorkshopRoom } from './room.ts';
import type { Route, RouteContext } from '../http/routes.ts';

export const WORKSHOP_OFF =
  'Workshop mode is off. Start the server with: npx wslab start --workshop --host 0.0.0.0 (--host 0.0.0.0 lets participants on your network in; leave it out to try it alone).';

export interface WorkshopApiOptions {
  room: WorkshopRoom | null;
  presenterKey: string | null;
  /** where participants open the workshop page (none when the server listens on loopback only) */
  joinUrls: () => string[];
}

function session(req: IncomingMessage): string {
  const s = cookieOf(req, 'wslab_session');
  if (!s || !SESSION_RE.test(s)) {
    throw new HttpError(400, 'no wslab_session cookie: open /workshop in a browser (the page sets it), or send Cookie: wslab_session=ID');
  }
  return s;
}

/** The workshop's routes; without --workshop each answers 404 with how to turn it on. */
export function workshopRoutes(options: WorkshopApiOptions): Route[] {
  const { room, presenterKey } = options;

  const presenterOnly = presenterKey ? presenterGuard(presenterKey) : null;
  function requirePresenter(req: IncomingMessage, res: ServerResponse): boolean {
    return presenterOnly!(req, res, '');
  }

  function state(req: IncomingMessage): object {
    const own = cookieOf(req, 'wslab_session');
    const you = own ? room!.bySessionId(own) : undefined;
    const counts = new Map<string, number>();
    for (const r of room!.recordsOf(null)) counts.set(r.meta.name!, (counts.get(r.meta.name!) ?? 0) + 1);
    return {
      enabled: true,
      now: Math.round(room!.now() * 1000) / 1000,
      participants: room!.participants().map((p) => ({ id: p.id, name: p.name, joinedAt: p.joinedAt, conns: counts.get(p.name) ?? 0 })),
      effects: room!.activeEffects(),
      heartbeat: room!.heartbeat,
      graceMs: room!.graceMs,
      joinUrls: options.joinUrls(),
      you: you ? { id: you.id, name: you.name } : null,
    };
  }

  /** Runs `handle` with the room, or answers 404 (and how to turn it on) without --workshop. */
  const inRoom = (handle: (ctx: RouteContext, room: WorkshopRoom) => unknown) => (ctx: RouteContext) =>
    room && presenterKey ? handle(ctx, room) : sendJson(ctx.res, 404, { error: WORKSHOP_OFF, enabled: false });

  return [
    { method: 'GET', path: '/__wslab/workshop', handle: inRoom(({ req, res }) => sendJson(res, 200, state(req))) },
    {
      method: 'POST',
      path: '/__wslab/workshop/join',
      handle: inRoom(async ({ req, res }, room) => {
        const s = session(req);
        const body = await readJsonObject(req);
        const { participant, event } = room.join(s, body.name);
        sendJson(res, event?.type === 'workshop' && event.action === 'join' ? 201 : 200, { id: participant.id, name: participant.name });
      }),
    },
    {
      method: 'POST',
      path: '/__wslab/workshop/leave',
      handle: inRoom(({ req, res }, room) => {
        const event = room.leave(session(req));
        if (!event) throw new HttpError(404, 'you are not in the room');
        sendJson(res, 200, { left: event.type === 'workshop' ? event.participant : null });
      }),
    },
    {
      method: 'GET',
      path: '/__wslab/workshop/presenter',
      handle: inRoom(({ req, res }) => {
        if (requirePresenter(req, res)) sendJson(res, 200, { presenter: true });
      }),
    },
    {
      method: 'POST',
      path: '/__wslab/workshop/action',
      handle: inRoom(async ({ req, res }, room) => {
        if (requirePresenter(req, res)) sendJson(res, 200, room.act(await readJsonObject(req)));
      }),
    },
    {
      method: 'POST',
      path: '/__wslab/workshop/remove',
      handle: inRoom(async ({ req, res }, room) => {
        if (requirePresenter(req, res)) sendJson(res, 200, { event: room.remove((await readJsonObject(req)).participant) });
      }),
    },
  ];
}
