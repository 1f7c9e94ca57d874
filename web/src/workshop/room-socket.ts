// A participant's own connection in the room: a browser WebSocket to /lab/echo through the chaos
// link (so the presenter can blackhole, delay or reset it), reconnecting with backoff and jitter
// when it closes. Each attempt has its own ?session= id, which is how the page finds the server's
// name for it (conn.open carries the session id) while the cookie still carries the participant's
// name onto it.
import { ReconnectingClient, type SocketLike } from '../reconnect/client.ts';
import type { EventStore } from '../store/store.ts';
import { Versioned } from '../store/versioned.ts';
import { findConnBySession, newSessionId, wsOrigin } from '../ws/session.ts';

/** The tag of participants' link connections (GET /__wslab/link shows it). */
export const ROOM_LINK_TAG = 'workshop';

export class RoomSocket extends Versioned {
  readonly client: ReconnectingClient;
  private socket: WebSocket | null = null;
  private session: string | null = null;
  private afterSeq = 0;
  private conn: string | null = null;
  /** messages the echo sent back */
  echoes = 0;

  constructor(private readonly store: EventStore) {
    super();
    this.client = new ReconnectingClient({
      policy: { baseMs: 500, capMs: 8000, stableMs: 5000 },
      connect: () => {
        this.session = newSessionId('wk');
        this.afterSeq = this.store.lastSeq;
        this.conn = null;
        const ws = new WebSocket(`${wsOrigin(location.origin)}/lab/echo?link=${ROOM_LINK_TAG}&session=${this.session}`);
        this.socket = ws;
        return ws as unknown as SocketLike;
      },
      onMessage: () => {
        this.echoes++;
        this.changed();
      },
    });
    this.client.subscribe(() => this.changed());
  }

  start(): void {
    this.client.start();
  }

  stop(): void {
    this.client.stop();
    this.socket = null;
  }

  /** What the browser's own WebSocket says (null before the first attempt). */
  get readyState(): number | null {
    return this.socket ? this.socket.readyState : null;
  }

  /** The server's id for the current connection, once its conn.open is in the store. */
  serverConn(): string | null {
    if (this.conn === null && this.session !== null) this.conn = findConnBySession(this.store.events, this.session, this.afterSeq);
    return this.conn;
  }

  /** Sends a message through the link (the echo answers); false when the browser says it is not OPEN. */
  hello(name: string): boolean {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) return false;
    this.socket.send(`hello from ${name}`);
    return true;
  }
}
