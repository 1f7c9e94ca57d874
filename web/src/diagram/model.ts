// What the sequence diagram draws, from the store: the events of the chosen connections. Pure.
import type { WslabEvent } from '../../../server/events/schema.ts';

/** The events that belong to `conns` (all events that have a connection when `conns` is null). */
export function eventsFor(events: readonly WslabEvent[], conns: ReadonlySet<string> | null): WslabEvent[] {
  const out: WslabEvent[] = [];
  for (const e of events) {
    const c = 'conn' in e ? e.conn : undefined;
    if (c === undefined) continue;
    if (conns === null || conns.has(c)) out.push(e);
  }
  return out;
}

/** seq → conn for the events given, so a clicked arrow can select its connection too. */
export function connBySeq(events: readonly WslabEvent[]): Map<number, string> {
  const m = new Map<number, string>();
  for (const e of events) if ('conn' in e && e.conn !== undefined) m.set(e.seq, e.conn);
  return m;
}
