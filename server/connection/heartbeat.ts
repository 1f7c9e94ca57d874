// Server-side heartbeats: ping every interval, measure the round trip from the pong that crosses the
// tap, count pongs that did not come, and terminate after the allowed number of misses. TCP alone
// does not notice a peer that vanished without a FIN or RST (a phone in a tunnel): this does.
import type { WebSocket } from 'ws';
import type { EventBus } from '../stream/bus.ts';
import type { HeartbeatConfig, HeartbeatState } from '../core/api/heartbeat.ts';
import type { ConnectionTap } from './tap/tap.ts';
import { safeInterval } from '../process/safe.ts';

/** What a heartbeat needs of the connection's tap: its client pongs, and a place to note why it ended the connection. */
export interface PongSource {
  onClientPong(listener: (rtt: number | null) => void): () => void;
  noteServerAction(cause: string): void;
}

export class Heartbeat {
  private timer: NodeJS.Timeout | null = null;
  private awaiting = false;
  private missed = 0;
  private sent = 0;
  private lastRtt: number | null = null;
  private readonly stopListening: () => void;

  constructor(
    private readonly ws: WebSocket,
    private readonly tap: PongSource,
    private readonly bus: EventBus,
    private readonly conn: string,
    private config: HeartbeatConfig,
  ) {
    this.stopListening = tap.onClientPong((rtt) => this.onPong(rtt));
    this.schedule();
  }

  configure(config: Partial<HeartbeatConfig>): void {
    this.config = { ...this.config, ...config };
    this.missed = 0;
    this.awaiting = false;
    this.event('config', null);
    this.schedule();
  }

  /** Publishes the current setting as a `config` event (a new connection's, before its first ping). */
  announce(): void {
    this.event('config', null);
  }

  describe(): HeartbeatState {
    return { ...this.config, missed: this.missed, lastRtt: this.lastRtt };
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.stopListening();
  }

  private schedule(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.config.intervalMs > 0) {
      this.timer = safeInterval('a heartbeat', () => this.beat(), this.config.intervalMs);
      this.timer.unref();
    }
  }

  private event(action: 'config' | 'ping' | 'pong' | 'miss' | 'terminate', rtt: number | null): void {
    this.bus.publish({
      type: 'heartbeat',
      conn: this.conn,
      action,
      missed: this.missed,
      maxMisses: this.config.maxMisses,
      intervalMs: this.config.intervalMs,
      rtt,
    });
  }

  private beat(): void {
    if (this.ws.readyState !== 1) return;
    if (this.awaiting) {
      this.missed++;
      this.event('miss', null);
      if (this.missed >= this.config.maxMisses) {
        this.event('terminate', null);
        this.stop();
        this.ws.terminate();
        this.tap.noteServerAction(`terminate(): ${this.missed} heartbeat pings went unanswered`);
        return;
      }
    }
    this.awaiting = true;
    this.sent++;
    this.ws.ping(`hb:${this.sent}`);
    this.event('ping', null);
  }

  /** A client pong crossed the tap (with its RTT when it answered one of the tap's pings). */
  onPong(rtt: number | null): void {
    this.awaiting = false;
    this.missed = 0;
    if (rtt !== null) this.lastRtt = rtt;
    this.event('pong', rtt);
  }
}
