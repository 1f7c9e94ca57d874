// The one place that reaches into private fields of ws and Node. ws does not expose the TCP socket
// under a WebSocket, which wslab needs for buffer figures and for corking observers' writes; Node
// caches a socket's addresses. If either renames them, only this file changes.
import type { Socket } from 'node:net';
import * as WsModule from 'ws';
import type { WebSocket, PerMessageDeflateOptions } from 'ws';

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

interface PerMessageDeflateLike {
  accept(offers: unknown[]): unknown;
}
interface WsExtras {
  PerMessageDeflate: { new (options: object): PerMessageDeflateLike; extensionName: string };
  extension: { parse(header: string): Record<string, unknown[]> };
}

/**
 * Whether ws would accept any of the client's permessage-deflate offers with these options: null
 * when it would (or nothing is offered, or the header does not parse: ws answers that with 400
 * itself), else why not. ws answers an offer it cannot accept with 400; RFC 7692 §5 says a server
 * that accepts none of the offers goes on without the extension, so the caller hides the header
 * from ws when this returns a sentence. ws's own `accept` decides, so the two cannot disagree.
 */
export function deflateOfferDeclined(options: boolean | PerMessageDeflateOptions, maxPayload: number, header: string | undefined): string | null {
  if (options === false || header === undefined) return null;
  const { PerMessageDeflate, extension } = WsModule as unknown as WsExtras;
  let offers: unknown[] | undefined;
  try {
    offers = extension.parse(header)[PerMessageDeflate.extensionName];
  } catch {
    return null;
  }
  if (!offers) return null;
  try {
    new PerMessageDeflate({ ...(typeof options === 'object' ? options : {}), isServer: true, maxPayload }).accept(offers);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}
