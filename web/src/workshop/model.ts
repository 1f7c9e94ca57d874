// The workshop page's model: the presenter's roster (participants and their connections, from the
// event store and GET /__wslab/connections), and the sentences participants read about what the
// presenter is doing. Pure: no React, no DOM, no fetch.
import type { EventOf } from '../../../server/core/events/schema.ts';
import type { ConnView } from '../store/store.ts';
import type { ConnSnapshot, Effect, RoomParticipant } from './api.ts';

/** The command that starts a workshop a room can join (README, "Running a workshop"). */
export const START_COMMAND = 'npx wslab start --workshop --host 0.0.0.0';

/** How long a closed connection stays in the roster, ms: long enough to see who was reaped. */
export const CLOSED_KEPT_MS = 30_000;

export interface RosterConn {
  conn: string;
  path: string;
  state: 'connecting' | 'open' | 'closing' | 'closed';
  /** for closed ones: "terminated: 2 pings unanswered", "closed 1000", ... */
  closeText: string | null;
  framesIn: number;
  framesOut: number;
  /** ms since the last event of this connection (null: none seen) */
  idleMs: number | null;
  rtt: number | null;
  missed: number;
  maxMisses: number;
  /** 0: heartbeat off */
  intervalMs: number;
}

export interface RosterRow {
  id: string;
  name: string;
  conns: RosterConn[];
  /** live (not closed) connections */
  live: number;
}

export interface Totals {
  participants: number;
  liveConns: number;
  /** participants with no live connection (gone, or reaped) */
  away: number;
  /** live connections whose server heartbeat has missed at least one pong */
  missing: number;
}

const READY = ['connecting', 'open', 'closing', 'closed'] as const;

function closeText(v: ConnView): string {
  const last = v.heartbeats.at(-1);
  if (last?.action === 'terminate') return `terminated, ${last.missed} ping${last.missed === 1 ? '' : 's'} missed`;
  const c = v.close!;
  if (c.code !== null) return `closed ${c.code}${c.initiator !== 'none' ? ` by the ${c.initiator}` : ''}`;
  return c.initiator === 'none' ? 'dropped (no close frame)' : 'closed';
}

/** One connection's row from what the store saw of it, with the snapshot filling in what it missed. */
export function rosterConn(v: ConnView | undefined, snap: ConnSnapshot | undefined, serverNow: number): RosterConn | null {
  const conn = v?.conn ?? snap?.conn;
  if (!conn) return null;
  const hb = v?.heartbeats.at(-1);
  const lastPong = v ? [...v.heartbeats].reverse().find((h) => h.action === 'pong' && h.rtt !== null) : undefined;
  const rtt = lastPong?.rtt ?? v?.rtts.at(-1)?.rtt ?? snap?.heartbeat?.lastRtt ?? null;
  const closed = !!v?.close;
  const serverState = v?.states.filter((s) => s.side === 'server').at(-1)?.to;
  const state = closed ? 'closed' : READY[serverState ?? snap?.readyState ?? 1];
  return {
    conn,
    path: v?.open?.path ?? snap?.path ?? '?',
    state,
    closeText: closed ? closeText(v!) : null,
    framesIn: v?.framesIn ?? 0,
    framesOut: v?.framesOut ?? 0,
    idleMs: v && v.lastT > 0 ? Math.max(0, serverNow - v.lastT) : null,
    rtt,
    missed: closed ? (hb?.missed ?? 0) : (hb?.missed ?? snap?.heartbeat?.missed ?? 0),
    maxMisses: hb?.maxMisses ?? snap?.heartbeat?.maxMisses ?? 0,
    intervalMs: hb?.intervalMs ?? snap?.heartbeat?.intervalMs ?? 0,
  };
}

/**
 * Participants, in the order they joined, each with their connections (live first, newest
 * first; closed ones for CLOSED_KEPT_MS). A connection belongs to the participant whose name it
 * carries: the latest meta event the store saw, else the snapshot (names are unique in a room).
 */
export function rosterRows(participants: readonly RoomParticipant[], conns: Iterable<ConnView>, snapshot: readonly ConnSnapshot[], serverNow: number): RosterRow[] {
  const byName = new Map<string, RosterRow>();
  const rows = participants.map((p) => {
    const row: RosterRow = { id: p.id, name: p.name, conns: [], live: 0 };
    byName.set(p.name, row);
    return row;
  });
  const snaps = new Map(snapshot.map((s) => [s.conn, s]));
  const seen = new Set<string>();
  for (const v of conns) {
    const snap = snaps.get(v.conn);
    const name = v.meta?.name ?? snap?.name ?? null;
    if (!name) continue;
    if (v.close && serverNow - v.close.t > CLOSED_KEPT_MS) continue;
    // a connection the store saw open but the server no longer lists has gone, though its close is not here yet
    if (!v.close && !snap && v.open && snapshot.length > 0 && serverNow - v.lastT > CLOSED_KEPT_MS) continue;
    const row = byName.get(name);
    const rc = rosterConn(v, snap, serverNow);
    if (row && rc) row.conns.push(rc);
    seen.add(v.conn);
  }
  for (const s of snapshot) {
    if (seen.has(s.conn) || !s.name) continue;
    const row = byName.get(s.name);
    const rc = rosterConn(undefined, s, serverNow);
    if (row && rc) row.conns.push(rc);
  }
  const num = (id: string) => Number(id.replace(/^\D+/, ''));
  for (const row of rows) {
    row.conns.sort((a, b) => Number(a.state === 'closed') - Number(b.state === 'closed') || num(b.conn) - num(a.conn));
    row.live = row.conns.filter((c) => c.state !== 'closed').length;
  }
  return rows;
}

export function totals(rows: readonly RosterRow[]): Totals {
  let liveConns = 0;
  let away = 0;
  let missing = 0;
  for (const r of rows) {
    liveConns += r.live;
    if (r.live === 0) away++;
    for (const c of r.conns) if (c.state !== 'closed' && c.missed > 0) missing++;
  }
  return { participants: rows.length, liveConns, away, missing };
}

/** A lab path without the ?session= the page added to find its own connection: "/lab/echo". */
export function displayPath(path: string): string {
  const q = path.indexOf('?');
  if (q < 0) return path;
  const kept = path
    .slice(q + 1)
    .split('&')
    .filter((p) => p !== '' && !p.startsWith('session='));
  return path.slice(0, q) + (kept.length ? `?${kept.join('&')}` : '');
}

/** "just now", "4 s", "2 min", "1 h" */
export function ago(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1000) return 'just now';
  if (ms < 60_000) return `${Math.floor(ms / 1000)} s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min`;
  return `${Math.floor(ms / 3_600_000)} h`;
}

export function rttText(rtt: number | null): string {
  return rtt === null ? '—' : rtt < 10 ? `${rtt.toFixed(1)} ms` : `${Math.round(rtt)} ms`;
}

/** Whose link an effect or event is about, from the reader's side: "everyone's", "your", "Ada's". */
function whose(participant: string | null, name: string | null, you: string | null): string {
  if (participant === null) return "everyone's";
  if (participant === you) return 'your';
  return `${name ?? participant}'s`;
}

function left(until: number | null, now: number): string {
  if (until === null) return 'until the presenter restores it';
  const s = Math.max(0, Math.ceil((until - now) / 1000));
  return `${s} s left`;
}

/**
 * One effect in force, as a participant reads it ("The presenter is blackholing everyone's link
 * (7 s left).") or, with `subject` "You", as the presenter does.
 */
export function describeEffect(e: Effect, you: string | null, now: number, subject: 'The presenter' | 'You' = 'The presenter'): string {
  const link = `${whose(e.participant, e.name, you)} link`;
  if (e.action === 'blackhole') return `${subject} ${subject === 'You' ? 'are' : 'is'} blackholing ${link} (${left(e.until, now)}).`;
  return `${subject} added ${e.latencyMs} ms of latency each way to ${link} (${left(e.until, now)}).`;
}

/** What to watch while effects touch you; null when none does. */
export function watchHint(effects: readonly Effect[], you: string | null): string | null {
  const mine = effects.filter((e) => e.participant === null || e.participant === you);
  if (mine.some((e) => e.action === 'blackhole')) {
    return "Watch your heartbeat: the server's pings cannot reach you, so it counts misses and then terminates your connection — while your browser still says OPEN.";
  }
  const lat = mine.find((e) => e.action === 'latency');
  if (lat) return `Watch the round trip: a ping now needs at least ${2 * (lat.latencyMs ?? 0)} ms to come back as a pong.`;
  return null;
}

/** A workshop event as one line of the room's log. */
export function describeEvent(e: EventOf<'workshop'>, you: string | null): string {
  const who = e.participant === null ? 'everyone' : e.participant === you ? 'you' : (e.name ?? e.participant);
  const self = e.participant === you ? 'You' : (e.name ?? e.participant ?? 'Someone');
  const time = e.durationMs !== null ? ` for ${Math.round(e.durationMs / 1000)} s` : '';
  const n = ` (${e.conns} connection${e.conns === 1 ? '' : 's'})`;
  switch (e.action) {
    case 'join':
      return `${self} joined.`;
    case 'rename':
      return self === 'You' ? `You are now called ${e.name}.` : `A participant is now called ${e.name}.`;
    case 'leave':
      return e.by === 'timer' ? `${self} left: no page open for the grace period.` : `${self} left.`;
    case 'remove':
      return self === 'You' ? 'The presenter removed you from the room.' : `The presenter removed ${self} from the room.`;
    case 'blackhole':
      return `The presenter blackholed ${who}${time}${n}.`;
    case 'latency':
      return e.latencyMs === 0 ? `The presenter took the latency off ${who}${n}.` : `The presenter added ${e.latencyMs} ms of latency to ${who}${time}${n}.`;
    case 'reset':
      return `The presenter reset ${who}'s connections with RST${n}.`;
    case 'restore':
      return e.by === 'timer' ? `Time is up: ${who === 'you' ? 'your' : who === 'everyone' ? "everyone's" : `${who}'s`} link is back${n}.` : `The presenter restored ${who}${n}.`;
    case 'heartbeat': {
      const hb = e.heartbeat!;
      return hb.intervalMs === 0
        ? `The presenter turned the server heartbeat off for ${who}${n}.`
        : `The presenter set the server heartbeat for ${who}: a ping every ${hb.intervalMs} ms, terminate after ${hb.maxMisses} missed${n}.`;
    }
  }
}

/** The newest workshop events from the store, newest first. */
export function recentWorkshopEvents(events: readonly { type: string }[], max: number): EventOf<'workshop'>[] {
  const out: EventOf<'workshop'>[] = [];
  for (let i = events.length - 1; i >= 0 && out.length < max; i--) if (events[i].type === 'workshop') out.push(events[i] as EventOf<'workshop'>);
  return out;
}
