// What the sequence diagram draws, from the store: the events of the chosen connections. Pure.
import type { WslabEvent } from '../../../server/core/events/schema.ts';

/**
 * The events that belong to `conns` (every connection's when `conns` is null), plus what the
 * diagram needs around them: the nodes and broker (topology and status), and every fan-out hop of
 * a message one of those connections sent, so its path through the broker is drawn whole.
 */
export function eventsFor(events: readonly WslabEvent[], conns: ReadonlySet<string> | null): WslabEvent[] {
  const msgIds = new Set<string>();
  if (conns !== null) {
    for (const e of events) if (e.type === 'fanout' && e.conn !== undefined && conns.has(e.conn) && e.msgId) msgIds.add(e.msgId);
  }
  const out: WslabEvent[] = [];
  for (const e of events) {
    if (e.type === 'node' || e.type === 'broker') {
      out.push(e);
      continue;
    }
    if (e.type === 'fanout' && (conns === null || (e.msgId !== null && msgIds.has(e.msgId)))) {
      out.push(e);
      continue;
    }
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
