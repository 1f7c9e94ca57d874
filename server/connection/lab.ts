// What a lab is to the connection layer: a WebSocket route under /lab/ with its own ws options and behaviour.
import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { EventBus } from '../stream/bus.ts';
import type { ConnectionRecord } from './registry.ts';

export interface LabWsOptions {
  /** offer permessage-deflate on this upgrade */
  perMessageDeflate: boolean;
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
}

export interface Lab {
  /** the path after /lab/: one segment, or two for a lab that also has HTTP endpoints (transports/ws) */
  name: string;
  /** one sentence for the labs list and the README */
  description: string;
  wsOptions(url: URL, defaults: LabWsOptions): LabWsOptions;
  onConnection(ws: WebSocket, ctx: LabContext): void;
}
