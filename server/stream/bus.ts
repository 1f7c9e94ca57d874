// The event bus: stamps events with v/seq/t, keeps a bounded ring-buffer history, and hands
// each event to subscribers. Pure (no node:* imports): the clock is injected.
import { EVENT_SCHEMA_VERSION, type EventBody, type EventType, type WslabEvent } from '../core/events/schema.ts';
import { JsonBytes } from '../core/events/json-bytes.ts';
import { ITEM_HEADER_BYTES, KIND_FRAME, KIND_JSON, recordJsonBound, RecordWriter, writeItemHeader, writeRecordJson, type RecordKind } from '../core/events/records.ts';

export interface EventFilter {
  conn?: ReadonlySet<string> | null;
  types?: ReadonlySet<string> | null;
  /**
   * Workshop scope, applied on top of the rest (a query can only narrow it): only the events of
   * connections owned by this public session id, and room-level events. Absent: everything.
   */
  scope?: StreamScope | null;
}

/** A participant's view of the stream: `owner` null (no cookie) sees room-level events only. */
export interface StreamScope {
  owner: string | null;
}

/** What `ownerAt` holds for an event every participant sees (workshop, node and broker state). */
export const ROOM = '*';
/** Connection-less events every participant sees; any other connection-less event is the presenter's only. */
const ROOM_TYPES: ReadonlySet<string> = new Set(['workshop', 'node', 'broker', 'sim', 'quiz', 'follow']);

/** The events that make a live connection's views complete, however old: sent ahead of a recent window. */
const ANCHOR_TYPES: Record<string, number> = { 'conn.open': 0, handshake: 1, state: 2 };
/** Live connections whose anchors are kept at most (a bound: more are simply not anchored). */
const MAX_ANCHORED = 20_000;

/**
 * One event of the history: its seq, the two fields filters need, and its JSON, read from the
 * history's bytes only when asked for. An entry handed to a subscriber is meant for that call:
 * keep what you need from it, not the entry (the ring reuses its bytes).
 */
export class BusEntry {
  private parsed: WslabEvent | undefined;
  private text: string | undefined;
  constructor(
    readonly seq: number,
    readonly type: string,
    readonly conn: string | undefined,
    private readonly ring: HistoryRing,
    json?: string,
    event?: WslabEvent,
  ) {
    this.text = json;
    this.parsed = event;
  }
  get json(): string {
    return (this.text ??= this.ring.json(this.seq));
  }
  /**
   * The JSON as UTF-8 bytes: a view of the history or of a scratch buffer (copy it to keep it;
   * the next read reuses the scratch), or the encoded text of an event too big to keep.
   */
  get bytes(): Uint8Array {
    return this.ring.has(this.seq) ? this.ring.jsonBytes(this.seq) : encoder.encode(this.json);
  }
  get event(): WslabEvent {
    return (this.parsed ??= JSON.parse(this.json) as WslabEvent);
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The history: the newest events in one preallocated byte ring (each as its JSON in UTF-8, or, for
 * the tap's frame and message events, as a binary record: see records.ts), with their offsets and
 * filter fields in fixed arrays. Each event lies in the ring as a `?format=bin` item (kind and
 * length, then its bytes), so a turn's events are already the message a binary observer is sent
 * (copyItems). A history of 100,000 events is then a few large arrays, not
 * 200,000 heap objects: the garbage collector never has to trace or copy it, which on a busy
 * server is most of what keeping history would otherwise cost.
 */
class HistoryRing {
  readonly bytes: Uint8Array;
  /** the same memory as a plain Uint8Array: its subarray() is cheaper than a Node Buffer's */
  private readonly plain: Uint8Array;
  private readonly starts: Float64Array;
  private readonly lengths: Int32Array;
  /** KIND_JSON, or the kind of record the event is kept as */
  private readonly kinds: Uint8Array;
  /** where records are rendered as JSON for readers that want JSON (grows to the largest) */
  private scratch = new JsonBytes(new Uint8Array(4096));
  private readonly types: (string | undefined)[];
  private readonly conns: (string | undefined)[];
  /** whose event it is: an owner's public session id, ROOM, or null (the presenter's only) */
  private readonly owners: (string | null)[];
  /** bytes ever written (a virtual offset; position in `bytes` is this modulo its length) */
  private written = 0;
  /** `written` modulo the ring's length, kept alongside (a float modulo per event is not free) */
  private at = 0;
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
    this.plain = new Uint8Array(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    const native = this.bytes as Uint8Array & { utf8Write?: (text: string, offset: number, length: number) => number };
    this.write =
      typeof native.utf8Write === 'function'
        ? (text, pos, room) => native.utf8Write!(text, pos, room)
        : (text, pos, room) => encoder.encodeInto(text, this.bytes.subarray(pos, pos + room)).written;
    this.starts = new Float64Array(slots);
    this.lengths = new Int32Array(slots);
    this.kinds = new Uint8Array(slots);
    this.types = new Array(slots);
    this.conns = new Array(slots);
    this.owners = new Array(slots).fill(null);
  }

  /**
   * Where the bytes of an event of at most `worst` bytes are written next (after room for its item
   * header), or -1 when it is larger than the whole ring. An event never wraps around the end: the
   * tail is skipped instead.
   */
  reserve(worst: number): number {
    const cap = this.bytes.length;
    worst += ITEM_HEADER_BYTES;
    if (worst > cap) return -1;
    const pos = this.at;
    if (pos + worst <= cap) return pos + ITEM_HEADER_BYTES;
    this.written += cap - pos;
    this.at = 0;
    return ITEM_HEADER_BYTES;
  }

  /** Records the event just written at the reserved position: `length` bytes of `kind`. */
  commit(seq: number, kind: number, type: string, conn: string | undefined, length: number, owner: string | null = null): void {
    const slot = seq % this.slots;
    this.owners[slot] = owner;
    writeItemHeader(this.bytes, this.at, kind, length);
    this.starts[slot] = this.written;
    this.lengths[slot] = length;
    this.kinds[slot] = kind;
    this.types[slot] = type;
    this.conns[slot] = conn;
    this.written += ITEM_HEADER_BYTES + length;
    this.at += ITEM_HEADER_BYTES + length;
    this.next = seq + 1;
    // Evict by count and by bytes: whatever the new bytes overwrote, or the slot reused.
    const floor = this.written - this.bytes.length;
    while (this.oldest < this.next && (this.next - this.oldest > this.slots || this.starts[this.oldest % this.slots] < floor)) {
      this.oldest++;
    }
  }

  /** Larger than the whole ring: not kept, and everything before it is gone too. */
  skip(seq: number): void {
    this.next = seq + 1;
    this.oldest = this.next;
  }

  push(seq: number, type: string, conn: string | undefined, json: string, owner: string | null): void {
    const worst = json.length * 3; // UTF-8 never needs more than 3 bytes per UTF-16 unit
    const pos = this.reserve(worst);
    if (pos < 0) return this.skip(seq);
    this.commit(seq, KIND_JSON, type, conn, this.write(json, pos, worst), owner);
  }

  owner(seq: number): string | null {
    return this.owners[seq % this.slots];
  }

  setOwner(seq: number, owner: string | null): void {
    this.owners[seq % this.slots] = owner;
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

  /** KIND_JSON, or the kind of record the event is kept as. */
  kind(seq: number): number {
    return this.kinds[seq % this.slots];
  }

  /** The event's bytes as kept (JSON or a record), in place (valid until the ring moves past them). */
  view(seq: number): Uint8Array {
    const slot = seq % this.slots;
    const pos = (this.starts[slot] % this.bytes.length) + ITEM_HEADER_BYTES;
    return this.plain.subarray(pos, pos + this.lengths[slot]);
  }

  /** Bytes and events the last copyItems() covered. */
  copied = 0;
  copiedCount = 0;

  /**
   * Copies the events in [from, to) that pass `keep` as `?format=bin` items (item header and bytes,
   * exactly as they lie in the ring) into target[at..], as many whole items as fit in `room`;
   * `target` null only measures. Items that lie next to each other (nearly all) are copied in one
   * go. Returns the seq after the last event looked at; `copied` is the bytes.
   */
  copyItems(from: number, to: number, target: Uint8Array | null, at: number, room: number, keep: ((seq: number) => boolean) | null): number {
    const cap = this.bytes.length;
    let seq = from;
    let runStart = -1; // virtual offsets of the run being gathered
    let runEnd = -1;
    let total = 0;
    let count = 0;
    for (; seq < to; seq++) {
      if (keep && !keep(seq)) continue;
      const slot = seq % this.slots;
      const start = this.starts[slot];
      const size = ITEM_HEADER_BYTES + this.lengths[slot];
      if (total + size > room) break;
      if (start !== runEnd) {
        if (runStart >= 0 && target) at += this.copyRun(runStart, runEnd, target, at, cap);
        runStart = start;
      }
      runEnd = start + size;
      total += size;
      count++;
    }
    if (runStart >= 0 && target) this.copyRun(runStart, runEnd, target, at, cap);
    this.copied = total;
    this.copiedCount = count;
    return seq;
  }

  private copyRun(start: number, end: number, target: Uint8Array, at: number, cap: number): number {
    const pos = start % cap;
    target.set(this.plain.subarray(pos, pos + (end - start)), at);
    return end - start;
  }

  /** The event's JSON bytes: in place, or a record rendered into the scratch (valid until the next call). */
  jsonBytes(seq: number): Uint8Array {
    const kind = this.kind(seq);
    const kept = this.view(seq);
    if (kind === KIND_JSON) return kept;
    const bound = recordJsonBound(kept);
    let w = this.scratch;
    if (w.buf.length < bound) w = this.scratch = new JsonBytes(new Uint8Array(bound));
    w.pos = 0;
    writeRecordJson(kind as RecordKind, kept, w);
    return w.buf.subarray(0, w.pos);
  }

  json(seq: number): string {
    return decoder.decode(this.jsonBytes(seq));
  }
}

/** Called for each event as it is published, with the event object and its history entry. */
export type Subscriber = (event: WslabEvent, entry: BusEntry) => void;

interface SubscriberRecord {
  fn: (a: unknown, b?: BusEntry) => void;
  filter?: EventFilter;
  /** a scoped subscriber is indexed by its owner and called only for its events and the room's */
  scope?: StreamScope;
  /** what fn is called with: the event and its entry, the entry only, or the seq only */
  kind: 'event' | 'entry' | 'wake';
}

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

export function matches(event: { type: string; conn?: string; owner?: string | null }, filter: EventFilter | undefined): boolean {
  if (!filter) return true;
  if (filter.types && !filter.types.has(event.type)) return false;
  if (filter.conn && !(event.conn !== undefined && filter.conn.has(event.conn))) return false;
  if (filter.scope && !inScope(event.owner ?? null, filter.scope)) return false;
  return true;
}

/** Whether an event owned by `owner` (see ownerAt) belongs in a participant's scope. */
export function inScope(owner: string | null, scope: StreamScope): boolean {
  return owner === ROOM || (owner !== null && owner === scope.owner);
}

export class EventBus {
  readonly historySize: number;
  private readonly ring: HistoryRing;
  private nextSeq = 1;
  private readonly subscribers = new Set<SubscriberRecord>();
  /** scoped subscribers by owner, and all of them (room-level events go to each) */
  private readonly scopedByOwner = new Map<string, Set<SubscriberRecord>>();
  private readonly scoped = new Set<SubscriberRecord>();
  /** live connections' conn.open, handshake and latest state seqs (see anchorsOf) */
  private readonly anchors = new Map<string, [number, number, number]>();
  /**
   * Whose connection `conn` is (its owner's public session id, or null): the registry answers.
   * Asked once per event with a conn; the answer is kept with the event in the history.
   */
  ownerOf: (conn: string) => string | null = () => null;
  private readonly writer: RecordWriter;
  // the record between beginRecord() and endRecord()
  private pendingSeq = 0;
  private pendingKind: RecordKind = KIND_FRAME;
  private pendingConn = '';
  private pendingStart = 0;
  private readonly clock: () => number;
  /** `t` of the newest event, in µs: a record stamped with an earlier reading still gets at least this */
  private lastMicros = 0;

  constructor(options: BusOptions = {}) {
    this.historySize = Math.max(1, options.historySize ?? 100_000);
    this.ring = new HistoryRing(this.historySize, Math.max(64 * 1024, options.historyBytes ?? this.historySize * 1024), options.allocate);
    this.writer = new RecordWriter(this.ring.bytes);
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

  /** `at`: when it happened, ms on this bus's clock (`wslab open` replays a file's times); default now */
  publish<T extends EventType>(body: EventBody<T>, at?: number): WslabEvent {
    const seq = this.nextSeq++;
    const micros = Math.round((at ?? this.clock()) * 1000);
    this.lastMicros = micros;
    const t = micros / 1000;
    const event = { v: EVENT_SCHEMA_VERSION, seq, t, ...body } as WslabEvent;
    const conn = 'conn' in event ? event.conn : undefined;
    const json = JSON.stringify(event);
    // conn-less: room state, and the link's defaults for every new connection ("*"), are the room's
    const owner = conn !== undefined ? this.ownerOf(conn) : ROOM_TYPES.has(event.type) || (event.type === 'link' && event.link === '*') ? ROOM : null;
    this.ring.push(seq, event.type, conn, json, owner);
    if (conn !== undefined && event.type in ANCHOR_TYPES) this.anchor(conn, event.type, seq);
    if (this.subscribers.size > 0 || this.scoped.size > 0) this.notify(seq, event.type, conn, owner, json, event);
    return event;
  }

  private anchor(conn: string, type: string, seq: number): void {
    let a = this.anchors.get(conn);
    if (!a) {
      if (type !== 'conn.open' || this.anchors.size >= MAX_ANCHORED) return;
      this.anchors.set(conn, (a = [0, 0, 0]));
    }
    a[ANCHOR_TYPES[type]] = seq;
  }

  /** The connection is gone: its anchors are no longer needed (the registry calls this). */
  forget(conn: string): void {
    this.anchors.delete(conn);
  }

  /**
   * The seqs, oldest first, of each live connection's conn.open, handshake and latest state that
   * are older than `before` and still in the history, and pass the filter: what a page starting
   * from a recent window needs so that every live connection it shows is complete.
   */
  anchorsBefore(before: number, filter?: EventFilter): number[] {
    const out: number[] = [];
    for (const a of this.anchors.values()) {
      for (const seq of a) if (seq > 0 && seq < before && this.matchesAt(seq, filter)) out.push(seq);
    }
    return out.sort((x, y) => x - y);
  }

  /**
   * Hands a connection's anchors to the scoped subscribers of its new owner (a puppet or a flow
   * consumer is given to a session after it opened): their pages then show it whole.
   */
  announce(conn: string, owner: string): void {
    const a = this.anchors.get(conn);
    if (!a) return;
    // the history says whose they are now, for the streams that open later
    for (const seq of a) if (seq > 0 && this.ring.has(seq) && this.ring.conn(seq) === conn) this.ring.setOwner(seq, owner);
    const subs = this.scopedByOwner.get(owner);
    if (!subs) return;
    for (const seq of a) {
      if (seq > 0 && this.ring.has(seq)) for (const sub of subs) if (sub.kind === 'wake') sub.fn(seq);
    }
  }

  /**
   * Starts a frame or message event kept as a binary record (records.ts): writes the record's
   * common head (seq, t, conn) into the history and returns the writer for the rest; endRecord()
   * publishes it. `maxBody` bounds the bytes the caller will write, `connBytes` is `conn` as UTF-8
   * (at most 255 bytes). `t`: when it happened, from now(); the tap reads the clock once per chunk
   * for all the frames in it. Synchronous: nothing else may publish between the two calls.
   */
  beginRecord(kind: RecordKind, conn: string, connBytes: Uint8Array, maxBody: number, t: number = this.clock()): RecordWriter {
    const seq = this.nextSeq++;
    // A record is at most a few KiB and the ring at least 64 KiB: it always fits.
    const pos = this.ring.reserve(maxBody + 17 + connBytes.length);
    const w = this.writer;
    w.pos = pos;
    this.pendingSeq = seq;
    this.pendingKind = kind;
    this.pendingConn = conn;
    this.pendingStart = pos;
    w.f64(seq);
    // t never goes back in seq order, though `t` may be read before an event published in between
    const micros = Math.max(Math.round(t * 1000), this.lastMicros);
    this.lastMicros = micros;
    w.f64(micros);
    w.u8(connBytes.length);
    w.bytes(connBytes, 0, connBytes.length);
    return w;
  }

  /** Ends the record beginRecord() started and publishes it. */
  endRecord(): void {
    const seq = this.pendingSeq;
    const type = this.pendingKind === KIND_FRAME ? 'frame' : 'message';
    const owner = this.ownerOf(this.pendingConn);
    this.ring.commit(seq, this.pendingKind, type, this.pendingConn, this.writer.pos - this.pendingStart, owner);
    if (this.subscribers.size > 0 || this.scoped.size > 0) this.notify(seq, type, this.pendingConn, owner);
  }

  private notify(seq: number, type: string, conn: string | undefined, owner: string | null, json?: string, event?: WslabEvent): void {
    let entry: BusEntry | null = null;
    for (const sub of this.subscribers) {
      if (sub.kind === 'wake') {
        sub.fn(seq);
        continue;
      }
      entry ??= new BusEntry(seq, type, conn, this.ring, json, event);
      if (!matches(entry, sub.filter)) continue;
      if (sub.kind === 'entry') sub.fn(entry);
      else sub.fn(entry.event, entry);
    }
    // scoped subscribers: only those the event is for, found by owner (never a scan of the room)
    const interested = owner === ROOM ? this.scoped : owner !== null ? this.scopedByOwner.get(owner) : undefined;
    if (interested) for (const sub of interested) sub.fn(seq);
  }

  /** The event with this sequence number, if the history still holds it (its JSON read now). */
  at(seq: number): BusEntry | undefined {
    const ring = this.ring;
    return ring.has(seq) ? new BusEntry(seq, ring.type(seq)!, ring.conn(seq), ring, ring.json(seq)) : undefined;
  }

  /**
   * The JSON bytes of the event with this seq: in place in the history, or rendered from its record
   * into a scratch buffer that the next read reuses. Copy them to keep them.
   */
  bytesAt(seq: number): Uint8Array | undefined {
    return this.ring.has(seq) ? this.ring.jsonBytes(seq) : undefined;
  }

  /** How the event with this seq is kept: KIND_JSON, or a record kind (records.ts). It must be in the history. */
  kindAt(seq: number): number {
    return this.ring.kind(seq);
  }

  /** The bytes the event with this seq is kept as (its JSON, or its record), in place. It must be in the history. */
  keptAt(seq: number): Uint8Array {
    return this.ring.view(seq);
  }

  /**
   * Copies the events [from, to) still in the history that pass `filter` into target[at..] as
   * `?format=bin` items, as many as fit in `room` bytes; `target` null only measures. Returns the
   * seq after the last event looked at; `copiedBytes` says how many bytes that was. `from` must be
   * in the history.
   */
  copyItems(from: number, to: number, target: Uint8Array | null, at: number, room: number, filter?: EventFilter): number {
    const keep = filter && (filter.conn || filter.types || filter.scope) ? (seq: number) => this.matchesAt(seq, filter) : null;
    return this.ring.copyItems(from, Math.min(to, this.ring.next), target, at, room, keep);
  }

  /** Bytes the last copyItems() covered. */
  get copiedBytes(): number {
    return this.ring.copied;
  }

  /** Events the last copyItems() covered. */
  get copiedEvents(): number {
    return this.ring.copiedCount;
  }

  /** Whether the event with this seq is in the history and passes the filter (no decoding). */
  matchesAt(seq: number, filter: EventFilter | undefined): boolean {
    const ring = this.ring;
    return ring.has(seq) && matches({ type: ring.type(seq)!, conn: ring.conn(seq), owner: ring.owner(seq) }, filter);
  }

  /** Whose event this is (an owner's public session id, ROOM, or null); it must be in the history. */
  ownerAt(seq: number): string | null {
    return this.ring.owner(seq);
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

  /** Calls `fn` with each published event (as an object) that passes the filter. */
  subscribe(fn: Subscriber, filter?: EventFilter): () => void {
    return this.add({ fn: fn as (a: unknown, b?: BusEntry) => void, filter, kind: 'event' });
  }

  /**
   * Calls `fn` with the history entry of each published event that passes the filter, without
   * making the event object: for subscribers that forward the JSON (observers).
   */
  subscribeEntries(fn: (entry: BusEntry) => void, filter?: EventFilter): () => void {
    return this.add({ fn: fn as (a: unknown, b?: BusEntry) => void, filter, kind: 'entry' });
  }

  /**
   * Calls `fn` with the seq of every published event, unfiltered, and nothing else: for readers
   * that take the events from the history themselves (an observer copying whole runs of it).
   */
  subscribeWake(fn: (seq: number) => void): () => void {
    return this.add({ fn: fn as (a: unknown, b?: BusEntry) => void, kind: 'wake' });
  }

  /**
   * Calls `fn` with the seq of each published event in `scope` (its owner's and the room's), and
   * of a connection handed to that owner later (announce). Indexed by owner: an event costs only
   * the subscribers it is for.
   */
  subscribeScoped(scope: StreamScope, fn: (seq: number) => void): () => void {
    const sub: SubscriberRecord = { fn: fn as (a: unknown, b?: BusEntry) => void, kind: 'wake', scope };
    this.scoped.add(sub);
    const owner = scope.owner;
    if (owner !== null) {
      let set = this.scopedByOwner.get(owner);
      if (!set) this.scopedByOwner.set(owner, (set = new Set()));
      set.add(sub);
    }
    return () => {
      this.scoped.delete(sub);
      if (owner === null) return;
      const set = this.scopedByOwner.get(owner);
      set?.delete(sub);
      if (set && set.size === 0) this.scopedByOwner.delete(owner);
    };
  }

  /** Scoped streams open for one owner (a participant's pages): how many a room-level event reaches for them. */
  scopedCount(owner: string): number {
    return this.scopedByOwner.get(owner)?.size ?? 0;
  }

  private add(sub: SubscriberRecord): () => void {
    this.subscribers.add(sub);
    return () => {
      this.subscribers.delete(sub);
    };
  }

  get subscriberCount(): number {
    return this.subscribers.size + this.scoped.size;
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
