// Who may read which events, in workshop mode. A participant's event stream (the WebSocket
// /__wslab/events and GET /__wslab/events) carries only the events of their own connections (by
// the wslab_session cookie) and the room's; no query parameter widens it. The presenter reads
// everything: GET with the key (Authorization: Bearer KEY), or the WebSocket with a ticket, since a
// browser cannot set headers on a WebSocket:
//
//   POST /__wslab/events/ticket   Authorization: Bearer KEY → 201 {"ticket":"…","expiresInMs":30000}
//   ws://HOST/__wslab/events?ticket=TICKET&…   (each ticket opens one stream, within its 30 s)
//
// Without workshop mode the server is one learner's, and every stream carries everything.
import type { IncomingMessage } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { StreamScope } from '../stream/bus.ts';
import { checkPresenter } from '../http/presenter.ts';
import { presenterGuard } from '../http/presenter-guard.ts';
import { requestOwner } from '../http/session.ts';
import { HttpError, sendJson } from '../http/json.ts';
import type { Route } from '../http/routes.ts';

/** How long a ticket may wait for its stream. */
export const TICKET_MS = 30_000;
/** Tickets waiting at once at most (the oldest goes first beyond). */
export const MAX_TICKETS = 64;

export interface StreamAccess {
  /** null: everything; a scope: one participant's; a string: refused (403) with this sentence */
  scopeOf(req: IncomingMessage, url: URL): StreamScope | null | string;
  routes: Route[];
}

/** Every stream carries everything: a server without --workshop. */
export const OPEN_STREAMS: StreamAccess = {
  scopeOf: () => null,
  routes: [
    {
      method: 'POST',
      path: '/__wslab/events/ticket',
      handle: () => {
        throw new HttpError(404, 'Tickets are for the workshop presenter; without --workshop every event stream already carries every event.');
      },
    },
  ],
};

export function workshopStreams(presenterKey: string, now: () => number = () => Date.now()): StreamAccess {
  /** ticket → when it expires */
  const tickets = new Map<string, number>();
  const guard = presenterGuard(presenterKey);

  function prune(): void {
    const t = now();
    for (const [ticket, expires] of tickets) if (expires <= t) tickets.delete(ticket);
  }

  return {
    scopeOf(req, url) {
      const ticket = url.searchParams.get('ticket');
      if (ticket !== null) {
        const expires = tickets.get(ticket);
        tickets.delete(ticket);
        if (expires === undefined || expires <= now()) {
          return 'This event-stream ticket is unknown, used or expired: ask for a new one (POST /__wslab/events/ticket with the presenter key) and open the stream within 30 s.';
        }
        return null;
      }
      if (req.headers.authorization !== undefined) {
        const check = checkPresenter(req.headers.authorization, presenterKey);
        if (!check.ok) return `In workshop mode the whole event stream is the presenter's: ${check.error}.`;
        return null;
      }
      return { owner: requestOwner(req) };
    },
    routes: [
      {
        method: 'POST',
        path: '/__wslab/events/ticket',
        handle: ({ req, res }) => {
          if (!guard(req, res, 'read every participant\'s events')) return;
          prune();
          if (tickets.size >= MAX_TICKETS) tickets.delete(tickets.keys().next().value!);
          const ticket = randomBytes(18).toString('base64url');
          tickets.set(ticket, now() + TICKET_MS);
          sendJson(res, 201, { ticket, expiresInMs: TICKET_MS });
        },
      },
    ],
  };
}
