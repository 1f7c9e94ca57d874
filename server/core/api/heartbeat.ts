// The heartbeat rule, written once: how often the server pings and how many unanswered pings end a
// connection. The REST API, the workshop's presenter actions, the simulated clients, a lab URL's
// ?heartbeat=&misses= and `wslab start --heartbeat` all check a setting here.
import { z } from 'zod';

export interface HeartbeatConfig {
  /** ms between pings; 0 turns heartbeats off */
  intervalMs: number;
  /** the connection is terminated when this many pings in a row go unanswered */
  maxMisses: number;
}

export type HeartbeatState = HeartbeatConfig & { missed: number; lastRtt: number | null };

export const DEFAULT_HEARTBEAT: HeartbeatConfig = { intervalMs: 30_000, maxMisses: 2 };

export const MIN_INTERVAL_MS = 50;
export const MAX_INTERVAL_MS = 3_600_000;
export const MAX_MISSES = 100;

export const INTERVAL_RULE = `intervalMs must be 0 (off) or an integer from ${MIN_INTERVAL_MS} to ${MAX_INTERVAL_MS}`;
export const MISSES_RULE = `maxMisses must be an integer from 1 to ${MAX_MISSES}`;

/** The sentence for an interval that breaks the rule, or null when it keeps it. */
export function intervalProblem(ms: unknown): string | null {
  return typeof ms === 'number' && Number.isInteger(ms) && (ms === 0 || (ms >= MIN_INTERVAL_MS && ms <= MAX_INTERVAL_MS)) ? null : INTERVAL_RULE;
}

/** The sentence for a miss count that breaks the rule, or null when it keeps it. */
export function missesProblem(n: unknown): string | null {
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= MAX_MISSES ? null : MISSES_RULE;
}

export const IntervalMs = z
  .number({ error: INTERVAL_RULE })
  .int({ error: INTERVAL_RULE })
  .refine((ms) => intervalProblem(ms) === null, { error: INTERVAL_RULE });

export const MaxMisses = z
  .number({ error: MISSES_RULE })
  .int({ error: MISSES_RULE })
  .min(1, { error: MISSES_RULE })
  .max(MAX_MISSES, { error: MISSES_RULE });

/** POST /__wslab/heartbeat: a change to the server's setting, or to one connection's (`conn`). */
export const HeartbeatRequest = z.object({
  intervalMs: IntervalMs.optional(),
  maxMisses: MaxMisses.optional(),
  conn: z.string({ error: 'conn must be a string' }).optional(),
});
export type HeartbeatRequest = z.infer<typeof HeartbeatRequest>;

/**
 * `?heartbeat=MS&misses=N` on a lab URL: the connection's setting over `defaults`, or the sentence
 * that says what is wrong with the query (the upgrade is refused with it: 400).
 */
export function heartbeatFromQuery(params: URLSearchParams, defaults: HeartbeatConfig): HeartbeatConfig | string {
  const out = { ...defaults };
  const ms = params.get('heartbeat');
  const misses = params.get('misses');
  if (ms !== null) {
    const problem = /^\d+$/.test(ms) ? intervalProblem(Number(ms)) : INTERVAL_RULE;
    if (problem) return `?heartbeat=${ms}: ${problem.replace('intervalMs', 'heartbeat')}`;
    out.intervalMs = Number(ms);
  }
  if (misses !== null) {
    const problem = /^\d+$/.test(misses) ? missesProblem(Number(misses)) : MISSES_RULE;
    if (problem) return `?misses=${misses}: ${problem.replace('maxMisses', 'misses')}`;
    out.maxMisses = Number(misses);
  }
  return out;
}
