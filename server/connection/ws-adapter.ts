// The one place that reaches into private fields of ws and Node. ws does not expose the TCP socket
// under a WebSocket, which wslab needs for buffer figures and for corking observers' writes; Node
// caches a socket's addresses. If either renames them, only this file changes.
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

interface WsInternals {
  _socket?: Socket;
}

/** The TCP socket under a WebSocket (undefined before it is set up or after ws let go of it). */
export function socketOf(ws: WebSocket): Socket | undefined {
  return (ws as unknown as WsInternals)._socket;
}

/** Bytes queued in the socket below ws (the kernel's send buffer is not counted). */
export function writableLengthOf(ws: WebSocket | null | undefined): number {
  return (ws && socketOf(ws)?.writableLength) || 0;
}

/**
 * Node keeps the 4-tuple it read for `remoteAddress`/`localAddress` on the socket (two small
 * objects per connection, which a bare ws server never makes). Once the registry has its own copy,
 * the socket's is let go; reading the getters again would only ask the OS again.
 */
export function dropAddressCache(socket: Socket): void {
  const cache = socket as unknown as { _peername?: unknown; _sockname?: unknown };
  cache._peername = undefined;
  cache._sockname = undefined;
}
