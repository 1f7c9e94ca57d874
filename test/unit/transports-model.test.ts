// The transports lab's pure parts: the feed's history and timer, the server's books, the page's
// arithmetic and the shared wall clock.
import { describe, expect, test } from 'vitest';
import { FEED_HISTORY, LEASE_MS, parseSeq, sseEvent, TransportFeed, wallClock, type FeedClock } from '../../server/core/labs/transports-feed.ts';
import { MAX_CONNECTIONS, StatsBook } from '../../server/core/labs/transports-stats.ts';
import { busiest, bytesPerUpdate, latencyChart, meanLatency, newTally, receive, steadyBytesPerUpdate } from '../../web/src/labs/transports/model.ts';

/** A clock whose time and timers move only when the test says so. */
function fakeClock() {
  let t = 1000;
  let timer: { fn: () => void; at: number } | null = null;
  const clock: FeedClock = {
    now: () => t,
    setTimeout: (fn, ms) => (timer = { fn, at: t + ms }),
    clearTimeout: () => (timer = null),
    random: () => 0.5, // every gap exactly one period
  };
  return {
    clock,
    pending: () => timer !== null,
    advance(ms: number) {
      const end = t + ms;
      while (timer && timer.at <= end) {
        const due = timer;
        timer = null;
        t = due.at;
        due.fn();
      }
      t = end;
    },
  };
}

describe('feed', () => {
  test('since() returns what came after a seq, clamps a seq from the future, and counts what is no longer kept', () => {
    const { clock } = fakeClock();
    const feed = new TransportFeed(500, clock);
    expect(feed.since(0)).toEqual({ head: 0, updates: [], missed: 0 });
    for (let i = 0; i < FEED_HISTORY + 10; i++) feed.tick();
    expect(feed.head).toBe(FEED_HISTORY + 10);
    expect(feed.since(feed.head - 2).updates.map((u) => u.seq)).toEqual([feed.head - 1, feed.head]);
    expect(feed.since(feed.head + 50)).toEqual({ head: feed.head, updates: [], missed: 0 });
    const old = feed.since(0);
    expect(old.missed).toBe(10);
    expect(old.updates).toHaveLength(FEED_HISTORY);
    expect(old.updates[0].seq).toBe(11);
  });

  test('ticks only while watched: a subscription, or a short poll within LEASE_MS', () => {
    const c = fakeClock();
    const feed = new TransportFeed(500, c.clock);
    const seen: number[] = [];
    const off = feed.subscribe((u) => seen.push(u.seq));
    c.advance(1600);
    expect(seen).toEqual([1, 2, 3]);
    off();
    c.advance(500);
    expect(feed.running).toBe(false);
    expect(feed.head).toBe(3);
    feed.touch();
    c.advance(LEASE_MS + 1000);
    expect(feed.head).toBe(3 + LEASE_MS / 500);
    expect(feed.running).toBe(false);
  });

  test('an SSE event carries its seq as id and the update as one data line', () => {
    const { clock } = fakeClock();
    const u = new TransportFeed(500, clock).tick();
    expect(sseEvent(u)).toBe(`id: 1\ndata: {"seq":1,"at":1000,"price":${u.price}}\n\n`);
    expect([parseSeq('12'), parseSeq(' 3 '), parseSeq('-1'), parseSeq('1e3'), parseSeq(null)]).toEqual([12, 3, null, null, null]);
  });

  test('the wall clock follows Date.now() with the monotonic fraction, re-anchored every 5 s', () => {
    let date = 1_700_000_000_000;
    let mono = 10.25;
    const now = wallClock(() => date, () => mono);
    expect(now()).toBe(date + 0.5);
    mono += 1.5;
    expect(now()).toBe(date + 2);
    // the monotonic clock ran 3 ms slow against the system clock: the next anchor corrects it
    mono += 5000;
    date += 5004;
    expect(now()).toBe(date + 0.5);
  });
});

describe('books', () => {
  test('exchanges add up per transport; a reused connection counts its requests; old connections fold', () => {
    const book = new StatsBook();
    const a = book.open('p1', 'poll', 'h1', 5000);
    a.bytes(400, 0);
    a.delivered(0);
    a.bytes(400, 300);
    a.close();
    const b = book.open('p1', 'poll', 'h1', 5000);
    b.bytes(410, 350);
    b.delivered(2);
    b.close();
    const poll = book.get('p1')!.transports.poll;
    expect(poll).toMatchObject({ requests: 2, updates: 2, empty: 1, requestBytes: 810, responseBytes: 650, open: 0 });
    expect(poll.connections).toEqual([{ conn: 'h1', remotePort: 5000, requests: 2, open: false }]);
    for (let i = 0; i < MAX_CONNECTIONS + 3; i++) book.open('p1', 'long', `h${i + 2}`, 6000 + i).close();
    const long = book.get('p1')!.transports.long;
    expect(long.connections).toHaveLength(MAX_CONNECTIONS);
    expect(long.moreConnections).toBe(3);
  });

  test('a stream: setup bytes are marked once, the rest grows with each update', () => {
    const book = new StatsBook();
    const s = book.open('p2', 'sse', 'h9', 7000);
    s.bytes(500, 300);
    s.setup();
    for (let i = 1; i <= 4; i++) {
      s.delivered(1);
      s.bytes(500, 300 + i * 60);
    }
    const sse = book.get('p2')!.transports.sse;
    expect(sse).toMatchObject({ requests: 1, updates: 4, requestBytes: 500, responseBytes: 540, setupBytes: 800, open: 1 });
    expect(bytesPerUpdate(sse)).toBe(1040 / 4);
    expect(steadyBytesPerUpdate(sse)).toBe(60);
    expect(busiest(sse)?.conn).toBe('h9');
  });
});

describe('page model', () => {
  test('latency per update, gaps and repeats', () => {
    const t = newTally(10);
    receive(t, { seq: 11, at: 100, price: 1 }, 100.5);
    receive(t, { seq: 13, at: 200, price: 1 }, 202);
    receive(t, { seq: 13, at: 200, price: 1 }, 230);
    expect(t).toMatchObject({ received: 2, lastSeq: 13, gaps: 1, duplicates: 1, latencyMax: 2, lastLatency: 2 });
    expect(meanLatency(t)).toBe(1.25);
    const other = newTally(10);
    receive(other, { seq: 13, at: 200, price: 1 }, 450);
    expect(latencyChart({ poll: other, long: t, sse: newTally(10), ws: newTally(10) }, ['poll', 'long'])).toEqual([
      [11, 13],
      [null, 250],
      [0.5, 2],
    ]);
  });
});
