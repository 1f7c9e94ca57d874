// The connection view's model: the Sec-WebSocket-Key → Accept computation step by step, the
// ready-state timelines, and the rows of the connection picker. Pure: no React, no DOM.
import { WEBSOCKET_GUID, base64, computeAccept, sha1, toHex } from '../../../server/core/wire/index.ts';
import type { EventOf } from '../../../server/core/events/schema.ts';
import type { ConnView } from '../store/store.ts';

export interface AcceptSteps {
  /** Sec-WebSocket-Key as the client sent it */
  key: string;
  guid: string;
  /** step 1: key + GUID, the string that is hashed */
  concatenated: string;
  /** step 2: SHA-1 of its UTF-8 bytes, 20 bytes in hex ("b3 7a 4f …") */
  sha1Hex: string;
  /** step 3: those 20 bytes in base64: what Sec-WebSocket-Accept must be */
  expected: string;
  /** Sec-WebSocket-Accept as the server sent it (null when absent) */
  received: string | null;
  ok: boolean;
}

/** RFC 6455 §4.2.2 step 5.4 (and §1.3's example), one step at a time. */
export function acceptSteps(key: string, received: string | null): AcceptSteps {
  const trimmed = key.trim();
  const concatenated = trimmed + WEBSOCKET_GUID;
  const digest = sha1(new TextEncoder().encode(concatenated));
  const expected = base64(digest);
  // the wire module's own helper must agree with the steps shown
  if (expected !== computeAccept(key)) throw new Error('accept steps disagree with computeAccept');
  return { key, guid: WEBSOCKET_GUID, concatenated, sha1Hex: toHex(digest), expected, received, ok: received !== null && received.trim() === expected };
}

export const READY_STATE_NAMES = ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'] as const;

export function readyStateLabel(s: number | null): string {
  return s === null ? '—' : `${s} ${READY_STATE_NAMES[s] ?? '?'}`;
}

export interface TimelineStep {
  seq: number;
  t: number;
  from: number | null;
  to: number;
  cause: string;
  /** ms since the previous step of this side (null for the first) */
  dt: number | null;
}

/** One side's readyState transitions, in order, with the time between them. */
export function stateTimeline(states: readonly EventOf<'state'>[], side: 'server' | 'client'): TimelineStep[] {
  const out: TimelineStep[] = [];
  let prev: number | null = null;
  for (const s of states) {
    if (s.side !== side) continue;
    out.push({ seq: s.seq, t: s.t, from: s.from, to: s.to, cause: s.cause, dt: prev === null ? null : s.t - prev });
    prev = s.t;
  }
  return out;
}

/** "0 → 1 → 2 → 3" for a side's timeline. */
export function statePath(steps: readonly TimelineStep[]): string {
  if (steps.length === 0) return '';
  const first = steps[0].from ?? steps[0].to;
  const path = [first];
  for (const s of steps) if (s.to !== path[path.length - 1]) path.push(s.to);
  return path.join(' → ');
}

export interface ConnRow {
  conn: string;
  lab: string;
  client: string;
  open: boolean;
  frames: number;
  closeCode: number | null;
}

export function connRow(v: ConnView): ConnRow {
  return {
    conn: v.conn,
    lab: v.open?.lab ?? '?',
    client: v.open?.client ?? '?',
    open: v.close === null,
    frames: v.frames,
    closeCode: v.close?.code ?? null,
  };
}

/** Connections newest first ("c12" after "c9": by number when the ids are numbered). */
export function connRows(conns: Iterable<ConnView>): ConnRow[] {
  const rows = Array.from(conns, connRow);
  const num = (id: string) => Number(id.replace(/^\D+/, ''));
  rows.sort((a, b) => num(b.conn) - num(a.conn) || (a.conn < b.conn ? 1 : a.conn > b.conn ? -1 : 0));
  return rows;
}

/** A request/response head split into lines for display: the start line, then header lines. */
export function headLines(raw: string): string[] {
  return raw.replace(/\r\n\r\n$/, '').split('\r\n');
}
