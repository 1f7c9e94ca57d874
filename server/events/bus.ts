// The event bus: stamps events with v/seq/t, keeps a bounded ring-buffer history, and hands
// each event to subscribers. Pure (no node:* imports): the clock is injected.
import { EVENT_SCHEMA_VERSION, type EventBody, type EventType, type WslabEvent } from './schema.ts';
import { serializeEvent } from './serialize.ts';

export interface EventFilter {
  conn?: ReadonlySet<string> | null;
  types?: ReadonlySet<string> | null;
}

/**
 * One published event: its JSON text (made once, shared by every observer) and the two fields
 * filters need. The object form is parsed again only when asked for.
 */
export class BusEntry {
  private parsed: WslabEvent | undefined;
  constructor(
    readonly seq: number,
    readonly type: string,
    readonly conn: string | undefined,
    readonly json: string,
    event?: WslabEvent,
  ) {
    this.parsed = event;
  }
  get event(): WslabEvent {
    return (this.parsed ??= JSON.parse(this.json) as WslabEvent);
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The history: the newest events' JSON as UTF-8 bytes in one preallocated byte ring, with their
 * offsets and filter fields in fixed arrays. A history of 100,000 events is then a few large
 * arrays, not 200,000 heap objects: the garbage collector never has to trace or copy it, which on
 * a busy server is most of what keeping history would otherwise cost.
 */
class HistoryRing {
  readonly bytes: Uint8Array;
  private readonly starts: Float64Array;
  private readonly lengths: Int32Array;
  private readonly types: (string | undefined)[];
  private readonly conns: (string | undefined)[];
  /** bytes ever written (a virtual offset; position in `bytes` is this modulo its length) */
  private written = 0;
  /** seq of the oldest event still held, and of the next one */
  oldest = 1;
  next = 1;

  /** UTF-8 encodes `text` at `pos`, returning the bytes written (Node's Buffer when given one: faster). */
  private readonly write: (text: string, pos: number, room: number) => number;

  constructor(
    readonly slots: number,
    byteCapacity: number,
    allocate: (size: number) => Uint8Array = (size) => new Uint8Array(size),
  ) {
    this.bytes = allocate(byteCapacity);
    const native = this.bytes as Uint8Array & { utf8Write?: (text: string, offset: number, length: number) => number };
    this.write =
      typeof native.utf8Write === 'function'
        ? (text, pos, room) => native.utf8Write!(text, pos, room)
        : (text, pos, room) => encoder.encodeInto(text, this.bytes.subarray(pos, pos + room)).written;
    this.starts = new Float64Array(slots);
    this.lengths = new Int32Array(slots);
    this.types = new Array(slots);
    this.conns = new Array(slots);
  }

  push(seq: number, type: string, conn: string | undefined, json: string): void {
    const cap = this.bytes.length;
    const worst = json.length * 3; // UTF-8 never needs more than 3 bytes per UTF-16 unit
    let pos = this.written % cap;
    if (worst > cap) {
      // Larger than the whole ring: not kept, and everything before it is gone too.
      this.next = seq + 1;
      this.oldest = this.next;
      return;
    }
    if (pos + worst > cap) {
      this.written += cap - pos; // skip the tail: an event never wraps around the end
      pos = 0;
    }
    const written = this.write(json, pos, worst);
    const slot = seq % this.slots;
    this.starts[slot] = this.written;
    this.lengths[slot] = written;
    this.types[slot] = type;
    this.conns[slot] = conn;
    this.written += written;
    this.next = seq + 1;
    // Evict by count and by bytes: whatever the new bytes overwrote, or the slot reused.
    const floor = this.written - cap;
    while (this.oldest < this.next && (this.next - this.oldest > this.slots || this.starts[this.oldest % this.slots] < floor)) {
      this.oldest++;
    }
  }

  has(seq: number): boolean {
    return seq >= this.oldest && seq < this.next;
  }

  type(seq: number): string | undefined {
    return this.types[seq % this.slots];
  }

  conn(seq: number): string | undefined {
    return this.conns[seq % this.slots];
  }

  json(seq: number): string {
    const slot = seq % this.slots;
    const pos = this.starts[slot] % this.bytes.length;
    return decoder.decode(this.bytes.subarray(pos, pos + this.lengths[slot]));
  }
}

/** Called for each event as it is published, with the event object and its history entry. */
export type Subscriber = (event: WslabEvent, entry: BusEntry) => void;

export interface BusOptions {
  /** how many events the history keeps (default 100,000) */
  historySize?: number;
  /** bytes of JSON the history keeps at most (default 1 KiB per event of historySize) */
  historyBytes?: number;
  /** allocates the history's byte ring; the server passes Node's Buffer, whose UTF-8 writer is faster */
  allocate?: (size: number) => Uint8Array;
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
  private readonly ring: HistoryRing;
  private nextSeq = 1;
  private readonly subscribers = new Set<{ fn: Subscriber; filter?: EventFilter }>();
  private readonly clock: () => number;

  constructor(options: BusOptions = {}) {
    this.historySize = Math.max(1, options.historySize ?? 100_000);
    this.ring = new HistoryRing(this.historySize, Math.max(64 * 1024, options.historyBytes ?? this.historySize * 1024), options.allocate);
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
    return this.ring.oldest;
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
    const conn = 'conn' in event ? event.conn : undefined;
    const json = serializeEvent(event);
    this.ring.push(seq, event.type, conn, json);
    if (this.subscribers.size > 0) {
      const entry = new BusEntry(seq, event.type, conn, json, event);
      for (const sub of this.subscribers) {
        if (matches(entry, sub.filter)) sub.fn(event, entry);
      }
    }
    return event;
  }

  /** The event with this sequence number, if the history still holds it. */
  at(seq: number): BusEntry | undefined {
    const ring = this.ring;
    return ring.has(seq) ? new BusEntry(seq, ring.type(seq)!, ring.conn(seq), ring.json(seq)) : undefined;
  }

  /** Whether the event with this seq is in the history and passes the filter (no decoding). */
  matchesAt(seq: number, filter: EventFilter | undefined): boolean {
    const ring = this.ring;
    return ring.has(seq) && matches({ type: ring.type(seq)!, conn: ring.conn(seq) }, filter);
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
      if (this.matchesAt(seq, filter)) entries.push(this.at(seq)!);
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
