// The chaos link's conditions: defaults, the checks a change from the HTTP API or the UI must pass,
// and how a request names the connections it changes. Shared by the server, the page and the tests.
import type { z } from 'zod';
import type { LinkConditions as LinkConditionsSchema } from '../events/schema.ts';

export type LinkConditions = z.infer<typeof LinkConditionsSchema>;

export const NO_CONDITIONS: LinkConditions = Object.freeze({
  latencyMs: 0,
  jitterMs: 0,
  c2sBytesPerSec: 0,
  s2cBytesPerSec: 0,
  blackhole: false,
  pauseClient: false,
  pauseServer: false,
});

/** Largest latency or jitter the link accepts, ms. */
export const MAX_DELAY_MS = 60_000;
/** Smallest bandwidth limit, bytes/s (0 means unlimited). */
export const MIN_BANDWIDTH = 100;
export const MAX_BANDWIDTH = 1_000_000_000;

/** A link condition outside its rule: answered 400 with the sentence. */
export class ConditionError extends Error {
  readonly status = 400;
}

const NUMBERS = {
  latencyMs: [0, MAX_DELAY_MS],
  jitterMs: [0, MAX_DELAY_MS],
  c2sBytesPerSec: [0, MAX_BANDWIDTH],
  s2cBytesPerSec: [0, MAX_BANDWIDTH],
} as const;
const FLAGS = ['blackhole', 'pauseClient', 'pauseServer'] as const;

/** Which link connections a call changes: by link id, by tag (?link=TAG) or by server conn. */
export interface LinkSelector {
  /** a link connection id, e.g. "L3" */
  link?: string;
  /** every link connection opened with ?link=TAG */
  tag?: string;
  /** the link connection in front of this server connection */
  conn?: string;
}

/** Reads the condition fields of a request body; throws ConditionError naming the bad field. */
export function parseConditionChange(body: Record<string, unknown>): Partial<LinkConditions> {
  const out: Partial<LinkConditions> = {};
  for (const [key, [min, max]] of Object.entries(NUMBERS) as [keyof typeof NUMBERS, readonly [number, number]][]) {
    const v = body[key];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw new ConditionError(`${key} must be an integer from ${min} to ${max}`);
    }
    if ((key === 'c2sBytesPerSec' || key === 's2cBytesPerSec') && v > 0 && v < MIN_BANDWIDTH) {
      throw new ConditionError(`${key} must be 0 (unlimited) or at least ${MIN_BANDWIDTH} bytes/s`);
    }
    out[key] = v;
  }
  for (const key of FLAGS) {
    const v = body[key];
    if (v === undefined) continue;
    if (typeof v !== 'boolean') throw new ConditionError(`${key} must be true or false`);
    out[key] = v;
  }
  return out;
}

/** One line a learner can read: "latency 100±20 ms, down 50000 B/s, blackhole". */
export function describeConditions(c: LinkConditions): string {
  const parts: string[] = [];
  if (c.latencyMs || c.jitterMs) parts.push(`latency ${c.latencyMs}${c.jitterMs ? `+0..${c.jitterMs}` : ''} ms`);
  if (c.c2sBytesPerSec) parts.push(`up ${c.c2sBytesPerSec} B/s`);
  if (c.s2cBytesPerSec) parts.push(`down ${c.s2cBytesPerSec} B/s`);
  if (c.blackhole) parts.push('blackhole');
  if (c.pauseClient) parts.push('not reading the client');
  if (c.pauseServer) parts.push('not reading the server');
  return parts.length ? parts.join(', ') : 'a clean link';
}
