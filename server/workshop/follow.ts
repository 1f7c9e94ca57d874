// Follow-me: the presenter moves the room to a page of the app (a lesson section, a lab, a
// challenge); every participant's pages receive a room-level `follow` event and navigate there,
// unless the participant opted out (their page then says where the room is, with a catch-up link).
//
//   GET  /__wslab/workshop/follow    where the room is: {path, label, t} or {path: null}
//   POST /__wslab/workshop/follow    presenter: {path, label} → 200 and the `follow` event
//
// Only the presenter moves the room: the check is here, on the server, not in the page.
import type { EventBus } from '../stream/bus.ts';
import { HttpError, readJsonObject, sendJson } from '../http/json.ts';
import type { RoomGuard } from '../http/presenter-guard.ts';
import type { Route } from '../http/routes.ts';

/** The pages the room can be moved to: app routes only, never another site. */
export const FOLLOW_PATH_RE = /^\/(lessons|labs|challenges|playground|inspect|decode|illustrated|revise|glossary|cheatsheet|workshop)(\/[A-Za-z0-9._~-]{1,80})?(#[A-Za-z0-9._~-]{1,80})?$/;
export const LABEL_MAX = 120;

export interface RoomLocation {
  path: string;
  label: string;
  /** ms on the event clock */
  t: number;
}

export class RoomFollow {
  location: RoomLocation | null = null;

  constructor(private readonly bus: EventBus) {}

  move(body: Record<string, unknown>): RoomLocation {
    if (typeof body.path !== 'string' || !FOLLOW_PATH_RE.test(body.path)) {
      throw new HttpError(400, 'path must be a page of this app such as "/lessons/04-frames-and-opcodes#masking", "/labs/echo" or "/challenges"');
    }
    const rawLabel = typeof body.label === 'string' ? body.label.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim() : '';
    if (rawLabel.length > LABEL_MAX) throw new HttpError(400, `label must be at most ${LABEL_MAX} characters`);
    const label = rawLabel || body.path;
    const e = this.bus.publish({ type: 'follow', path: body.path, label });
    this.location = { path: body.path, label, t: e.t };
    return this.location;
  }
}

export function followRoutes(follow: RoomFollow, presenter: RoomGuard): Route[] {
  return [
    { method: 'GET', path: '/__wslab/workshop/follow', handle: ({ res }) => sendJson(res, 200, follow.location ?? { path: null }) },
    {
      method: 'POST',
      path: '/__wslab/workshop/follow',
      handle: async ({ req, res }) => {
        if (!presenter(req, res, 'move the room to another page')) return;
        sendJson(res, 200, follow.move(await readJsonObject(req)));
      },
    },
  ];
}
