// The ghosts lab's HTTP API: simulated clients that go through the chaos link, so they can be
// blackholed one by one and reaped by the server's heartbeat.
//
//   GET    /__wslab/sim                     clients, alive, blackholed, believed, memory; the heartbeat
//   POST   /__wslab/sim/spawn {count, heartbeatMs?, misses?, stateBytes?}
//   POST   /__wslab/sim/blackhole {count? | all: true, on?: boolean}
//   POST   /__wslab/sim/heartbeat {intervalMs, maxMisses}   every /lab/ghosts connection, and new ones
//   DELETE /__wslab/sim                     close every simulated client
//   GET    /__wslab/sim/costs               one real HTTP poll vs one real ping + pong, in bytes
import { readJsonObject, sendJson } from '../../http/json.ts';
import { SimBlackhole, SimHeartbeat, SimSpawn } from '../../core/api/ghosts.ts';
import type { LabApiFactory } from '../services.ts';
import type { RouteContext } from '../../http/routes.ts';
import { SimClients } from './sim.ts';
import { lastPingPong, measurePoll } from './costs.ts';

const SHARED = 'start, blackhole or close the simulated clients (the room shares them)';

export const ghostsApi: LabApiFactory = ({ bus, registry, link, roomGuard, fdBudget, target, origin }) => {
  const sims = new SimClients(bus, registry, link, origin, fdBudget && ((n) => fdBudget.check('simClients', n)));
  const guarded = (handle: (ctx: RouteContext) => unknown) => (ctx: RouteContext) => (roomGuard(ctx.req, ctx.res, SHARED) ? handle(ctx) : undefined);

  return {
    close: () => sims.close(),
    usage: { simClients: () => sims.size },
    routes: [
      { method: 'GET', path: '/__wslab/sim', handle: ({ res }) => sendJson(res, 200, { ...sims.stats(), heartbeat: sims.heartbeat }) },
      { method: 'DELETE', path: '/__wslab/sim', handle: guarded(({ res }) => sendJson(res, 200, { closed: sims.clear(), ...sims.stats() })) },
      {
        method: 'POST',
        path: '/__wslab/sim/spawn',
        handle: guarded(async ({ req, res }) => {
          const result = await sims.spawn(SimSpawn.parse(await readJsonObject(req)));
          sendJson(res, 200, { ...result, ...sims.stats() });
        }),
      },
      {
        method: 'POST',
        path: '/__wslab/sim/blackhole',
        handle: guarded(async ({ req, res }) => {
          const b = SimBlackhole.parse(await readJsonObject(req));
          const changed = sims.blackhole(b.all === true ? 'all' : b.count!, b.on);
          sendJson(res, 200, { changed, ...sims.stats() });
        }),
      },
      {
        method: 'POST',
        path: '/__wslab/sim/heartbeat',
        handle: guarded(async ({ req, res }) => {
          const b = SimHeartbeat.parse(await readJsonObject(req));
          const applied = sims.setHeartbeat(b.intervalMs, b.maxMisses ?? sims.heartbeat.maxMisses);
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
