// What a lab is to the connection layer: a WebSocket route under /lab/ with its own ws options and behaviour.
import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { EventBus } from '../stream/bus.ts';
import type { ConnectionRecord } from './registry.ts';
import type { MemoryBudget } from '../process/budget.ts';

export interface LabWsOptions {
  /**
   * offer permessage-deflate on this upgrade: `true` with server_no_context_takeover and small
   * windows (a few KiB per connection), `'takeover'` with context takeover and full 32 KiB windows
   * (about 300 KiB per connection: only for a lab that shows what takeover costs)
   */
  perMessageDeflate: boolean | 'takeover';
  /** largest message accepted, bytes (ws closes with 1009 above it) */
  maxPayload: number;
}

export interface LabContext {
  url: URL;
  conn: string;
  bus: EventBus;
  record: ConnectionRecord;
  /** the server's default maxPayload for labs */
  maxPayload: number;
  /** the upgrade request's headers (cookies, subprotocols); the request itself is not kept */
  headers?: IncomingHttpHeaders;
  /** the TCP socket under the WebSocket (a lab that counts its bytes reads its counters) */
  socket?: Socket;
  /** the server's memory budget: a lab that buffers for its client leases what it holds */
  budget?: MemoryBudget;
}

export interface Lab {
  /** the path after /lab/: one segment, or two for a lab that also has HTTP endpoints (transports/ws) */
  name: string;
  /** one sentence for the labs list and the README */
  description: string;
  wsOptions(url: URL, defaults: LabWsOptions): LabWsOptions;
  /** checks the upgrade's query before the handshake: a sentence refuses it with 400 */
  check?(url: URL): string | null;
  onConnection(ws: WebSocket, ctx: LabContext): void;
}
