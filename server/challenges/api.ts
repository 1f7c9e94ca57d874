// The challenges' HTTP API:
//
//   GET /__wslab/challenges?session=ID   every challenge with ID's progress
//                                        (without ?session=, the page's wslab_session cookie)
import type { Route } from '../http/routes.ts';
import { HttpError, sendJson } from '../http/json.ts';
import { SESSION_RE, cookieOf } from '../http/session.ts';
import type { ChallengeTracker } from './tracker.ts';

export function challengeRoutes(tracker: ChallengeTracker): Route[] {
  return [
    {
      method: 'GET',
      path: '/__wslab/challenges',
      handle: ({ req, res, url }) => {
        const session = url.searchParams.get('session') ?? cookieOf(req, 'wslab_session');
        if (session === null) throw new HttpError(400, 'Name the learner: ?session=ID (the id your connections carry in ?session=, or your wslab_session cookie).');
        if (!SESSION_RE.test(session)) throw new HttpError(400, 'session must be 1 to 64 characters of A-Z, a-z, 0-9, _ and -.');
        sendJson(res, 200, tracker.status(session));
      },
    },
  ];
}
