// The ghosts lab's REST bodies (/__wslab/sim), each rule written once for the server, the page and
// the tests.
import { z } from 'zod';
import { IntervalMs, MaxMisses, MIN_INTERVAL_MS, MAX_INTERVAL_MS, intervalProblem } from './heartbeat.ts';

export const MAX_SPAWN = 5000;
export const MAX_SIM_STATE_BYTES = 256 * 1024;

const int = (name: string, min: number, max: number) =>
  z
    .number({ error: `${name} must be an integer from ${min} to ${max}` })
    .int({ error: `${name} must be an integer from ${min} to ${max}` })
    .min(min, { error: `${name} must be an integer from ${min} to ${max}` })
    .max(max, { error: `${name} must be an integer from ${min} to ${max}` });

const HEARTBEAT_MS_RULE = `heartbeatMs must be 0 (off) or an integer from ${MIN_INTERVAL_MS} to ${MAX_INTERVAL_MS}`;

/** POST /__wslab/sim/spawn */
export const SimSpawn = z.object({
  count: int('count', 1, MAX_SPAWN).default(1),
  heartbeatMs: z
    .number({ error: HEARTBEAT_MS_RULE })
    .refine((ms) => intervalProblem(ms) === null, { error: HEARTBEAT_MS_RULE })
    .optional(),
  misses: int('misses', 1, 100).optional(),
  stateBytes: int('stateBytes', 0, MAX_SIM_STATE_BYTES).optional(),
});
export type SimSpawn = z.infer<typeof SimSpawn>;

/** POST /__wslab/sim/blackhole: `{all: true}` or `{count: N}`; `on: false` lifts it. */
export const SimBlackhole = z
  .object({
    all: z.boolean({ error: 'all must be true or false' }).optional(),
    count: z.number().int().min(1).optional(),
    on: z.boolean({ error: 'on must be true or false' }).default(true),
  })
  .refine((b) => b.all === true || b.count !== undefined, { error: 'give {"all": true} or {"count": N}' });
export type SimBlackhole = z.infer<typeof SimBlackhole>;

/** POST /__wslab/sim/heartbeat: every /lab/ghosts connection's heartbeat, and new ones'. */
export const SimHeartbeat = z.object({ intervalMs: IntervalMs, maxMisses: MaxMisses.optional() });
export type SimHeartbeat = z.infer<typeof SimHeartbeat>;

/** GET /__wslab/sim */
export interface SimStats {
  clients: number;
  alive: number;
  blackholed: number;
  believed: number;
  stateBytes: number;
  rss: number;
  heapUsed: number;
  heartbeat?: { intervalMs: number; maxMisses: number };
}
