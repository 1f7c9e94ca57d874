// The transports lab: one feed (server/core/labs/transports-feed.ts), delivered four ways, with what each
// way really costs on the wire.
//
//   GET /lab/transports/poll?after=SEQ&client=ID   short poll: answers at once with what is new (often nothing)
//   GET /lab/transports/long?after=SEQ&client=ID   long poll: held until there is something new, or LONG_POLL_MS
//   GET /lab/transports/sse?after=SEQ&client=ID    server-sent events; Last-Event-ID (a reconnect) wins over after
//   ws://HOST/lab/transports/ws?after=SEQ&client=ID   the same updates as WebSocket text messages
//   GET /lab/transports/stats?client=ID            the feed, held counts, caps, and that client's figures
//   GET /lab/transports/stats?client=ID&every=MS   the same as an event stream, every MS ms (250-5000)
//
// The lab page watches its figures through the stats stream rather than by fetching them: a fetch
// every half second would keep an idle keep-alive connection warm for the next poll to reuse, and
// hide what a server's keep-alive timeout does to slow polling.
//
// Without `after`, each starts from now. `client` (the page's random id) files the request's bytes
// and connection under that client in the stats; without it nothing is recorded.
//
// Safety, as for the WebSocket labs: a foreign Origin is refused (403), requests per address are
// rate-limited (429), held long polls and SSE streams are capped (503) and released the moment their
// client goes away, and an SSE client that stops reading is cut off rather than buffered for.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { EventBus } from '../../stream/bus.ts';
import { sendJson } from '../../http/json.ts';
import { PAGE_HEADERS } from '../../http/static.ts';
import type { RequestWire, WireMeter } from '../../http/wire-meter.ts';
import { RateLimiter } from '../../http/rate-limit.ts';
import { originAllowed } from '../../http/origin.ts';
import { DEFAULT_PERIOD_MS, parseSeq, sseEvent, TransportFeed, updateJson, wallClock, type Backlog, type TransportUpdate } from '../../core/labs/transports-feed.ts';
import { StatsBook, type Exchange, type Transport } from '../../core/labs/transports-stats.ts';
import type { Lab, LabContext } from '../../connection/lab.ts';
import { safeInterval, safeTimeout } from '../../process/safe.ts';

export interface TransportsOptions {
  /** ms between updates (default 500: two a second) */
  periodMs?: number;
  /** long polls held at once, all clients together (default 64) */
  maxLongPolls?: number;
  /** SSE streams open at once (default 64) */
  maxStreams?: number;
  /** a held long poll is answered empty after this long (default 25 s, under common proxy timeouts) */
  longPollMs?: number;
  /** HTTP requests to the lab per second per client address, and the burst allowed (default 50, 200) */
  rate?: { perSecond: number; burst: number };
}

const CLIENT_RE = /^[A-Za-z0-9_-]{1,64}$/;
/** an SSE client with this much unread is cut off; 2 small updates a second never get near it */
const SSE_BUFFER_CAP = 64 * 1024;
/** a WebSocket client with this much unread gets no more updates until it reads (seq shows the hole) */
const WS_BUFFER_CAP = 64 * 1024;
/** an SSE comment this often keeps idle proxies from closing the stream */
const SSE_KEEPALIVE_MS = 15_000;
const ENDPOINTS = ['poll', 'long', 'sse', 'stats'] as const;
type Endpoint = (typeof ENDPOINTS)[number];
export const WS_PATH = '/lab/transports/ws';

/** Each server's lab, found by its bus (the WebSocket side is a Lab shared by every server). */
const instances = new WeakMap<EventBus, TransportsLab>();

export class TransportsLab {
  readonly feed: TransportFeed;
  readonly book = new StatsBook();
  private readonly limiter: RateLimiter;
  private readonly maxLongPolls: number;
  private readonly maxStreams: number;
  private readonly longPollMs: number;
  /** how to let go of every held long poll, SSE stream and WebSocket subscription */
  private readonly releases = new Set<() => void>();
  private readonly upgrades = new WeakMap<Socket, RequestWire>();
  private heldLong = 0;
  private openStreams = 0;
  /** stats streams: capped like the feed's streams, counted apart from them */
  private statsStreams = 0;
  private openSockets = 0;

  constructor(
    bus: EventBus,
    private readonly meter: WireMeter,
    private readonly allowOrigins: readonly string[],
    options: TransportsOptions = {},
  ) {
    this.feed = new TransportFeed(options.periodMs ?? DEFAULT_PERIOD_MS, {
      now: wallClock(Date.now, () => performance.now()),
      setTimeout: (fn, ms) => safeTimeout('the transports feed', fn, ms),
      clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
      random: Math.random,
    });
    this.maxLongPolls = options.maxLongPolls ?? 64;
    this.maxStreams = options.maxStreams ?? 64;
    this.longPollMs = options.longPollMs ?? 25_000;
    const rate = options.rate ?? { perSecond: 50, burst: 200 };
    this.limiter = new RateLimiter(rate.perSecond, rate.burst);
    instances.set(bus, this);
  }

  /** The HTTP paths of this lab (the WebSocket path is an upgrade, routed as every lab is). */
  handles(pathname: string): boolean {
    return pathname.startsWith('/lab/transports/') && pathname !== WS_PATH;
  }

  /** Counts the upgrade of a /lab/transports/ws request (before ws writes its 101), so its handshake is on the books. */
  noteUpgrade(req: IncomingMessage): void {
    // every upgrade of the server passes here: a prefix test, no allocation, for the others
    const url = req.url ?? '';
    if (!url.startsWith(WS_PATH)) return;
    const next = url.charCodeAt(WS_PATH.length); // end, '?' or '/'
    if (Number.isNaN(next) || next === 63 || next === 47) this.upgrades.set(req.socket, this.meter.request(req));
  }

  held(): { long: number; sse: number; ws: number; stats: number } {
    return { long: this.heldLong, sse: this.openStreams, ws: this.openSockets, stats: this.statsStreams };
  }

  handle(req: IncomingMessage, res: ServerResponse, url: URL, wire: RequestWire): void {
    const name = url.pathname.slice('/lab/transports/'.length) as Endpoint;
    if (!ENDPOINTS.includes(name)) {
      return sendJson(res, 404, { error: `No ${url.pathname}. The transports lab has GET /lab/transports/poll, /long, /sse, /stats and the WebSocket ${WS_PATH}.` });
    }
    if (req.method !== 'GET') {
      res.setHeader('Allow', 'GET');
      return sendJson(res, 405, { error: `${url.pathname} answers GET only.` });
    }
    if (!originAllowed(req, this.allowOrigins)) {
      return sendJson(res, 403, { error: `Origin ${req.headers.origin} may not use this lab (pages of other sites are refused).` });
    }
    if (!this.limiter.take(req.socket.remoteAddress ?? '')) {
      res.setHeader('Retry-After', '1');
      return sendJson(res, 429, { error: 'Too many requests to the transports lab from this address; slow down and retry.' });
    }
    const client = url.searchParams.get('client');
    if (client !== null && !CLIENT_RE.test(client)) return sendJson(res, 400, { error: 'client must be 1 to 64 letters, digits, _ or -.' });
    const afterRaw = url.searchParams.get('after');
    const after = afterRaw === null ? null : parseSeq(afterRaw);
    if (afterRaw !== null && after === null) return sendJson(res, 400, { error: 'after must be a non-negative integer sequence number.' });

    if (name === 'stats') {
      const every = url.searchParams.get('every');
      if (every === null) return sendJson(res, 200, this.snapshot(client));
      const ms = Number(every);
      if (!/^\d+$/.test(every) || ms < 250 || ms > 5000) return sendJson(res, 400, { error: 'every must be a whole number of milliseconds from 250 to 5000.' });
      return this.statsStream(res, client, ms);
    }
    if (name === 'poll') return this.poll(res, wire, client, after);
    if (name === 'long') return this.longPoll(res, wire, client, after);
    return this.sse(req, res, wire, client, after);
  }

  /** The WebSocket side: the same updates as text messages, from `after` on. */
  attach(ws: WebSocket, ctx: LabContext): void {
    const client = ctx.url.searchParams.get('client');
    const after = parseSeq(ctx.url.searchParams.get('after'));
    if ((client !== null && !CLIENT_RE.test(client)) || (ctx.url.searchParams.has('after') && after === null)) {
      ws.close(1008, 'client must be 1-64 letters, digits, _ or -; after a sequence number');
      return;
    }
    // Counted at the upgrade when the server routed it here; otherwise from now (the 101 is then missed).
    const socket = ctx.socket;
    const wire = (socket && this.upgrades.get(socket)) ?? null;
    if (socket) this.upgrades.delete(socket);
    const ex = client ? this.book.open(client, 'ws', ctx.conn, ctx.record.meta.remotePort) : null;
    const measure = () => {
      if (wire) ex?.bytes(wire.requestBytes + wire.readSince(), wire.responseBytes());
    };
    measure();
    ex?.setup();
    this.openSockets++;
    let failed = false;
    const onSent = (err?: Error | null) => {
      if (err) failed = true;
    };
    const send = (u: TransportUpdate) => {
      // a destroyed socket or a failed write never raises bufferedAmount: stop on either at once
      if (failed || socket?.destroyed) return queueMicrotask(() => release());
      if (ws.readyState !== ws.OPEN || ws.bufferedAmount > WS_BUFFER_CAP) return;
      ws.send(updateJson(u), onSent);
      ex?.delivered(1);
      measure();
    };
    if (after !== null) for (const u of this.feed.since(after).updates) send(u);
    const unsubscribe = this.feed.subscribe(send);
    const release = () => {
      if (!this.releases.delete(release)) return;
      unsubscribe();
      this.openSockets--;
      measure();
      ex?.close();
    };
    this.releases.add(release);
    ws.once('close', release);
  }

  close(): void {
    for (const release of [...this.releases]) release();
    this.feed.stop();
  }

  private snapshot(client: string | null) {
    return {
      head: this.feed.head,
      running: this.feed.running,
      periodMs: this.feed.periodMs,
      held: this.held(),
      caps: { longPolls: this.maxLongPolls, streams: this.maxStreams, longPollMs: this.longPollMs },
      client: client ? this.book.get(client) : null,
    };
  }

  private statsStream(res: ServerResponse, client: string | null, everyMs: number): void {
    if (this.statsStreams >= this.maxStreams) {
      res.setHeader('Retry-After', '1');
      return sendJson(res, 503, { error: `The server already has ${this.maxStreams} stats streams open (its cap); retry when one closes.` });
    }
    this.statsStreams++;
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', ...PAGE_HEADERS });
    const send = () => {
      if (res.writableLength > SSE_BUFFER_CAP) res.destroy();
      else res.write(`data: ${JSON.stringify(this.snapshot(client))}\n\n`);
    };
    send();
    const timer = safeInterval('the transports lab', send, everyMs);
    const release = () => {
      if (!this.releases.delete(release)) return;
      this.statsStreams--;
      clearInterval(timer);
      res.destroy();
    };
    this.releases.add(release);
    res.once('close', release);
  }

  private open(client: string | null, transport: Transport, wire: RequestWire): Exchange | null {
    if (!client) return null;
    const ex = this.book.open(client, transport, wire.conn, wire.remotePort);
    ex.bytes(wire.requestBytes, 0);
    return ex;
  }

  /** Answers a poll or long poll with the backlog as one compact JSON body. */
  private answer(res: ServerResponse, wire: RequestWire, backlog: Backlog, ex: Exchange | null, timeout = false): void {
    const body = JSON.stringify({
      conn: wire.conn,
      head: backlog.head,
      updates: backlog.updates,
      ...(backlog.missed ? { missed: backlog.missed } : {}),
      ...(timeout ? { timeout: true } : {}),
    });
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
      'Cache-Control': 'no-store',
      ...PAGE_HEADERS,
    });
    res.end(body);
    if (!ex) return;
    ex.delivered(backlog.updates.length);
    // bytesWritten counts what still waits in the socket's buffer, so this is the whole response
    ex.bytes(wire.requestBytes, wire.responseBytes());
    ex.close();
  }

  private poll(res: ServerResponse, wire: RequestWire, client: string | null, after: number | null): void {
    this.feed.touch();
    this.answer(res, wire, this.feed.since(after ?? this.feed.head), this.open(client, 'poll', wire));
  }

  private longPoll(res: ServerResponse, wire: RequestWire, client: string | null, after: number | null): void {
    const from = after ?? this.feed.head;
    const now = this.feed.since(from);
    if (now.updates.length > 0 || now.missed > 0) return this.answer(res, wire, now, this.open(client, 'long', wire));
    if (this.heldLong >= this.maxLongPolls) {
      res.setHeader('Retry-After', '1');
      return sendJson(res, 503, { error: `The server already holds ${this.maxLongPolls} long polls (its cap); retry when one is answered.` });
    }
    const ex = this.open(client, 'long', wire);
    this.heldLong++;
    let held = true;
    /** Stops holding (timer, subscription, count); true only the first time. */
    const unhold = (): boolean => {
      if (!held) return false;
      held = false;
      this.releases.delete(abort);
      this.heldLong--;
      clearTimeout(timer);
      unsubscribe();
      return true;
    };
    // the client went away (or the server is closing): nothing is left waiting for it
    const abort = () => {
      if (!unhold()) return;
      ex?.bytes(wire.requestBytes, wire.responseBytes());
      ex?.close();
      res.destroy();
    };
    const timer = safeTimeout('the transports lab', () => {
      if (unhold()) this.answer(res, wire, this.feed.since(from), ex, true);
    }, this.longPollMs);
    const unsubscribe = this.feed.subscribe(() => {
      if (unhold()) this.answer(res, wire, this.feed.since(from), ex);
    });
    this.releases.add(abort);
    res.once('close', abort);
  }

  private sse(req: IncomingMessage, res: ServerResponse, wire: RequestWire, client: string | null, after: number | null): void {
    if (this.openStreams >= this.maxStreams) {
      res.setHeader('Retry-After', '1');
      return sendJson(res, 503, { error: `The server already has ${this.maxStreams} event streams open (its cap); retry when one closes.` });
    }
    // EventSource sends Last-Event-ID when it reconnects: that wins over the after= of its URL
    const header = req.headers['last-event-id'];
    const from = parseSeq(typeof header === 'string' ? header : null) ?? after ?? this.feed.head;
    const ex = this.open(client, 'sse', wire);
    const measure = () => ex?.bytes(wire.requestBytes, wire.responseBytes());
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', ...PAGE_HEADERS });
    res.write('retry: 1000\n\n'); // reconnect after 1 s instead of the browser's default 3 s
    measure();
    ex?.setup();
    this.openStreams++;
    const write = (text: string): boolean => {
      if (res.destroyed || !res.writable) {
        queueMicrotask(() => release());
        return false;
      }
      if (res.writableLength > SSE_BUFFER_CAP) {
        res.destroy(); // not reading: cut off rather than buffer without end
        return false;
      }
      res.write(text);
      return true;
    };
    const send = (u: TransportUpdate) => {
      if (!write(sseEvent(u))) return;
      ex?.delivered(1);
      measure();
    };
    const backlog = this.feed.since(from);
    if (backlog.missed) write(`: ${backlog.missed} updates are no longer kept\n\n`);
    for (const u of backlog.updates) send(u);
    const unsubscribe = this.feed.subscribe(send);
    const keepalive = safeInterval('the transports lab', () => write(':\n\n') && measure(), SSE_KEEPALIVE_MS);
    const release = () => {
      if (!this.releases.delete(release)) return;
      this.openStreams--;
      clearInterval(keepalive);
      unsubscribe();
      measure();
      ex?.close();
      res.destroy();
    };
    this.releases.add(release);
    res.once('close', release);
  }
}

/** The WebSocket end of the lab, registered with the other labs. */
export const transportsWsLab: Lab = {
  name: 'transports/ws',
  description: 'The transports lab feed (?after=SEQ) as WebSocket text messages; GET /lab/transports/poll, /long and /sse carry the same updates.',
  wsOptions(_url, defaults) {
    return defaults;
  },
  onConnection(ws, ctx) {
    const lab = instances.get(ctx.bus);
    if (lab) lab.attach(ws, ctx);
    else ws.close(1011, 'the transports lab does not run on this server');
  },
};
