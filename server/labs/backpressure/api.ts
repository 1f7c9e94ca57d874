// The backpressure lab's HTTP API: producers to watch and change live, and consumers the server
// opens to itself through the chaos link, so a slow reader can be made on demand.
//
//   GET    /__wslab/flow                    live backpressure producers
//   POST   /__wslab/flow {config, link?}    start a consumer through the link; returns its conn and link
//   POST   /__wslab/flow/CONN {config}      change a producer live (strategy, rate, size, ...)
//   DELETE /__wslab/flow/CONN               close that consumer
import WebSocket from 'ws';
import { HttpError, readJsonObject, sendJson } from '../../http/json.ts';
import { parseConditionChange } from '../../core/api/link.ts';
import type { ChaosLink } from '../../link/link.ts';
import { DEFAULT_FLOW, mergeFlowConfig } from '../../core/labs/flow.ts';
import type { LabApiFactory } from '../services.ts';
import type { Target } from '../../http/presenter-guard.ts';
import { requestOwner } from '../../http/session.ts';
import { flowSessions } from './lab.ts';

const MAX_CONSUMERS = 16;

/**
 * Opens a consumer through the link, then applies the link conditions (after the handshake: a
 * link that does not read the server would never let the 101 through); resolves with its server conn.
 */
function startConsumer(link: ChaosLink, origin: string, tag: string, query: string, conditions: Record<string, unknown>): Promise<{ conn: string; link: string; ws: WebSocket }> {
  const change = parseConditionChange(conditions);
  const ws = new WebSocket(`${origin.replace(/^http/, 'ws')}/lab/backpressure?${query}&link=${tag}`, {
    headers: { 'x-wslab-client': 'sim' },
    perMessageDeflate: false,
    handshakeTimeout: 15_000,
  });
  ws.on('error', () => {});
  return new Promise((resolve, reject) => {
    ws.once('open', () => {
      const lc = link.select({ tag })[0];
      if (!lc?.conn) {
        ws.terminate();
        return reject(new HttpError(500, 'the consumer opened but its server connection was not found'));
      }
      if (Object.keys(change).length) lc.configure(change);
      resolve({ conn: lc.conn, link: lc.id, ws });
    });
    ws.once('close', () => reject(new HttpError(502, 'the consumer could not connect')));
  });
}

export const flowApi: LabApiFactory = ({ bus, registry, link, origin, sessionGuard }) => {
  const connTarget = (conn: string): Target[] => [{ id: conn, owner: registry.get(conn)?.meta.owner ?? null }];
  /** consumers started by POST /__wslab/flow, by server conn */
  const consumers = new Map<string, WebSocket>();
  let consumerCounter = 0;

  return {
    close() {
      for (const ws of consumers.values()) ws.terminate();
      consumers.clear();
    },
    routes: [
      { method: 'GET', path: '/__wslab/flow', handle: ({ res }) => sendJson(res, 200, [...flowSessions(bus).values()].map((s) => s.snapshot())) },
      {
        method: 'POST',
        path: '/__wslab/flow',
        handle: async ({ req, res }) => {
          if (consumers.size >= MAX_CONSUMERS) throw new HttpError(429, `at most ${MAX_CONSUMERS} consumers at a time; close one first`);
          const b = await readJsonObject(req);
          const { link: linkConditions, ...change } = b;
          const config = mergeFlowConfig(DEFAULT_FLOW, change);
          if (linkConditions !== undefined && (typeof linkConditions !== 'object' || linkConditions === null)) throw new HttpError(400, 'link must be an object of link conditions');
          const query = Object.entries(config)
            .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`)
            .join('&');
          const started = await startConsumer(link, origin(), `flow${++consumerCounter}`, query, (linkConditions ?? {}) as Record<string, unknown>);
          // the consumer is the caller's: they may change and close it (and its link) in a workshop
          const owner = requestOwner(req);
          registry.setOwner(started.conn, owner);
          const lc = link.conns.get(started.link);
          if (lc) lc.owner = owner;
          consumers.set(started.conn, started.ws);
          started.ws.once('close', () => consumers.delete(started.conn));
          sendJson(res, 201, { conn: started.conn, link: started.link, config });
        },
      },
      {
        method: 'POST',
        path: '/__wslab/flow/:conn',
        handle: async ({ req, res, params }) => {
          const session = flowSessions(bus).get(params.conn!);
          if (!session) throw new HttpError(404, `no backpressure producer on ${params.conn}`);
          if (!sessionGuard(req, res, connTarget(params.conn!), 'change a producer')) return;
          const config = session.configure(await readJsonObject(req));
          sendJson(res, 200, { conn: params.conn, config, stats: session.snapshot() });
        },
      },
      {
        method: 'DELETE',
        path: '/__wslab/flow/:conn',
        handle: ({ req, res, params }) => {
          const conn = params.conn!;
          const ws = consumers.get(conn);
          if (!ws) throw new HttpError(404, `no consumer ${conn} started here`);
          if (!sessionGuard(req, res, connTarget(conn), 'close a consumer')) return;
          // The consumer's link may be paused or blackholed: reset it so both ends go at once.
          link.reset({ conn });
          ws.terminate();
          consumers.delete(conn);
          sendJson(res, 200, { closed: conn });
        },
      },
    ],
  };
};
