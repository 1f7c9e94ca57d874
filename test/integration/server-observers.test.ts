// /__wslab/events observers: replay from history, filters, NDJSON over GET, and a stuck observer
// that can neither grow the server's memory nor see seq go backwards (one `gap` says what it missed).
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type WebSocket from 'ws';
import {
  collect,
  memory,
  observe,
  openClient,
  shut,
  startTestServer,
  until,
  type EventLog,
  type Observer,
  type TestServer,
  type WslabEvent,
} from '../helpers/server.ts';
import { parseEvent } from '../../server/core/events/schema.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function server(opts = {}): Promise<TestServer> {
  const t = await startTestServer(opts);
  cleanups.push(() => t.close());
  return t;
}

async function client(t: TestServer, path = '/lab/echo'): Promise<WebSocket> {
  const ws = await openClient(t.wsUrl(path));
  cleanups.push(() => shut(ws, true));
  return ws;
}

async function watcher(t: TestServer, query = ''): Promise<Observer> {
  const o = await observe(t.httpUrl, query);
  cleanups.push(async () => {
    expect(o.invalid).toEqual([]);
    (o.ws as unknown as { _socket?: { resume(): void } })._socket?.resume();
    await shut(o.ws, true);
  });
  return o;
}

function echo(ws: WebSocket, text: string): Promise<void> {
  return new Promise((resolve) => {
    ws.once('message', () => resolve());
    ws.send(text);
  });
}

/** One full echo conversation; resolves when the server has published its close event. */
async function conversation(t: TestServer, log: EventLog, texts: string[]): Promise<string> {
  const ws = await openClient(t.wsUrl('/lab/echo'));
  const local = (ws as unknown as { _socket: { localPort: number } })._socket.localPort;
  for (const text of texts) await echo(ws, text);
  ws.close(1000, 'done');
  const open = await log.waitForType('conn.open', (e) => e.remote.port === local);
  await log.waitForType('close', (e) => e.conn === open.conn);
  return open.conn;
}

function strictlyIncreasing(events: WslabEvent[]): void {
  for (let i = 1; i < events.length; i++) {
    if (!(events[i].seq > events[i - 1].seq)) {
      throw new Error(`seq not strictly increasing at index ${i}: ${events[i - 1].seq} then ${events[i].seq} (${events[i].type})`);
    }
  }
}

describe('replay and filters', () => {
  let t: TestServer;
  let bus: EventLog & { stop(): void };
  let convA: string;
  let convB: string;

  beforeAll(async () => {
    t = await startTestServer();
    bus = collect(t);
    convA = await conversation(t, bus, ['one', 'two']);
    convB = await conversation(t, bus, ['three']);
  });
  afterAll(async () => {
    bus?.stop();
    expect(bus?.invalid ?? []).toEqual([]);
    await t?.close();
  });

  test('since=1 replays the whole history, in order, identical to what the bus published', async () => {
    const o = await watcher(t, 'since=1');
    const last = bus.events.at(-1)!;
    await o.waitFor((e) => e.seq === last.seq);
    const replayed = o.events.filter((e) => e.seq <= last.seq);
    // before this suite subscribed, the server announced its chat nodes and their broker links
    const startup = replayed.filter((e) => e.seq < bus.events[0].seq);
    expect(startup.length).toBeGreaterThan(0);
    expect(startup.every((e) => e.type === 'node' || e.type === 'broker')).toBe(true);
    expect(replayed.slice(startup.length)).toEqual(bus.events);
    expect(replayed[0].seq).toBe(1);
    strictlyIncreasing(o.events);
    expect(o.ofType('gap')).toEqual([]);
  });

  test('without since, an observer sees only what happens after it connected', async () => {
    const o = await watcher(t);
    const head = t.server.bus.headSeq;
    const conn = await conversation(t, bus, ['later']);
    await o.waitFor((e) => e.type === 'close' && e.conn === conn);
    expect(o.events[0].seq).toBeGreaterThanOrEqual(head);
    expect(o.events.some((e) => 'conn' in e && (e.conn === convA || e.conn === convB))).toBe(false);
  });

  test('a since beyond the head (a page reconnecting after a server restart) starts live, not silent', async () => {
    const o = await watcher(t, `since=${t.server.bus.headSeq + 100_000}`);
    const conn = await conversation(t, bus, ['after restart']);
    await o.waitFor((e) => e.type === 'close' && e.conn === conn);
    expect(o.events.find((e) => e.type === 'message')).toMatchObject({ conn, text: 'after restart' });
    strictlyIncreasing(o.events);
  });

  test('types=frame keeps only frame events', async () => {
    const o = await watcher(t, 'since=1&types=frame');
    const frames = bus.ofType('frame');
    await o.waitFor((e) => e.seq === frames.at(-1)!.seq);
    expect(o.events.every((e) => e.type === 'frame')).toBe(true);
    expect(o.events.filter((e) => e.seq <= frames.at(-1)!.seq)).toEqual(frames);
  });

  test('types=a,b keeps several types', async () => {
    const o = await watcher(t, 'since=1&types=conn.open,close');
    await o.waitFor((e) => e.type === 'close' && e.conn === convB);
    const want = bus.events.filter((e) => (e.type === 'conn.open' || e.type === 'close') && e.seq <= o.events.at(-1)!.seq);
    expect(o.events).toEqual(want);
  });

  test('conn=ID keeps one connection', async () => {
    const o = await watcher(t, `since=1&conn=${convB}`);
    await o.waitFor((e) => e.type === 'close');
    const want = bus.forConn(convB);
    expect(o.events).toEqual(want);
    expect(o.events.map((e) => e.type)).toContain('handshake');
  });

  test('conn and types combine', async () => {
    const o = await watcher(t, `since=1&conn=${convA}&types=message`);
    await o.waitForCount(() => true, 4, 5000, 'messages');
    expect(o.events.map((e) => e.type === 'message' && [e.conn, e.dir, e.text])).toEqual([
      [convA, 'c2s', 'one'],
      [convA, 's2c', 'one'],
      [convA, 'c2s', 'two'],
      [convA, 's2c', 'two'],
    ]);
  });

  test('GET /__wslab/events?since=N returns the history as NDJSON, every line a valid event', async () => {
    const from = bus.ofType('conn.open', convB)[0].seq;
    const res = await fetch(`${t.httpUrl}/__wslab/events?since=${from}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const text = await res.text();
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.trimEnd().split('\n');
    const events = lines.map((line) => {
      const r = parseEvent(JSON.parse(line));
      if (!r.ok) throw new Error(r.error);
      return r.event;
    });
    expect(events[0].seq).toBe(from);
    strictlyIncreasing(events);
    expect(events.filter((e) => e.seq < bus.events.at(-1)!.seq + 1)).toEqual(bus.events.filter((e) => e.seq >= from));
  });

  test('GET /__wslab/events honours types and conn, and rejects a bad since', async () => {
    const res = await fetch(`${t.httpUrl}/__wslab/events?since=1&types=close&conn=${convA}`);
    const lines = (await res.text()).trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ type: 'close', conn: convA, code: 1000, reason: 'done', initiator: 'client', clean: true });
    const bad = await fetch(`${t.httpUrl}/__wslab/events?since=-3`);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/since/);
  });

  test('observer sockets are not lab connections: no events, not listed', async () => {
    const before = t.server.bus.headSeq;
    const a = await watcher(t);
    const b = await watcher(t, 'types=close');
    await a.close();
    await b.close();
    const list = (await (await fetch(`${t.httpUrl}/__wslab/connections`)).json()) as { count: number; connections: { path: string }[] };
    expect(list.connections.filter((c) => c.path.startsWith('/__wslab'))).toEqual([]);
    const health = (await (await fetch(`${t.httpUrl}/__wslab/health`)).json()) as { headSeq: number };
    expect(health.headSeq).toBe(before);
    expect(bus.events.some((e) => e.type === 'conn.open' && e.path.startsWith('/__wslab'))).toBe(false);
  });
});

describe('history eviction', () => {
  test('since older than the history: one history-evicted gap first, then the oldest events kept', async () => {
    const t = await server({ historySize: 20 });
    const bus = collect(t);
    cleanups.push(() => {
      bus.stop();
      expect(bus.invalid).toEqual([]);
    });
    await conversation(t, bus, ['a', 'b', 'c', 'd', 'e', 'f']);
    const head = t.server.bus.headSeq;
    expect(head - 1).toBeGreaterThan(20);
    const o = await watcher(t, 'since=1');
    await o.waitFor((e) => e.seq === head - 1);
    const [gap, ...rest] = o.events;
    expect(gap).toMatchObject({ type: 'gap', reason: 'history-evicted', fromSeq: 1, toSeq: head - 21, dropped: head - 21 });
    expect(rest.map((e) => e.seq)).toEqual(Array.from({ length: 20 }, (_, i) => head - 20 + i));
    strictlyIncreasing(o.events);

    const res = await fetch(`${t.httpUrl}/__wslab/events?since=1`);
    const lines = (await res.text()).trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ type: 'gap', dropped: head - 21, reason: 'history-evicted' });
    expect(lines).toHaveLength(21);
  });
});

describe('a slow observer', () => {
  test('a stuck observer keeps server memory bounded, then gets a gap (dropped > 0), strictly increasing seq, every seq accounted for', async () => {
    const HISTORY = 2000;
    const t = await server({ historySize: HISTORY });

    // Count what the server publishes (the bus already holds each event's JSON).
    let published = 0;
    let publishedBytes = 0;
    const unsubscribe = t.server.bus.subscribe((_e, entry) => {
      published++;
      publishedBytes += entry.json.length;
    });
    cleanups.push(unsubscribe);

    const stuck = await watcher(t, '');
    const sock = (stuck.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;

    const ticker = await client(t, '/lab/ticker?rate=5000&size=512');
    ticker.on('message', () => {});
    await stuck.waitFor((e) => e.type === 'message', 10_000);
    // The observer stops reading: its TCP window closes, the server's socket buffer fills.
    sock.pause();
    const base = memory();
    const pausedAt = { events: published, bytes: publishedBytes };

    // Publish far more than the kernel buffers can hold (the receive window of a socket that is
    // never read stays small; the send buffer is at most tcp_wmem's max), plus the whole history.
    const target = 48 * 1024 * 1024;
    let peakHeap = 0;
    let peakRss = 0;
    await until(
      () => {
        const m = process.memoryUsage();
        peakHeap = Math.max(peakHeap, m.heapUsed);
        peakRss = Math.max(peakRss, m.rss);
        return publishedBytes - pausedAt.bytes > target && published - pausedAt.events > 10 * HISTORY;
      },
      45_000,
      'the ticker to publish enough events',
    );
    const after = memory();
    await shut(ticker, true);

    const MB = 1024 * 1024;
    // Generous bounds: 48 MB of events went by; a queue per observer would have kept them all.
    expect((after.heapUsed - base.heapUsed) / MB).toBeLessThan(64);
    expect((peakHeap - base.heapUsed) / MB).toBeLessThan(64);
    expect((peakRss - base.rss) / MB).toBeLessThan(128);

    const receivedBeforeResume = stuck.events.length;
    sock.resume();
    const gap = await stuck.waitForType('gap', () => true, 20_000);
    expect(gap.dropped).toBeGreaterThan(0);
    expect(gap.reason).toBe('slow-observer');
    expect(gap.toSeq - gap.fromSeq + 1).toBe(gap.dropped);
    // it catches up to the end of the stream
    const head = t.server.bus.headSeq - 1;
    await stuck.waitFor((e) => e.seq >= head, 20_000, `event #${head}`);

    strictlyIncreasing(stuck.events);
    // Nothing is lost silently: every seq from the first event on is either received or inside
    // exactly one gap's range. (Usually there is one gap; there can be a few when the kernel's
    // send buffer grows while the observer is stuck and lets the server write a little more.)
    const gaps = stuck.ofType('gap');
    expect(gaps.length).toBeGreaterThanOrEqual(1);
    let next = stuck.events[0].seq;
    for (const e of stuck.events) {
      if (e.type === 'gap') {
        expect(e.fromSeq).toBe(next);
        expect(e.seq).toBe(e.toSeq);
        next = e.toSeq + 1;
      } else {
        expect(e.seq).toBe(next);
        next = e.seq + 1;
      }
    }
    // after the last gap the observer reads the history contiguously up to the head
    const lastGap = gaps.at(-1)!;
    const tail = stuck.events.slice(stuck.events.indexOf(lastGap) + 1);
    expect(tail.length).toBeGreaterThan(0);
    expect(tail[0].seq).toBe(lastGap.toSeq + 1);
    expect(tail.at(-1)!.seq).toBeGreaterThanOrEqual(head);
    expect(receivedBeforeResume).toBeLessThan(stuck.events.length);
  }, 120_000);
});
