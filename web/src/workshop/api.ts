// The workshop API (server/workshop/api.ts) as typed fetch calls; errors come back as values with
// the server's own sentence. Presenter calls carry the key in Authorization, never in the URL.
import { apiCall as call, type Result } from '../http.ts';
import type { EventOf } from '../../../server/core/events/schema.ts';
import type { Effect } from '../../../server/core/api/workshop.ts';
import type { HeartbeatConfig } from '../../../server/core/api/heartbeat.ts';

export type { Result, Effect };

export interface RoomParticipant {
  id: string;
  name: string;
  joinedAt: number;
  /** live connections carrying the name */
  conns: number;
}

export interface RoomState {
  enabled: true;
  /** the server's event clock when it answered, ms */
  now: number;
  participants: RoomParticipant[];
  effects: Effect[];
  heartbeat: HeartbeatConfig | null;
  /** how long a participant with no page open stays in the room, ms */
  graceMs?: number;
  joinUrls: string[];
  you: { id: string; name: string } | null;
}

/** A row of GET /__wslab/connections, the fields the roster reads. */
export interface ConnSnapshot {
  conn: string;
  name: string | null;
  path: string;
  lab: string;
  openedAt: number;
  readyState: number;
  heartbeat: { intervalMs: number; maxMisses: number; missed: number; lastRtt: number | null } | null;
}

export type PresenterBody =
  | { action: 'blackhole'; seconds?: number; participant?: string }
  | { action: 'latency'; latencyMs: number; seconds?: number; participant?: string }
  | { action: 'reset' | 'restore'; participant?: string }
  | { action: 'heartbeat'; intervalMs: number; maxMisses?: number; participant?: string };

const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

export const getRoom = () => call<RoomState>('GET', '/__wslab/workshop');
export const joinRoom = (name: string) => call<{ id: string; name: string }>('POST', '/__wslab/workshop/join', { name });
export const leaveRoom = () => call<{ left: string }>('POST', '/__wslab/workshop/leave', {});
export const getConnections = () => call<{ count: number; connections: ConnSnapshot[] }>('GET', '/__wslab/connections');
export const checkPresenter = (key: string) => call<{ presenter: true }>('GET', '/__wslab/workshop/presenter', undefined, 'same-origin', bearer(key));
export const presenterAction = (key: string, body: PresenterBody) =>
  call<{ event: EventOf<'workshop'>; skipped: number }>('POST', '/__wslab/workshop/action', body, 'same-origin', bearer(key));

/** A one-use ticket for the presenter's event stream (the whole room; a WebSocket cannot carry the key). */
export const streamTicket = (key: string) =>
  call<{ ticket: string; expiresInMs: number }>('POST', '/__wslab/events/ticket', undefined, 'same-origin', bearer(key)).then((r) => (r.ok ? r.value.ticket : null));

/** Takes a participant out of the room (their lab connections close with 4003; they cannot rejoin). */
export const removeParticipant = (key: string, participant: string) =>
  call<{ event: EventOf<'workshop'> }>('POST', '/__wslab/workshop/remove', { participant }, 'same-origin', bearer(key));

/** The room's whole event stream (GET /__wslab/events with the key: every participant's), as a file to save. */
export async function downloadRecording(key: string): Promise<{ ok: true; blob: Blob; fileName: string; events: number } | { ok: false; error: string }> {
  let res: Response;
  try {
    res = await fetch('/__wslab/events?since=0', { headers: bearer(key), credentials: 'same-origin' });
  } catch (err) {
    return { ok: false, error: `the server did not answer (${(err as Error).message})` };
  }
  if (!res.ok) return { ok: false, error: `the server refused the recording (HTTP ${res.status}): ${(await res.text()).slice(0, 300)}` };
  const text = await res.text();
  const events = text === '' ? 0 : text.split('\n').filter((l) => l !== '').length;
  const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
  return { ok: true, blob: new Blob([text], { type: 'application/x-ndjson' }), fileName: `wslab-workshop-${stamp}.ndjson`, events };
}
