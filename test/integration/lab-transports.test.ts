// The transports lab against real sockets: one feed over short polls, long polls, server-sent
// events and a WebSocket; the bytes and TCP connections the server reports for each request,
// checked against what the client's own sockets counted; held requests released when their
// clients go; the caps.
//
// Most tests use a feed whose timer never fires in a test's lifetime and make each update by hand
// (server.transports.feed.tick()), so every expected value is exact.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { Agent, get, type ClientRequest, type IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { closed, openClient, shut, sleep, startTestServer, until, type TestServer } from '../helpers/server.ts';
import type { TransportUpdate } from '../../server/core/labs/transports-feed.ts';
import type { ClientStats } from '../../server/core/labs/transports-stats.ts';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
  /** the client socket's local port: the server's remotePort for it */
  localPort: number;
  /** bytes this request cost as the CLIENT's socket counted them */
  sent: number;
  received: number;
  at: number;
}

/** what each client socket had counted after its previous response */
const counted = new WeakMap<Socket, { written: number; read: number }>();

/** GET with node:http; `agent` decides whether connections are reused. */
function fetchRaw(url: string, opts: { agent?: Agent; headers?: Record<string, string> } = {}): Promise<Answer> & { req?: ClientRequest } {
  let req: ClientRequest;
  const p = new Promise<Answer>((resolve, reject) => {
    req = get(url, { agent: opts.agent ?? new Agent({ keepAlive: false }), headers: opts.headers }, (res) => {
      const socket = res.socket;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const before = counted.get(socket) ?? { written: 0, read: 0 };
        counted.set(socket, { written: socket.bytesWritten, read: socket.bytesRead });
        const body = Buffer.concat(chunks).toString('utf8');
        let json: unknown = null;
        try {
          json = JSON.parse(body);
        } catch {
          // not JSON
        }
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body,
          json,
          localPort: socket.localPort ?? 0,
          sent: socket.bytesWritten - before.written,
          received: socket.bytesRead - before.read,
          at: performance.now(),
        });
      });
    });
    req.on('error', reject);
  });
  return Object.assign(p, { get req() { return req; } });
}

interface SseClient {
  events: { id: string; data: string }[];
  raw: () => string;
  status: Promise<number>;
  close(): void;
}

/** An EventSource-like reader: collects `id:`/`data:` events as they arrive. */
function openSse(url: string, headers: Record<string, string> = {}): SseClient {
  const events: { id: string; data: string }[] = [];
  let raw = '';
  let req: ClientRequest;
  const status = new Promise<number>((resolve, reject) => {
    req = get(url, { agent: new Agent({ keepAlive: false }), headers: { Accept: 'text/event-stream', ...headers } }, (res) => {
      resolve(res.statusCode ?? 0);
      res.setEncoding('utf8');
      res.on('data', (text: string) => {
        raw += text;
        const blocks = raw.split('\n\n');
        events.length = 0;
        for (const block of blocks.slice(0, -1)) {
          const id = /^id: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (id !== undefined && data !== undefined) events.push({ id, data });
        }
      });
      res.on('error', () => {});
    });
    req.on('error', (err) => (err.message.includes('socket hang up') ? undefined : reject(err)));
  });
  return { events, raw: () => raw, status, close: () => req.destroy() };
}

async function stats(t: TestServer, client?: string) {
  const res = await fetch(`${t.httpUrl}/lab/transports/stats${client ? `?client=${client}` : ''}`);
  return (await res.json()) as { head: number; running: boolean; held: { long: number; sse: number; ws: number; stats: number }; client: ClientStats | null };
}

const HOUR = 3_600_000;

describe('one feed, four transports', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ heartbeat: { intervalMs: 0 }, transports: { periodMs: HOUR } });
  });
  afterAll(async () => {
    await t.close();
  });
  const tick = () => t.server.transports.feed.tick();
  const url = (path: string) => `${t.httpUrl}/lab/transports/${path}`;

  test('a short poll answers at once: the updates after `after`, and an empty list when nothing is new', async () => {
    const first = await fetchRaw(url('poll'));
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toBe('application/json');
    const head = first.json.head as number;
    expect(first.json.updates).toEqual([]);
    const made = [tick(), tick(), tick()];
    const news = await fetchRaw(url(`poll?after=${head}`));
    expect(news.json.head).toBe(head + 3);
    expect(news.json.updates).toEqual(made);
    expect(news.json.updates.map((u: TransportUpdate) => u.seq)).toEqual([head + 1, head + 2, head + 3]);
    const partial = await fetchRaw(url(`poll?after=${head + 2}`));
    expect(partial.json.updates).toEqual([made[2]]);
    const none = await fetchRaw(url(`poll?after=${head + 3}`));
    expect(JSON.parse(none.body)).toEqual({ conn: none.json.conn, head: head + 3, updates: [] });
  });

  test('a long poll is held until the next update, then answered with it', async () => {
    const { head } = await stats(t);
    const pending = fetchRaw(url(`long?after=${head}&client=held`));
    let answered = false;
    void pending.then(() => (answered = true));
    await until(async () => (await stats(t)).held.long === 1, 2000, 'the long poll to be held');
    await sleep(300);
    expect(answered).toBe(false);
    const madeAt = performance.now();
    const update = tick();
    const res = await pending;
    expect(res.at).toBeGreaterThanOrEqual(madeAt);
    expect(res.json).toEqual({ conn: res.json.conn, head: head + 1, updates: [update] });
    expect((await stats(t)).held.long).toBe(0);
    const books = (await stats(t, 'held')).client!.transports.long;
    expect(books).toMatchObject({ requests: 1, updates: 1, empty: 0, open: 0, requestBytes: res.sent, responseBytes: res.received });
  });

  test('SSE: id:/data: events as updates come, and a reconnect with Last-Event-ID resumes after that id', async () => {
    const { head } = await stats(t);
    const sse = openSse(url(`sse?after=${head}`));
    expect(await sse.status).toBe(200);
    await until(async () => (await stats(t)).held.sse === 1, 2000, 'the stream to open');
    const made = [tick(), tick(), tick()];
    await until(() => sse.events.length === 3, 2000, 'three events');
    expect(sse.raw()).toBe(`retry: 1000\n\n` + made.map((u) => `id: ${u.seq}\ndata: ${JSON.stringify(u)}\n\n`).join(''));
    sse.close();
    await until(async () => (await stats(t)).held.sse === 0, 2000, 'the stream to be released');

    const missed = [tick(), tick()];
    // the browser reconnects with the last id it saw; that wins over the after= still in its URL
    const again = openSse(url(`sse?after=${head}`), { 'Last-Event-ID': String(made[2].seq) });
    await until(() => again.events.length === 2, 2000, 'the two missed events');
    expect(again.events).toEqual(missed.map((u) => ({ id: String(u.seq), data: JSON.stringify(u) })));
    const next = tick();
    await until(() => again.events.length === 3, 2000, 'the next live event');
    expect(again.events[2]).toEqual({ id: String(next.seq), data: JSON.stringify(next) });
    again.close();
  });

  test('the WebSocket gets the same feed: the same seq sequence and the same JSON as SSE and the polls', async () => {
    const { head } = await stats(t);
    const ws = await openClient(t.wsUrl(`/lab/transports/ws?after=${head}&client=same`));
    const got: string[] = [];
    ws.on('message', (d, isBinary) => got.push(isBinary ? '(binary)' : d.toString()));
    const sse = openSse(url(`sse?after=${head}&client=same`));
    await until(async () => {
      const h = (await stats(t)).held;
      return h.sse === 1 && h.ws === 1;
    }, 2000, 'both streams to open');
    const made = [tick(), tick(), tick(), tick(), tick()];
    await until(() => got.length === 5 && sse.events.length === 5, 2000, 'five updates on both');
    const poll = await fetchRaw(url(`poll?after=${head}&client=same`));
    const seqs = made.map((u) => u.seq);
    expect(seqs).toEqual([1, 2, 3, 4, 5].map((i) => head + i));
    expect(got).toEqual(made.map((u) => JSON.stringify(u)));
    expect(sse.events.map((e) => e.data)).toEqual(got);
    expect(poll.json.updates).toEqual(made);
    // bytes: each update is one unmasked text frame, 2 header bytes + the JSON
    const before = (await stats(t, 'same')).client!.transports.ws;
    const update = tick();
    await until(() => got.length === 6, 2000, 'the sixth update');
    const after = (await stats(t, 'same')).client!.transports.ws;
    expect(after.responseBytes - before.responseBytes).toBe(2 + Buffer.byteLength(JSON.stringify(update)));
    expect(after).toMatchObject({ requests: 1, updates: 6, open: 1 });
    expect(after.setupBytes).toBeGreaterThan(200); // the upgrade request and the 101
    sse.close();
    await shut(ws);
    await until(async () => (await stats(t)).held.ws === 0, 2000, 'the socket to be released');
  });

  test('two polls over one keep-alive connection: the same connection id, and exactly the bytes the client counted', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const client = `ka${Date.now()}`;
    const { head } = await stats(t);
    const a = await fetchRaw(url(`poll?after=${head}&client=${client}`), { agent });
    const u = tick();
    const b = await fetchRaw(url(`poll?after=${head}&client=${client}`), { agent });
    expect(a.localPort).toBe(b.localPort); // one TCP connection on the client's side…
    expect(b.json.conn).toBe(a.json.conn); // …and on the server's
    expect(b.json.updates).toEqual([u]);
    const other = await fetchRaw(url(`poll?after=${head}&client=${client}`)); // a fresh connection
    expect(other.json.conn).not.toBe(a.json.conn);
    agent.destroy();

    const books = (await stats(t, client)).client!.transports.poll;
    expect(books.connections).toEqual([
      { conn: a.json.conn, remotePort: a.localPort, requests: 2, open: false },
      { conn: other.json.conn, remotePort: other.localPort, requests: 1, open: false },
    ]);
    expect(books).toMatchObject({ requests: 3, updates: 2, empty: 1, setupBytes: 0, open: 0 });
    expect(books.requestBytes).toBe(a.sent + b.sent + other.sent);
    expect(books.responseBytes).toBe(a.received + b.received + other.received);
    // the figures are the wire's, not guesses: a request line and headers, a status line, headers and body
    expect(a.sent).toBeGreaterThan(`GET /lab/transports/poll?after=${head}&client=${client} HTTP/1.1\r\n`.length);
    expect(a.received).toBeGreaterThan(Buffer.byteLength(a.body) + 'HTTP/1.1 200 OK\r\n\r\n'.length);
  });

  test('the stats stream sends the books as events at the asked pace', async () => {
    const watch = openSse(url('stats?client=watcher&every=250'));
    expect(await watch.status).toBe(200);
    await until(() => (watch.raw().match(/^data: /gm) ?? []).length >= 3, 2000, 'three stats events');
    const first = JSON.parse(/^data: (.*)$/m.exec(watch.raw())![1]);
    expect(first).toMatchObject({ head: expect.any(Number), held: { stats: 1 }, client: null });
    watch.close();
    await until(async () => (await stats(t)).held.stats === 0, 2000, 'the stats stream to be released');
  });

  test('held long polls, SSE streams, stats streams and WebSockets are released when their clients go', async () => {
    const { head } = await stats(t);
    const longs = [0, 1, 2].map(() => fetchRaw(url(`long?after=${head}`)));
    for (const p of longs) p.catch(() => {});
    const streams = [openSse(url('sse')), openSse(url('sse')), openSse(url('stats?every=5000'))];
    const ws = await openClient(t.wsUrl('/lab/transports/ws'));
    await until(async () => {
      const h = (await stats(t)).held;
      return h.long === 3 && h.sse === 2 && h.ws === 1 && h.stats === 1;
    }, 3000, 'everything to be held');
    for (const p of longs) p.req!.destroy();
    for (const s of streams) s.close();
    ws.terminate();
    await closed(ws);
    await until(async () => {
      const h = (await stats(t)).held;
      return h.long === 0 && h.sse === 0 && h.ws === 0 && h.stats === 0;
    }, 3000, 'every held request to be released');
    expect(t.server.transports.feed.watchers).toBe(0);
  });

  test('bad parameters get 400 with the reason; other methods 405; a foreign Origin 403', async () => {
    expect((await fetchRaw(url('poll?after=-1'))).json.error).toMatch(/after must be a non-negative integer/);
    expect((await fetchRaw(url('poll?client=<x>'))).status).toBe(400);
    expect((await fetch(url('poll'), { method: 'POST' })).status).toBe(405);
    expect((await fetchRaw(url('stats?every=100'))).json.error).toBe('every must be a whole number of milliseconds from 250 to 5000.');
    const foreign = await fetchRaw(url('sse'), { headers: { Origin: 'http://evil.example' } });
    expect(foreign.status).toBe(403);
    expect(foreign.json.error).toMatch(/Origin http:\/\/evil\.example may not use this lab/);
    const own = await fetchRaw(url('poll'), { headers: { Origin: t.httpUrl } });
    expect(own.status).toBe(200);
    await expect(openClient(t.wsUrl('/lab/transports/ws'), { origin: 'http://evil.example' })).rejects.toThrow(/403/);
    expect((await fetchRaw(url('nope'))).status).toBe(404);
    expect((await fetchRaw(`${t.httpUrl}/lab/transports/ws`)).status).toBe(426);
  });
});

describe('caps and the timer', () => {
  let t: TestServer;
  const opened: SseClient[] = [];
  afterEach(async () => {
    for (const s of opened.splice(0)) s.close();
    await t?.close();
  });
  const url = (path: string) => `${t.httpUrl}/lab/transports/${path}`;

  test('past the caps, long polls and SSE streams are refused with 503 and a sentence; the slots come back', async () => {
    t = await startTestServer({ transports: { periodMs: HOUR, maxLongPolls: 2, maxStreams: 1 } });
    const longs = [fetchRaw(url('long')), fetchRaw(url('long'))];
    for (const p of longs) p.catch(() => {});
    await until(async () => (await stats(t)).held.long === 2, 2000, 'two held');
    const third = await fetchRaw(url('long'));
    expect(third.status).toBe(503);
    expect(third.headers['retry-after']).toBe('1');
    expect(third.json.error).toBe('The server already holds 2 long polls (its cap); retry when one is answered.');
    opened.push(openSse(url('sse')));
    expect(await opened[0].status).toBe(200);
    const second = await fetchRaw(url('sse'));
    expect(second.status).toBe(503);
    expect(second.json.error).toBe('The server already has 1 event streams open (its cap); retry when one closes.');
    // an update answers both long polls and frees their slots
    t.server.transports.feed.tick();
    await Promise.all(longs);
    expect((await stats(t)).held.long).toBe(0);
    const again = fetchRaw(url('long'));
    await until(async () => (await stats(t)).held.long === 1, 2000, 'a long poll held again');
    t.server.transports.feed.tick();
    expect((await again).status).toBe(200);
  });

  test('a held long poll is answered empty, with timeout: true, when nothing comes in time', async () => {
    t = await startTestServer({ transports: { periodMs: HOUR, longPollMs: 300 } });
    const started = performance.now();
    const res = await fetchRaw(url('long?client=slow'));
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(res.json).toEqual({ conn: res.json.conn, head: 0, updates: [], timeout: true });
    expect((await stats(t, 'slow')).client!.transports.long).toMatchObject({ requests: 1, updates: 0, empty: 1, open: 0 });
  });

  test('requests over the rate get 429', async () => {
    t = await startTestServer({ transports: { periodMs: HOUR, rate: { perSecond: 1, burst: 3 } } });
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) codes.push((await fetchRaw(url('poll'))).status);
    expect(codes).toEqual([200, 200, 200, 429]);
  });

  test('the feed ticks only while someone watches, at its period', async () => {
    t = await startTestServer({ transports: { periodMs: 50 } });
    await sleep(200);
    expect(await stats(t)).toMatchObject({ head: 0, running: false });
    const ws = new WebSocket(t.wsUrl('/lab/transports/ws'));
    const seqs: number[] = [];
    ws.on('message', (d) => seqs.push(JSON.parse(d.toString()).seq));
    await until(() => seqs.length >= 4, 2000, 'four updates');
    expect(seqs.slice(0, 4)).toEqual([1, 2, 3, 4]);
    await shut(ws);
    await until(async () => !(await stats(t)).running, 2000, 'the feed to stop');
    const { head } = await stats(t);
    await sleep(200);
    expect((await stats(t)).head).toBe(head);
  });
});
