// What the sequence diagram draws, from the store: the events of the chosen connections. Pure.
import type { WslabEvent } from '../../../server/core/events/schema.ts';

/**
 * The events that belong to `conns` (every connection's when `conns` is null), plus what the
 * diagram needs around them: every fan-out hop of a message one of those connections sent, so its
 * path through the broker is drawn whole, and — only when one of them reached a fan-out node or
 * sent through the broker — the nodes' and the broker's own events. A connection to /lab/echo is
 * drawn with its client and the server alone; chat nodes that merely exist stay out of it.
 */
export function eventsFor(events: readonly WslabEvent[], conns: ReadonlySet<string> | null): WslabEvent[] {
  const msgIds = new Set<string>();
  let fanout = conns === null;
  if (conns !== null) {
    const nodePorts = new Set<number>();
    for (const e of events) {
      if (e.type === 'node') nodePorts.add(e.port);
      else if (e.type === 'conn.open' && conns.has(e.conn) && nodePorts.has(e.local.port)) fanout = true;
      else if (e.type === 'fanout' && e.conn !== undefined && conns.has(e.conn)) {
        fanout = true;
        if (e.msgId) msgIds.add(e.msgId);
      }
    }
  }
  const out: WslabEvent[] = [];
  for (const e of events) {
    if (e.type === 'node' || e.type === 'broker') {
      // a node's start is topology (which port is which node), never drawn; the rest is drawn
      if (fanout || (e.type === 'node' && e.action === 'start')) out.push(e);
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
