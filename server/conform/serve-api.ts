// The fuzzing server mounted on the main server, for the browser's own WebSocket (the page
// /conform/client): upgrades to /__wslab/conform/serve/runCase?case=N&agent=A (and the other
// Autobahn endpoints) run the served cases, behind the main server's Host, Origin and rate rules
// (they reach it through the upgrade handler's route hook); GET /__wslab/conform/serve/results
// gives an agent's verdicts with the rule and why of each (&case=N: that case's only). No reports are written to disk here.
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { CASES } from '../core/conform/cases.ts';
import { AGENT_RE, servedCases } from '../core/conform/serve.ts';
import { HttpError, sendJson } from '../http/json.ts';
import type { Route } from '../http/routes.ts';
import { ConformServe } from './serve.ts';

export const SERVE_PREFIX = '/__wslab/conform/serve';

export interface ConformServeMount {
  serve: ConformServe;
  /** the upgrade handler's route hook: true when the upgrade was one of the fuzzing endpoints */
  route(url: URL, req: IncomingMessage, socket: Socket, head: Buffer): boolean;
  routes: Route[];
  close(): void;
}

export function conformServeMount(): ConformServeMount {
  // a browser tab on a busy machine is slower than a native client: the cases' timers are doubled
  const serve = new ConformServe({ cases: servedCases(CASES), timeScale: 2, maxAgents: 32, maxRunning: 16 });
  return {
    serve,
    route(url, req, socket, head) {
      if (!url.pathname.startsWith(SERVE_PREFIX + '/')) return false;
      serve.handleUpgrade(url.pathname.slice(SERVE_PREFIX.length), url.searchParams, req, socket, head);
      return true;
    },
    routes: [
      {
        method: 'GET',
        path: `${SERVE_PREFIX}/results`,
        handle: ({ res, url }) => {
          const agent = url.searchParams.get('agent');
          if (agent === null || !AGENT_RE.test(agent)) throw new HttpError(400, 'Give ?agent=NAME (1-64 letters, digits, space and . : / @ + - _), the name the cases ran under.');
          const index = new Map(serve.cases.map((c, i) => [c.id, i + 1]));
          const only = url.searchParams.get('case');
          if (only !== null && !/^\d{1,6}$/.test(only)) throw new HttpError(400, `case must be a case number from 1 to ${serve.cases.length}.`);
          sendJson(res, 200, {
            agent,
            caseCount: serve.cases.length,
            results: serve.results(agent).filter((r) => only === null || index.get(r.id) === Number(only)).map((r) => ({
              n: index.get(r.id),
              id: r.id,
              rfc: r.rfc,
              description: r.description,
              behavior: r.behavior,
              behaviorClose: r.behaviorClose,
              expected: r.expected,
              observed: r.observed,
              why: r.why,
              durationMs: r.durationMs,
              remoteCloseCode: r.close.remoteCloseCode,
              wire: r.wire.slice(0, 200),
            })),
          });
        },
      },
    ],
    close: () => serve.close(),
  };
}
