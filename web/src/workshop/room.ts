// The room as the page knows it: GET /__wslab/workshop (participants, effects in force, the
// server's clock) and GET /__wslab/connections, fetched again when the event store sees something
// that changes them (a workshop event, a named connection opening or closing) and every few
// seconds. The events themselves come only from the store: this reads it, it does not follow the
// stream a second time.
import type { EventStore } from '../store/store.ts';
import { Versioned } from '../store/versioned.ts';
import { getConnections, getRoom, type ConnSnapshot, type RoomState } from './api.ts';

const REFRESH_MS = 5000;

export interface RoomOptions {
  /** also fetch GET /__wslab/connections (the presenter's roster; a participant needs only the store) */
  snapshot: boolean;
  /**
   * changes seen in the stream are gathered this long before one refetch, ms. A room of a hundred
   * pages sees the same events at the same moment: participants wait a random part of a second
   * longer, so their refetches do not all land on the server together.
   */
  settleMs: () => number;
}

export class Room extends Versioned {
  status: 'loading' | 'off' | 'on' | 'error' = 'loading';
  error: string | null = null;
  state: RoomState | null = null;
  snapshot: ConnSnapshot[] = [];
  /** server clock − performance.now(), from the last answer */
  private offset = 0;
  private seenSeq = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private interval: ReturnType<typeof setInterval> | null = null;
  private unsubscribe: (() => void) | null = null;
  private inFlight = false;
  private again = false;

  constructor(
    private readonly store: EventStore,
    private readonly options: RoomOptions,
  ) {
    super();
  }

  start(): void {
    this.seenSeq = this.store.lastSeq;
    this.unsubscribe = this.store.subscribe(() => this.onStore());
    this.interval = setInterval(() => void this.refresh(), REFRESH_MS);
    void this.refresh();
  }

  stop(): void {
    this.unsubscribe?.();
    if (this.interval) clearInterval(this.interval);
    if (this.timer) clearTimeout(this.timer);
    this.unsubscribe = this.interval = this.timer = null;
  }

  /** The server's event clock now (ms), estimated from its last answer. */
  serverNow(): number {
    return performance.now() + this.offset;
  }

  /** Fetches the room and the connections now (again after the current fetch, if one is running). */
  async refresh(): Promise<void> {
    if (this.inFlight) {
      this.again = true;
      return;
    }
    this.inFlight = true;
    const sent = performance.now();
    const [room, conns] = await Promise.all([getRoom(), this.options.snapshot ? getConnections() : null]);
    const received = performance.now();
    this.inFlight = false;
    if (room.ok) {
      this.status = 'on';
      this.error = null;
      this.state = room.value;
      // the answer was made somewhere between sending and receiving: take the middle
      this.offset = room.value.now - (sent + received) / 2;
    } else if (room.status === 404) {
      this.status = 'off';
      this.error = room.error;
    } else {
      this.status = this.state ? 'on' : 'error';
      this.error = room.error;
    }
    if (conns?.ok) this.snapshot = conns.value.connections;
    this.changed();
    if (this.again) {
      this.again = false;
      void this.refresh();
    }
  }

  /** New events: refetch when one of them changes the room or its connections. */
  private onStore(): void {
    const events = this.store.events;
    let relevant = false;
    for (let i = events.length - 1; i >= 0 && events[i].seq > this.seenSeq; i--) {
      const e = events[i];
      if (e.type === 'workshop' || (e.type === 'meta' && e.name) || e.type === 'close' || e.type === 'conn.open') relevant = true;
    }
    if (events.length) this.seenSeq = Math.max(this.seenSeq, events[events.length - 1].seq);
    if (relevant && this.status !== 'off' && !this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.refresh();
      }, this.options.settleMs());
    }
  }
}
