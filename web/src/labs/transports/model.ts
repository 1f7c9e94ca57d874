// The transports lab's arithmetic, kept apart from fetch, EventSource and WebSocket so it can be
// tested alone: what each transport received and how late, and the per-update figures derived from
// the server's own byte counts (server/core/labs/transports-stats.ts).
import type { TransportUpdate } from '../../../../server/core/labs/transports-feed.ts';
import type { ConnectionUse, Transport, TransportTotals } from '../../../../server/core/labs/transports-stats.ts';

export { TRANSPORTS } from '../../../../server/core/labs/transports-stats.ts';
export type { ClientStats, ConnectionUse, Transport, TransportTotals } from '../../../../server/core/labs/transports-stats.ts';
export type { TransportUpdate };

/** latencies kept per transport for the chart (at 2 updates a second: 5 minutes) */
export const MAX_LATENCIES = 600;

export interface Tally {
  /** distinct updates received */
  received: number;
  /** the newest seq received (the start seq before any) */
  lastSeq: number;
  /** updates received again (a replay after a reconnect may repeat one) */
  duplicates: number;
  /** seqs that never arrived: jumped over */
  gaps: number;
  /** seq → ms from the server having it to this page having it, newest last */
  latencies: Map<number, number>;
  latencySum: number;
  latencyMax: number;
  lastLatency: number | null;
  /** the last message exactly as it arrived, shown as text */
  lastPayload: string | null;
  /** the latest problem (an HTTP error, a dropped stream), null once things work again */
  problem: string | null;
}

export function newTally(startSeq: number): Tally {
  return { received: 0, lastSeq: startSeq, duplicates: 0, gaps: 0, latencies: new Map(), latencySum: 0, latencyMax: 0, lastLatency: null, lastPayload: null, problem: null };
}

/**
 * Records one update received at `receivedAt` (epoch ms with a fraction, the page's clock).
 * Latency compares the server's clock with the page's: on one machine both read the same system
 * clock, so the difference is the delivery time plus at most a little clock-reading noise.
 */
export function receive(t: Tally, u: TransportUpdate, receivedAt: number): void {
  if (u.seq <= t.lastSeq) {
    // every transport here delivers in order, so an old seq is a repeat
    t.duplicates++;
    return;
  }
  if (u.seq > t.lastSeq + 1) t.gaps += u.seq - t.lastSeq - 1;
  t.lastSeq = Math.max(t.lastSeq, u.seq);
  const ms = receivedAt - u.at;
  t.received++;
  t.latencySum += ms;
  t.latencyMax = Math.max(t.latencyMax, ms);
  t.lastLatency = ms;
  t.latencies.set(u.seq, ms);
  if (t.latencies.size > MAX_LATENCIES) t.latencies.delete(t.latencies.keys().next().value!);
}

export function meanLatency(t: Tally): number | null {
  return t.received ? t.latencySum / t.received : null;
}

/** Every byte of the transport on the wire, both ways, divided by the updates it delivered. */
export function bytesPerUpdate(s: TransportTotals): number | null {
  return s.updates ? (s.requestBytes + s.responseBytes) / s.updates : null;
}

/** The same without the one-off cost of opening a stream (SSE's request and head, the handshake). */
export function steadyBytesPerUpdate(s: TransportTotals): number | null {
  return s.updates ? (s.requestBytes + s.responseBytes - s.setupBytes) / s.updates : null;
}

/** How many requests the busiest connection carried: 2 or more means HTTP kept it open and reused it. */
export function busiest(s: TransportTotals): ConnectionUse | null {
  let best: ConnectionUse | null = null;
  for (const c of s.connections) if (!best || c.requests > best.requests) best = c;
  return best;
}

export function connectionCount(s: TransportTotals): number {
  return s.connections.length + s.moreConnections;
}

/** uPlot data: x = seq, one latency column per transport (null where it has none for that seq). */
export function latencyChart(tallies: Record<Transport, Tally>, order: readonly Transport[]): [number[], ...(number | null)[][]] {
  const seqs = new Set<number>();
  for (const k of order) for (const seq of tallies[k].latencies.keys()) seqs.add(seq);
  const xs = [...seqs].sort((a, b) => a - b).slice(-MAX_LATENCIES);
  return [xs, ...order.map((k) => xs.map((seq) => tallies[k].latencies.get(seq) ?? null))];
}
