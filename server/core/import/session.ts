// A session saved by wslab as wslab events: the NDJSON of GET /__wslab/events (or /inspect's
// export, frames only), one event per line, each validated against the event schema. The events
// are kept as they were; only their connection ids are renamed (i1, i2, …) so they cannot be taken
// for the live server's, and `t` starts at the file's first event.
import { parseEvent, type EventBody, type WslabEvent } from '../events/schema.ts';
import type { TimedBody } from './events.ts';

export interface SessionImport {
  events: TimedBody[];
  connections: number;
  frames: number;
  problems: string[];
}

/** Lines that fail to parse are counted; the first few are named. */
const NAMED_BAD_LINES = 5;

export function importSession(text: string, file: string, nextId: () => string): SessionImport | { error: string } {
  const problems: string[] = [];
  const valid: WslabEvent[] = [];
  let bad = 0;
  let gaps = 0;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      if (++bad <= NAMED_BAD_LINES) problems.push(`line ${i + 1} is not JSON`);
      continue;
    }
    const r = parseEvent(json);
    if (!r.ok) {
      if (++bad <= NAMED_BAD_LINES) problems.push(`line ${i + 1} is not a wslab event: ${r.error.split('\n')[0]}`);
      continue;
    }
    if (r.event.type === 'gap') {
      gaps += r.event.dropped;
      continue;
    }
    valid.push(r.event);
  }
  if (valid.length === 0) {
    return { error: bad > 0 ? `${file} holds no wslab events (${bad} line${bad === 1 ? '' : 's'} could not be read: ${problems[0]})` : `${file} is empty` };
  }
  if (bad > NAMED_BAD_LINES) problems.push(`… and ${bad - NAMED_BAD_LINES} more lines that are not wslab events`);
  if (gaps > 0) problems.push(`the session says ${gaps} event${gaps === 1 ? ' was' : 's were'} not delivered to whoever saved it (gap events)`);
  valid.sort((a, b) => a.seq - b.seq);
  const t0 = Math.min(...valid.map((e) => e.t));
  const ids = new Map<string, string>();
  let frames = 0;
  const events: TimedBody[] = valid.map((e) => {
    const { v: _v, seq: _seq, t, ...rest } = e;
    const body = { ...rest, t: Math.max(0, t - t0) } as TimedBody & { conn?: string };
    if (typeof body.conn === 'string') {
      let id = ids.get(body.conn);
      if (id === undefined) ids.set(body.conn, (id = nextId()));
      const original = body.conn;
      body.conn = id;
      if (body.type === 'conn.open') (body as EventBody<'conn.open'>).imported = { format: 'session', file, startedAt: null, source: original, synthesised: [] };
    }
    if (body.type === 'frame') frames++;
    return body;
  });
  return { events, connections: ids.size, frames, problems };
}
