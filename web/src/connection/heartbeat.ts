// One connection's heartbeat as a learner sets it: the form's values, the body of
// POST /__wslab/heartbeat they become (with the server's own limits checked first, so the form
// can say what is wrong before asking), and what the current setting means in words. Pure.
import type { EventOf } from '../../../server/core/events/schema.ts';

/** The server's limits for one connection's heartbeat (server/app.ts checks the same). */
export const HEARTBEAT_LIMITS = { minIntervalMs: 50, maxIntervalMs: 3_600_000, minMisses: 1, maxMisses: 100 } as const;

export interface HeartbeatSetting {
  /** ms between the server's pings; 0 = off */
  intervalMs: number;
  /** unanswered pings in a row before the server terminates the connection */
  maxMisses: number;
}

export interface HeartbeatForm {
  on: boolean;
  /** seconds, as typed */
  intervalS: string;
  misses: string;
}

export type HeartbeatRequest = { ok: true; body: { conn: string } & HeartbeatSetting } | { ok: false; error: string };

/** The form filled in from a setting (an interval of 0 shows as off, keeping a sensible interval to turn on with). */
export function formFrom(s: HeartbeatSetting): HeartbeatForm {
  return { on: s.intervalMs > 0, intervalS: s.intervalMs > 0 ? String(s.intervalMs / 1000) : '1', misses: String(s.maxMisses) };
}

/** The request the form stands for, or the sentence that says why it cannot be sent. */
export function heartbeatRequest(conn: string, form: HeartbeatForm): HeartbeatRequest {
  const misses = Number(form.misses.trim());
  if (form.misses.trim() === '' || !Number.isInteger(misses) || misses < HEARTBEAT_LIMITS.minMisses || misses > HEARTBEAT_LIMITS.maxMisses) {
    return { ok: false, error: `misses must be a whole number from ${HEARTBEAT_LIMITS.minMisses} to ${HEARTBEAT_LIMITS.maxMisses}` };
  }
  if (!form.on) return { ok: true, body: { conn, intervalMs: 0, maxMisses: misses } };
  const seconds = Number(form.intervalS.trim());
  const ms = Math.round(seconds * 1000);
  if (form.intervalS.trim() === '' || !Number.isFinite(seconds) || ms < HEARTBEAT_LIMITS.minIntervalMs || ms > HEARTBEAT_LIMITS.maxIntervalMs) {
    return { ok: false, error: `the interval must be from ${HEARTBEAT_LIMITS.minIntervalMs / 1000} s to ${HEARTBEAT_LIMITS.maxIntervalMs / 1000} s (or turn heartbeats off)` };
  }
  return { ok: true, body: { conn, intervalMs: ms, maxMisses: misses } };
}

/** The setting the newest heartbeat event of a connection reports, or null when it has none. */
export function settingFromEvents(events: readonly EventOf<'heartbeat'>[]): (HeartbeatSetting & { missed: number }) | null {
  const last = events[events.length - 1];
  return last ? { intervalMs: last.intervalMs, maxMisses: last.maxMisses, missed: last.missed } : null;
}

const seconds = (ms: number) => `${Number((ms / 1000).toFixed(3))} s`;

/**
 * The setting in words. A miss is counted when the next ping is due and the last one is still
 * unanswered, so a peer that goes silent right after a pong is terminated (maxMisses + 1) intervals
 * after it: one interval for the ping to go out, one per miss.
 */
export function describeSetting(s: HeartbeatSetting): string {
  if (s.intervalMs === 0) return 'off: the server sends no pings, and a silent peer stays "connected" for ever';
  const giveUp = (s.maxMisses + 1) * s.intervalMs;
  return `a ping every ${seconds(s.intervalMs)}; after ${s.maxMisses} unanswered ${s.maxMisses === 1 ? 'ping' : 'pings'} in a row the server terminates the connection (a peer gone silent is dropped within about ${seconds(giveUp)})`;
}
