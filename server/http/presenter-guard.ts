// Workshop mode: what only the presenter may do to the whole room.
//
// The lab APIs stay open in a workshop: participants run the labs on their own connections
// (`conn`, `link` or `tag` selectors). A call that would change every connection at once, the
// room's default heartbeat, every chaos link, the shared pool of simulated clients, the chat nodes
// and their broker, needs the presenter key (Authorization: Bearer KEY), so that one participant
// cannot blackhole, slow down or cut off the room with a click. Without workshop mode, the server
// is one learner's, and nothing is guarded.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from './json.ts';
import { checkPresenter } from './presenter.ts';

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
