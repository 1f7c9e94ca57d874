// A proxied connection seen as the WebSocket the rest of wslab expects on a connection record
// (record.ws): its readyState, protocol and extensions for /__wslab/connections, ping() for
// heartbeats, close() for shutdown, terminate(). There is no WebSocket object in the relay: these
// act on the two byte streams, putting the proxy's own control frames between the peers' frames.
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { FrameBoundary, closePayload, controlFrame } from './boundary.ts';

/** How long a close sent by the proxy waits for the peers to finish before both sockets are cut. */
const CLOSE_WAIT_MS = 2_000;

/** One direction of the relay: bytes from `from` to `to`, frame boundaries tracked for injection. */
export class RelayLeg {
  readonly boundary = new FrameBoundary();
  /** frames the proxy wants to send, waiting for the next boundary */
  private pending: Uint8Array[] = [];

  constructor(private readonly to: Socket) {}

  /** Relays a chunk from the peer, putting pending frames at the first boundary inside it. */
  relay(chunk: Buffer): boolean {
    if (this.pending.length === 0) {
      this.boundary.feed(chunk);
      return this.to.write(chunk);
    }
    const end = this.boundary.firstEnd(chunk);
    if (end < 0) return this.to.write(chunk);
    this.to.write(chunk.subarray(0, end));
    this.flush();
    const rest = chunk.subarray(end);
    if (rest.length === 0) return !this.to.writableNeedDrain;
    this.boundary.feed(rest);
    return this.to.write(rest);
  }

  /** Sends one of the proxy's own frames now when between frames, else at the next boundary. */
  inject(frame: Uint8Array): void {
    if (this.pending.length >= 16) return; // a peer stuck mid-frame: heartbeats need not pile up
    this.pending.push(frame);
    if (this.boundary.atBoundary) this.flush();
  }

  private flush(): void {
    const frames = this.pending;
    this.pending = [];
    for (const f of frames) if (this.to.writable) this.to.write(f);
  }
}

/** The WebSocket-shaped face of one proxied connection. */
export class ProxiedSocket extends EventEmitter {
  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readonly CLOSING = 2;
  readonly CLOSED = 3;
  readyState: 0 | 1 | 2 | 3 = 1;
  readonly bufferedAmount = 0;
  /** what server/connection/ws-adapter.ts reads for the send-buffer figures */
  readonly _socket: Socket;

  constructor(
    client: Socket,
    private readonly upstream: Socket,
    /** upstream → client (server frames, unmasked) */
    readonly s2c: RelayLeg,
    /** client → upstream (client frames, masked) */
    readonly c2s: RelayLeg,
    readonly protocol: string,
    readonly extensions: string,
  ) {
    super();
    this._socket = client;
    client.once('close', () => {
      this.readyState = 3;
      this.emit('close');
    });
  }

  /** A ping to the client, between the upstream's frames (the tap sees it as a server ping). */
  ping(data: string | Uint8Array = ''): void {
    if (this.readyState !== 1) return;
    this.s2c.inject(controlFrame(9, typeof data === 'string' ? new TextEncoder().encode(data) : data));
  }

  /**
   * Closes both peers as the other would: a close frame to the client (as the server) and a masked
   * one to the upstream (as the client), then both sockets end; cut if they have not within 2 s.
   */
  close(code = 1000, reason = ''): void {
    if (this.readyState !== 1) return;
    this.readyState = 2;
    const payload = closePayload(code, reason);
    this.s2c.inject(controlFrame(8, payload));
    this.c2s.inject(controlFrame(8, payload, randomBytes(4)));
    const cut = setTimeout(() => this.terminate(), CLOSE_WAIT_MS);
    cut.unref();
    this._socket.once('close', () => clearTimeout(cut));
  }

  terminate(): void {
    this._socket.destroy();
    this.upstream.destroy();
  }
}
