// The event bus: seq/t stamping, the ring-buffer history and its eviction, at(), filters,
// subscribers, and the private gap events observers get.
import { describe, expect, test } from 'vitest';
import { EventBus, filterFromQuery, matches } from '../../server/stream/bus.ts';
import { EVENT_SCHEMA_VERSION, parseEvent, type EventBody, type WslabEvent } from '../../server/core/events/schema.ts';

function ping(conn: string, n = 0): EventBody<'ping'> {
  return { type: 'ping', conn, dir: 'c2s', payloadHex: n.toString(16).padStart(2, '0') };
}

function close(conn: string): EventBody<'close'> {
  return { type: 'close', conn, code: 1000, reason: '', initiator: 'client', clean: true, durationMs: 1, bytesIn: 0, bytesOut: 0 };
}

/** A clock the test moves by hand. */
function manualClock(start = 0) {
  let now = start;
  return { clock: () => now, set: (v: number) => (now = v) };
}

describe('stamping', () => {
  test('publish stamps v, seq from 1 and strictly monotonic, and returns a schema-valid event', () => {
    const bus = new EventBus({ historySize: 10 });
    const events = Array.from({ length: 25 }, (_, i) => bus.publish(ping('c1', i)));
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    for (const e of events) {
      expect(e.v).toBe(EVENT_SCHEMA_VERSION);
      expect(parseEvent(e).ok).toBe(true);
    }
    expect(bus.headSeq).toBe(26);
  });

  test('t is the injected clock in ms, kept to sub-millisecond (µs) precision', () => {
    const c = manualClock();
    const bus = new EventBus({ clock: c.clock });
    c.set(0);
    expect(bus.publish(ping('c1')).t).toBe(0);
    c.set(1.23456789);
    expect(bus.publish(ping('c1')).t).toBe(1.235);
    c.set(1.2344);
    expect(bus.publish(ping('c1')).t).toBe(1.234);
    c.set(12_345.0004);
    expect(bus.publish(ping('c1')).t).toBe(12_345);
    expect(bus.now()).toBe(12_345.0004);
  });

  test('the default clock starts near zero and has sub-millisecond resolution', async () => {
    const bus = new EventBus();
    const first = bus.publish(ping('c1'));
    expect(first.t).toBeGreaterThanOrEqual(0);
    expect(first.t).toBeLessThan(1000);
    const ts: number[] = [];
    for (let i = 0; i < 2000; i++) ts.push(bus.publish(ping('c1')).t);
    for (let i = 1; i < ts.length; i++) expect(ts[i]).toBeGreaterThanOrEqual(ts[i - 1]);
    // at least one stamp is not a whole millisecond
    expect(ts.some((t) => !Number.isInteger(t))).toBe(true);
  });

  test("the history entry's JSON is the event", () => {
    const bus = new EventBus();
    const e = bus.publish(ping('c7', 3));
    const entry = bus.at(e.seq)!;
    expect(JSON.parse(entry.json)).toEqual(e);
    expect(entry.event).toEqual(e);
    expect(entry.seq).toBe(e.seq);
  });
});

describe('history ring', () => {
  test('keeps the newest historySize events and evicts the oldest', () => {
    const bus = new EventBus({ historySize: 5 });
    for (let i = 0; i < 12; i++) bus.publish(ping('c1', i));
    expect(bus.oldestSeq).toBe(8);
    expect(bus.headSeq).toBe(13);
    const { entries, evicted } = bus.history(1);
    expect(entries.map((e) => e.seq)).toEqual([8, 9, 10, 11, 12]);
    expect(evicted).toBe(7);
  });

  test('history(since) within the ring evicts nothing and starts at since', () => {
    const bus = new EventBus({ historySize: 5 });
    for (let i = 0; i < 12; i++) bus.publish(ping('c1', i));
    expect(bus.history(10)).toMatchObject({ evicted: 0 });
    expect(bus.history(10).entries.map((e) => e.seq)).toEqual([10, 11, 12]);
    expect(bus.history(13).entries).toEqual([]);
    expect(bus.history(99).entries).toEqual([]);
    expect(bus.history(99).evicted).toBe(0);
  });

  test('history(0) and history(1) are the same on a young bus; an empty bus has nothing', () => {
    const empty = new EventBus({ historySize: 3 });
    expect(empty.history(0)).toEqual({ entries: [], evicted: 0 });
    expect(empty.oldestSeq).toBe(1);
    const bus = new EventBus({ historySize: 3 });
    bus.publish(ping('c1'));
    bus.publish(ping('c1'));
    expect(bus.history(0).entries.map((e) => e.seq)).toEqual([1, 2]);
    expect(bus.history(1).entries.map((e) => e.seq)).toEqual([1, 2]);
    expect(bus.history(0).evicted).toBe(0);
  });

  test('at(seq) returns kept events only', () => {
    const bus = new EventBus({ historySize: 4 });
    for (let i = 0; i < 10; i++) bus.publish(ping('c1', i));
    expect(bus.at(6)).toBeUndefined();
    expect(bus.at(7)!.seq).toBe(7);
    expect(bus.at(10)!.event).toMatchObject({ seq: 10, payloadHex: '09' });
    expect(bus.at(11)).toBeUndefined();
    expect(bus.at(0)).toBeUndefined();
    // the slot of seq 3 now holds seq 7: at() must not confuse them
    expect(bus.at(3)).toBeUndefined();
  });

  test('a historySize of 1 (the minimum) still works', () => {
    const bus = new EventBus({ historySize: 0 });
    expect(bus.historySize).toBe(1);
    bus.publish(ping('c1'));
    bus.publish(ping('c1'));
    expect(bus.history(1)).toMatchObject({ evicted: 1 });
    expect(bus.history(1).entries.map((e) => e.seq)).toEqual([2]);
  });

  test('history(since, filter) applies the filter after the cut', () => {
    const bus = new EventBus({ historySize: 6 });
    for (let i = 0; i < 4; i++) {
      bus.publish(ping('a', i));
      bus.publish(ping('b', i));
    }
    const { entries, evicted } = bus.history(1, { conn: new Set(['b']) });
    expect(entries.map((e) => [e.seq, e.conn])).toEqual([
      [4, 'b'],
      [6, 'b'],
      [8, 'b'],
    ]);
    // evicted counts every missed event, whatever the filter
    expect(evicted).toBe(2);
  });
});

describe('filters', () => {
  const e = (type: WslabEvent['type'], conn?: string) => ({ type, conn });

  test('matches: no filter or empty fields match everything', () => {
    expect(matches(e('frame', 'c1'), undefined)).toBe(true);
    expect(matches(e('frame', 'c1'), {})).toBe(true);
    expect(matches(e('gap'), { conn: null, types: null })).toBe(true);
  });

  test('matches: types and conn, combined with AND; events without conn fail a conn filter', () => {
    const f = { types: new Set(['frame', 'close']), conn: new Set(['c1']) };
    expect(matches(e('frame', 'c1'), f)).toBe(true);
    expect(matches(e('close', 'c1'), f)).toBe(true);
    expect(matches(e('message', 'c1'), f)).toBe(false);
    expect(matches(e('frame', 'c2'), f)).toBe(false);
    expect(matches(e('gap'), { conn: new Set(['c1']) })).toBe(false);
    expect(matches(e('gap'), { types: new Set(['gap']) })).toBe(true);
  });

  test('filterFromQuery: comma lists and repeated parameters, blanks ignored', () => {
    const f = filterFromQuery(new URLSearchParams('types=frame,%20message&types=close&conn=c1,,c2&conn='));
    expect([...f.types!]).toEqual(['frame', 'message', 'close']);
    expect([...f.conn!]).toEqual(['c1', 'c2']);
    expect(filterFromQuery(new URLSearchParams(''))).toEqual({ conn: null, types: null });
    expect(filterFromQuery(new URLSearchParams('types=,'))).toEqual({ conn: null, types: null });
  });
});

describe('subscribers', () => {
  test('receive each event once, in seq order, with their filter applied; unsubscribe stops them', () => {
    const bus = new EventBus();
    const all: number[] = [];
    const closes: string[] = [];
    const offAll = bus.subscribe((ev, entry) => {
      expect(entry.seq).toBe(ev.seq);
      all.push(ev.seq);
    });
    bus.subscribe((ev) => closes.push(`${ev.seq}:${'conn' in ev ? ev.conn : ''}`), { types: new Set(['close']), conn: new Set(['c2']) });
    expect(bus.subscriberCount).toBe(2);
    bus.publish(ping('c1'));
    bus.publish(close('c1'));
    bus.publish(close('c2'));
    offAll();
    expect(bus.subscriberCount).toBe(1);
    bus.publish(close('c2'));
    expect(all).toEqual([1, 2, 3]);
    expect(closes).toEqual(['3:c2', '4:c2']);
  });

  test('a subscriber that publishes (re-entrant publish) still gets every event delivered exactly once', () => {
    const bus = new EventBus();
    const seen: number[] = [];
    bus.subscribe((ev) => {
      if (ev.type === 'ping') bus.publish(close('c1'));
    });
    bus.subscribe((ev) => seen.push(ev.seq));
    bus.publish(ping('c1'));
    // the nested publish got seq 2 (delivered before 1 finishes: observers tolerate that by
    // reading the history from their cursor); each event arrives once
    expect([...seen].sort((a, b) => a - b)).toEqual([1, 2]);
    expect(bus.headSeq).toBe(3);
  });
});

describe('private gap events', () => {
  test('publishPrivate stamps a valid gap with seq = toSeq, and neither stores nor broadcasts it', () => {
    const bus = new EventBus({ historySize: 3 });
    for (let i = 0; i < 9; i++) bus.publish(ping('c1', i));
    const seen: number[] = [];
    bus.subscribe((ev) => seen.push(ev.seq));
    const gap = bus.publishPrivate({ type: 'gap', dropped: 4, fromSeq: 3, toSeq: 6, reason: 'slow-observer' });
    expect(parseEvent(gap)).toMatchObject({ ok: true });
    expect(gap).toMatchObject({ v: EVENT_SCHEMA_VERSION, type: 'gap', seq: 6, dropped: 4, fromSeq: 3, toSeq: 6 });
    expect(seen).toEqual([]);
    expect(bus.headSeq).toBe(10);
    expect(bus.history(7).entries.map((e) => e.type)).toEqual(['ping', 'ping', 'ping']);
  });
});

describe('history byte budget', () => {
  test('evicts the oldest events when their bytes would be overwritten, before the count limit', () => {
    const bus = new EventBus({ historySize: 1000, historyBytes: 64 * 1024 });
    const reason = 'x'.repeat(1000);
    for (let i = 0; i < 200; i++) {
      bus.publish({ type: 'close', conn: 'c1', code: 1000, reason, initiator: 'client', clean: true, durationMs: 1, bytesIn: 1, bytesOut: 1 });
    }
    // each event is ~1.1 KB of JSON: 64 KiB holds about 55 of them, far fewer than 1,000
    const held = bus.headSeq - bus.oldestSeq;
    expect(held).toBeGreaterThan(40);
    expect(held).toBeLessThan(60);
    const { entries, evicted } = bus.history(1);
    expect(entries).toHaveLength(held);
    expect(evicted).toBe(200 - held);
    // what is held decodes back to exactly what was published
    expect(entries[entries.length - 1].event).toMatchObject({ seq: 200, type: 'close', reason });
    expect(bus.at(bus.oldestSeq - 1)).toBeUndefined();
  });

  test('an event larger than the whole ring is not kept and clears what came before', () => {
    const bus = new EventBus({ historySize: 10, historyBytes: 64 * 1024 });
    bus.publish({ type: 'meta', conn: 'c1', socketId: 'c1', sessionId: null, userId: null });
    bus.publish({ type: 'error', source: 'lab', message: 'y'.repeat(40_000) });
    expect(bus.history(1)).toEqual({ entries: [], evicted: 2 });
    bus.publish({ type: 'meta', conn: 'c2', socketId: 'c2', sessionId: null, userId: 'u' });
    expect(bus.history(1).entries.map((e) => e.event.type)).toEqual(['meta']);
  });
});
