// The event bus: stamps events with v/seq/t, keeps a bounded ring-buffer history, and hands
// each event to subscribers. Pure (no node:* imports): the clock is injected.
import { EVENT_SCHEMA_VERSION, type EventBody, type EventType, type WslabEvent } from './schema.ts';
import { serializeEvent } from './serialize.ts';

export interface EventFilter {
  conn?: ReadonlySet<string> | null;
  types?: ReadonlySet<string> | null;
}

/**
 * One published event as the history keeps it: its JSON text (made once, shared by every
 * observer) and the two fields filters need. The object form is parsed again only when asked for,
 * so 100,000 events of history cost their text and little more.
 */
export class BusEntry {
  private parsed: WslabEvent | undefined;
  readonly seq: number;
  readonly type: string;
  readonly conn: string | undefined;
  readonly json: string;
  constructor(event: WslabEvent) {
    this.seq = event.seq;
    this.type = event.type;
    this.conn = 'conn' in event ? event.conn : undefined;
    this.json = serializeEvent(event);
  }
  get event(): WslabEvent {
    return (this.parsed ??= JSON.parse(this.json) as WslabEvent);
  }
}

/** Called for each event as it is published, with the event object and its history entry. */
export type Subscriber = (event: WslabEvent, entry: BusEntry) => void;

export interface BusOptions {
  /** how many events the history keeps (default 100,000) */
  historySize?: number;
  /** milliseconds since the server started; default performance.now() at construction as zero */
  clock?: () => number;
}

export function matches(event: { type: string; conn?: string }, filter: EventFilter | undefined): boolean {
  if (!filter) return true;
  if (filter.types && !filter.types.has(event.type)) return false;
  if (filter.conn && !(event.conn !== undefined && filter.conn.has(event.conn))) return false;
  return true;
}

export class EventBus {
  readonly historySize: number;
  private readonly ring: (BusEntry | undefined)[];
  private nextSeq = 1;
  private readonly subscribers = new Set<{ fn: Subscriber; filter?: EventFilter }>();
  private readonly clock: () => number;

  constructor(options: BusOptions = {}) {
    this.historySize = Math.max(1, options.historySize ?? 100_000);
    this.ring = new Array(this.historySize);
    if (options.clock) {
      this.clock = options.clock;
    } else {
      const start = performance.now();
      this.clock = () => performance.now() - start;
    }
  }

  /** Sequence number the next event will get. */
  get headSeq(): number {
    return this.nextSeq;
  }

  /** Oldest sequence number still in the history (equals headSeq when empty). */
  get oldestSeq(): number {
    return Math.max(1, this.nextSeq - this.historySize);
  }

  /** Milliseconds since the bus started, the same clock `t` uses. */
  now(): number {
    return this.clock();
  }

  publish<T extends EventType>(body: EventBody<T>): WslabEvent {
    const seq = this.nextSeq++;
    const t = Math.round(this.clock() * 1000) / 1000;
    let event: WslabEvent;
    if (body.type === 'frame' || body.type === 'message') {
      // The hot types are stamped in place (no copy); their JSON is written field by field anyway.
      const stamped = body as unknown as WslabEvent;
      stamped.v = EVENT_SCHEMA_VERSION;
      stamped.seq = seq;
      stamped.t = t;
      event = stamped;
    } else {
      event = { v: EVENT_SCHEMA_VERSION, seq, t, ...body } as WslabEvent;
    }
    const entry = new BusEntry(event);
    this.ring[seq % this.historySize] = entry;
    for (const sub of this.subscribers) {
      if (matches(entry, sub.filter)) sub.fn(event, entry);
    }
    return event;
  }

  /** The event with this sequence number, if the history still holds it. */
  at(seq: number): BusEntry | undefined {
    const entry = this.ring[seq % this.historySize];
    return entry && entry.seq === seq ? entry : undefined;
  }

  /**
   * Stamps an event meant for one observer only (a `gap`): it is neither stored nor broadcast. Its
   * seq is the last one it stands for, so every observer still sees seq rise monotonically.
   */
  publishPrivate(body: EventBody<'gap'>): WslabEvent {
    return { v: EVENT_SCHEMA_VERSION, seq: body.toSeq, t: Math.round(this.clock() * 1000) / 1000, ...body } as WslabEvent;
  }

  /** Events with seq >= since still in history, oldest first, and how many asked-for ones were evicted. */
  history(since: number, filter?: EventFilter): { entries: BusEntry[]; evicted: number } {
    const from = Math.max(since, this.oldestSeq);
    const evicted = Math.max(0, Math.min(this.oldestSeq, this.nextSeq) - Math.max(since, 1));
    const entries: BusEntry[] = [];
    for (let seq = from; seq < this.nextSeq; seq++) {
      const entry = this.ring[seq % this.historySize];
      if (entry && entry.seq === seq && matches(entry, filter)) entries.push(entry);
    }
    return { entries, evicted };
  }

  subscribe(fn: Subscriber, filter?: EventFilter): () => void {
    const sub = { fn, filter };
    this.subscribers.add(sub);
    return () => {
      this.subscribers.delete(sub);
    };
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }
}

/** Parses `conn=a,b` / `types=x,y` query values into a filter; empty means no filter. */
export function filterFromQuery(params: URLSearchParams): EventFilter {
  const list = (name: string) => {
    const raw = params.getAll(name).flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean);
    return raw.length ? new Set(raw) : null;
  };
  return { conn: list('conn'), types: list('types') };
}
