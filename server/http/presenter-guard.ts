// Workshop mode: what only the presenter may do to the whole room, or to someone else's connection.
//
// The lab APIs stay open in a workshop: participants run the labs on their own connections
// (`conn`, `link` or `tag` selectors), the ones their browser opened with its wslab_session cookie
// (or that the server opened for them: puppets, flow consumers). A selector that reaches any other
// session's connection needs the presenter key, whatever it names: every participant's room socket
// carries the same `workshop` tag, so "my tag" is no proof of ownership. A call that would change every connection at once, the
// room's default heartbeat, every chaos link, the shared pool of simulated clients, the chat nodes
// and their broker, needs the presenter key (Authorization: Bearer KEY), so that one participant
// cannot blackhole, slow down or cut off the room with a click. Without workshop mode, the server
// is one learner's, and nothing is guarded.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from './json.ts';
import { checkPresenter } from './presenter.ts';
import { requestOwner } from './session.ts';

/**
 * True when the request may go on. Otherwise it has answered 401 (no key) or 403 (a wrong key)
 * saying what was refused; `what` completes "only the presenter may …".
 */
export type RoomGuard = (req: IncomingMessage, res: ServerResponse, what: string) => boolean;

/** Not a workshop: every call is the learner's own. */
export const OPEN_ROOM: RoomGuard = () => true;

export function presenterGuard(key: string): RoomGuard {
  return (req, res, what) => {
    const check = checkPresenter(req.headers.authorization, key);
    if (check.ok) return true;
    const how = check.status === 401 ? 'Ask the presenter, or send the presenter key (Authorization: Bearer KEY).' : 'The presenter key sent is wrong.';
    const error = what ? `In workshop mode only the presenter may ${what}: it affects everyone in the room. ${how}` : check.error;
    sendJson(res, check.status, { error }, check.status === 401 ? { 'WWW-Authenticate': 'Bearer realm="wslab workshop presenter"' } : {});
    return false;
  };
}

/** A connection a call would change, and whose it is (its owner's public session id, or null). */
export interface Target {
  /** what the refusal calls it: "c12", "L3", "puppet p2" */
  id: string;
  owner: string | null;
}

/**
 * True when the request may change all of `targets`: they all belong to the caller's own session
 * (its wslab_session cookie), or the request carries the presenter key. Otherwise it has answered
 * 403 naming the first connection that is someone else's; `what` completes "you may not …".
 */
export type SessionGuard = (req: IncomingMessage, res: ServerResponse, targets: Iterable<Target>, what: string) => boolean;

/** Not a workshop: every connection is the learner's own. */
export const OPEN_SESSIONS: SessionGuard = () => true;

export function sessionGuard(key: string): SessionGuard {
  return (req, res, targets, what) => {
    const caller = requestOwner(req);
    let foreign: Target | null = null;
    for (const t of targets) {
      if (caller === null || t.owner !== caller) {
        foreign = t;
        break;
      }
    }
    if (foreign === null) return true;
    const check = checkPresenter(req.headers.authorization, key);
    if (check.ok) return true;
    const whose = caller === null ? 'this request carries no wslab_session cookie, so no connection is its own' : `${foreign.id} belongs to another session`;
    const how = check.status === 401 ? 'Ask the presenter, or send the presenter key (Authorization: Bearer KEY).' : 'The presenter key sent is wrong.';
    sendJson(res, 403, { error: `In workshop mode you may ${what} only on your own connections: ${whose}. ${how}` });
    return false;
  };
}
