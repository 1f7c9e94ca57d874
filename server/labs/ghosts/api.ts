// The ghosts lab's HTTP API: simulated clients that go through the chaos link, so they can be
// blackholed one by one and reaped by the server's heartbeat.
//
//   GET    /__wslab/sim                     clients, alive, blackholed, believed, memory; the heartbeat
//   POST   /__wslab/sim/spawn {count, heartbeatMs?, misses?, stateBytes?}
//   POST   /__wslab/sim/blackhole {count? | all: true, on?: boolean}
//   POST   /__wslab/sim/heartbeat {intervalMs, maxMisses}   every /lab/ghosts connection, and new ones
//   DELETE /__wslab/sim                     close every simulated client
//   GET    /__wslab/sim/costs               one real HTTP poll vs one real ping + pong, in bytes
import { HttpError, readJsonObject, sendJson } from '../../http/json.ts';
import { intervalProblem, missesProblem, MIN_INTERVAL_MS, MAX_INTERVAL_MS } from '../../core/api/heartbeat.ts';
import type { LabApiFactory } from '../services.ts';
import type { RouteContext } from '../../http/routes.ts';
import { SimClients } from './sim.ts';
import { lastPingPong, measurePoll } from './costs.ts';

const SHARED = 'start, blackhole or close the simulated clients (the room shares them)';

export const ghostsApi: LabApiFactory = ({ bus, registry, link, roomGuard, target, origin }) => {
  const sims = new SimClients(bus, registry, link, origin);
  const guarded = (handle: (ctx: RouteContext) => unknown) => (ctx: RouteContext) => (roomGuard(ctx.req, ctx.res, SHARED) ? handle(ctx) : undefined);

  return {
    close: () => sims.close(),
    routes: [
      { method: 'GET', path: '/__wslab/sim', handle: ({ res }) => sendJson(res, 200, { ...sims.stats(), heartbeat: sims.heartbeat }) },
      { method: 'DELETE', path: '/__wslab/sim', handle: guarded(({ res }) => sendJson(res, 200, { closed: sims.clear(), ...sims.stats() })) },
      {
        method: 'POST',
        path: '/__wslab/sim/spawn',
        handle: guarded(async ({ req, res }) => {
          const b = await readJsonObject(req);
          const int = (k: string, min: number, max: number): number | undefined => {
            const v = b[k];
            if (v === undefined) return undefined;
            if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new HttpError(400, `${k} must be an integer from ${min} to ${max}`);
            return v;
          };
          const count = int('count', 1, 5000) ?? 1;
          const heartbeatMs = int('heartbeatMs', 0, MAX_INTERVAL_MS);
          if (heartbeatMs !== undefined && intervalProblem(heartbeatMs)) throw new HttpError(400, `heartbeatMs must be 0 (off) or an integer from ${MIN_INTERVAL_MS} to ${MAX_INTERVAL_MS}`);
          const result = await sims.spawn({ count, heartbeatMs, misses: int('misses', 1, 100), stateBytes: int('stateBytes', 0, 256 * 1024) });
          sendJson(res, 200, { ...result, ...sims.stats() });
        }),
      },
      {
        method: 'POST',
        path: '/__wslab/sim/blackhole',
        handle: guarded(async ({ req, res }) => {
          const b = await readJsonObject(req);
          const on = b.on === undefined ? true : b.on;
          if (typeof on !== 'boolean') throw new HttpError(400, 'on must be true or false');
          let count: number | 'all' = 'all';
          if (b.all !== true) {
            if (typeof b.count !== 'number' || !Number.isInteger(b.count) || b.count < 1) throw new HttpError(400, 'give {"all": true} or {"count": N}');
            count = b.count;
          }
          const changed = sims.blackhole(count, on);
          sendJson(res, 200, { changed, ...sims.stats() });
        }),
      },
      {
        method: 'POST',
        path: '/__wslab/sim/heartbeat',
        handle: guarded(async ({ req, res }) => {
          const b = await readJsonObject(req);
          const ms = b.intervalMs;
          const misses = b.maxMisses ?? sims.heartbeat.maxMisses;
          const problem = intervalProblem(ms) ?? missesProblem(misses);
          if (problem) throw new HttpError(400, problem);
          const applied = sims.setHeartbeat(ms as number, misses as number);
          sendJson(res, 200, { heartbeat: sims.heartbeat, applied });
        }),
      },
      {
        method: 'GET',
        path: '/__wslab/sim/costs',
        handle: async ({ res }) => {
          const { host, port } = target();
          const poll = await measurePoll(host, port);
          const pair = lastPingPong(bus);
          sendJson(res, 200, {
            poll,
            ping: pair?.ping ?? null,
            pong: pair?.pong ?? null,
            pingPongBytes: pair ? pair.ping.bytes + pair.pong.bytes : null,
            pollBytes: poll.requestBytes + poll.responseBytes,
          });
        },
      },
    ],
  };
};
