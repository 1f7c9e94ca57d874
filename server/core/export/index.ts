// Exports of the history (or one connection): a HAR in Chrome's shape and a pcapng capture with
// synthesised TCP. Pure: `wslab export` and /inspect's buttons run the same code.
import type { WslabEvent } from '../events/schema.ts';
import { gatherConnections } from './connections.ts';
import { connectionsToHar } from './har.ts';
import { connectionsToPcapng } from './pcapng.ts';

export { gatherConnections, type ConnRecord } from './connections.ts';
export { connectionsToHar } from './har.ts';
export { connectionsToPcapng, parseAddress, type PcapngExport } from './pcapng.ts';

export interface ExportOptions {
  /** wall-clock ms of event time t = 0 (a server's start: now minus its uptime) */
  wallClockAtZero: number;
  /** only this connection */
  conn?: string;
}

export function exportHar(events: readonly WslabEvent[], opts: ExportOptions): { json: string; connections: number } {
  const conns = gatherConnections(events, opts.conn);
  return { json: JSON.stringify(connectionsToHar(conns, opts), null, 2), connections: conns.length };
}

export function exportPcapng(events: readonly WslabEvent[], opts: ExportOptions): { bytes: Uint8Array; connections: number; packets: number; cutFrames: number } {
  const conns = gatherConnections(events, opts.conn);
  return { ...connectionsToPcapng(conns, opts), connections: conns.length };
}
