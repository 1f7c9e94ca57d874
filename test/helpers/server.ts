// Helpers for the integration suites: a real wslab server on a loopback port, ws clients, an
// in-process event recorder, a real /__wslab/events observer, and a raw TCP client for requests
// no well-behaved library would send.
//
// Every event these helpers receive is validated with parseEvent (the public schema): a test that
// records events proves the schema holds for them.
import { connect, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import WebSocket, { type ClientOptions } from 'ws';
import { startWslab, type WslabOptions, type WslabServer } from '../../server/app.ts';
import { parseEvent, type EventOf, type EventType, type WslabEvent } from '../../server/core/events/schema.ts';
import { formatEvent } from '../../server/core/events/format.ts';

export type { WslabEvent };

export interface TestServer {
  server: WslabServer;
  port: number;
  /** http://127.0.0.1:PORT */
  httpUrl: string;
  /** ws://127.0.0.1:PORT + path */
  wsUrl(path: string): string;
  close(): Promise<void>;
}

/** startWslab on 127.0.0.1, any free port. */
export async function startTestServer(opts: WslabOptions = {}): Promise<TestServer> {
  const server = await startWslab({ host: '127.0.0.1', ...opts, port: 0 });
  const httpUrl = `http://127.0.0.1:${server.port}`;
  return {
    server,
    port: server.port,
    httpUrl,
    wsUrl: (path: string) => `ws://127.0.0.1:${server.port}${path}`,
    close: () => server.close(),
  };
}

/** Validates one event (a parsed JSON value) against the schema; throws with zod's message if it fails. */
export function mustParse(input: unknown): WslabEvent {
  const result = parseEvent(input);
  if (!result.ok) throw new Error(`event does not match the schema: ${result.error}\n${JSON.stringify(input).slice(0, 500)}`);
  return result.event;
}

type Predicate = (e: WslabEvent) => boolean;

/** An append-only list of events with waitFor(). Shared by collect() and observe(). */
export class EventLog {
  readonly events: WslabEvent[] = [];
  /** schema failures seen (should stay empty) */
  readonly invalid: string[] = [];
  private waiters = new Set<{ pred: Predicate; resolve: (e: WslabEvent) => void }>();

  constructor(readonly label: string) {}

  push(e: WslabEvent): void {
    this.events.push(e);
    for (const w of this.waiters) {
      if (w.pred(e)) {
        this.waiters.delete(w);
        w.resolve(e);
      }
    }
  }

  pushRaw(input: unknown): void {
    const result = parseEvent(input);
    if (!result.ok) {
      this.invalid.push(`${result.error}\n${JSON.stringify(input).slice(0, 300)}`);
      return;
    }
    this.push(result.event);
  }

  /** The first event (already seen or still to come) that matches; rejects listing the last events seen. */
  waitFor(pred: Predicate, timeoutMs = 5000, what = 'a matching event'): Promise<WslabEvent> {
    const seen = this.events.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = {
        pred,
        resolve: (e: WslabEvent) => {
          clearTimeout(timer);
          resolve(e);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`${this.label}: no ${what} within ${timeoutMs} ms. Last events seen:\n${this.tail(25)}`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** waitFor with a typed result for one event type. */
  waitForType<T extends EventType>(type: T, pred: (e: EventOf<T>) => boolean = () => true, timeoutMs = 5000): Promise<EventOf<T>> {
    return this.waitFor((e) => e.type === type && pred(e as EventOf<T>), timeoutMs, `'${type}' event`) as Promise<EventOf<T>>;
  }

  /** Resolves once `count` events match (counting those already seen). */
  async waitForCount(pred: Predicate, count: number, timeoutMs = 5000, what = 'events'): Promise<WslabEvent[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const got = this.events.filter(pred);
      if (got.length >= count) return got;
      if (Date.now() > deadline) {
        throw new Error(`${this.label}: ${got.length} of ${count} ${what} within ${timeoutMs} ms. Last events seen:\n${this.tail(25)}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  ofType<T extends EventType>(type: T, conn?: string): EventOf<T>[] {
    return this.events.filter((e) => e.type === type && (conn === undefined || ('conn' in e && e.conn === conn))) as EventOf<T>[];
  }

  forConn(conn: string): WslabEvent[] {
    return this.events.filter((e) => 'conn' in e && e.conn === conn);
  }

  tail(n: number): string {
    const last = this.events.slice(-n).map((e) => '  ' + formatEvent(e));
    const invalid = this.invalid.length ? `\n  and ${this.invalid.length} events that failed the schema, the first:\n  ${this.invalid[0]}` : '';
    return (last.length ? last.join('\n') : '  (none)') + invalid;
  }
}

/** An EventLog fed by the server's bus; stop() unsubscribes. */
export type Collector = EventLog & { stop(): void };

/**
 * Records every event the server's bus publishes from now on, each validated against the schema
 * after a JSON round trip (the form observers receive).
 */
export function collect(server: WslabServer | TestServer): Collector {
  const s = 'server' in server ? server.server : server;
  const log = new EventLog('bus') as Collector;
  const unsubscribe = s.bus.subscribeEntries((entry) => log.pushRaw(JSON.parse(entry.json)));
  log.stop = unsubscribe;
  return log;
}

/**
 * The usual integration file: a test server and a collector of its events for the file's tests.
 * Returns the list to push each test's clients to: after each test they are shut and every event
 * so far must have matched the schema. `bind` gets the server and the collector once they are up;
 * the file's own afterAll hooks run before the server closes.
 */
export function useLabServer(bind: (t: TestServer, log: Collector) => void, opts: WslabOptions = {}): WebSocket[] {
  const clients: WebSocket[] = [];
  let t: TestServer | undefined;
  let log: Collector | undefined;
  beforeAll(async () => {
    t = await startTestServer(opts);
    log = collect(t);
    bind(t, log);
  });
  afterAll(async () => {
    log?.stop();
    await t?.close();
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) await shut(c, true);
    expect(log?.invalid).toEqual([]);
  });
  return clients;
}

/** Opens a ws client; resolves once it is OPEN (rejects on error or an unexpected response). */
export function openClient(url: string, opts: ClientOptions = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, opts);
    const fail = (err: Error) => {
      ws.removeAllListeners('open');
      reject(err);
    };
    ws.once('open', () => {
      ws.off('error', fail);
      ws.on('error', () => {}); // later errors show up as events/close codes in the tests
      resolve(ws);
    });
    ws.once('error', fail);
    ws.once('unexpected-response', (_req, res) => {
      fail(new Error(`unexpected response ${res.statusCode} from ${url}`));
    });
  });
}

/** Resolves when the ws client has closed, with its code and reason. */
export function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve({ code: -1, reason: '' });
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

/** Closes (or terminates) a client and waits for CLOSED; safe to call on any state. */
export async function shut(ws: WebSocket | undefined | null, terminate = false): Promise<void> {
  if (!ws || ws.readyState === WebSocket.CLOSED) return;
  const done = closed(ws);
  if (terminate || ws.readyState === WebSocket.CONNECTING) ws.terminate();
  else ws.close();
  const timer = setTimeout(() => ws.terminate(), 2000);
  await done;
  clearTimeout(timer);
}

export interface Observer extends EventLog {
  ws: WebSocket;
  close(): Promise<void>;
}

/**
 * A real /__wslab/events WebSocket client; every message is parsed and validated. The message
 * listener is attached before the handshake completes: a replay can arrive in the same TCP chunk
 * as the 101 response, and ws emits those messages right after 'open'.
 */
export async function observe(baseUrl: string, query = '', opts: ClientOptions = {}): Promise<Observer> {
  const root = baseUrl.replace(/^http/, 'ws').replace(/\/+$/, '');
  const url = `${root}/__wslab/events${query ? (query.startsWith('?') ? query : `?${query}`) : ''}`;
  const log = new EventLog(`observer ${query || '(all)'}`) as Observer;
  const ws = new WebSocket(url, opts);
  ws.on('message', (data) => {
    let json: unknown;
    try {
      json = JSON.parse(data.toString());
    } catch {
      log.invalid.push(`not JSON: ${data.toString().slice(0, 200)}`);
      return;
    }
    log.pushRaw(json);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => {
      ws.off('error', reject);
      ws.on('error', () => {});
      resolve();
    });
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`unexpected response ${res.statusCode} from ${url}`)));
  });
  log.ws = ws;
  log.close = () => shut(ws);
  return log;
}

export interface RawResponse {
  /** the status code of the response's status line (NaN if none arrived) */
  status: number;
  head: string;
  body: string;
  raw: Buffer;
  /** ms from writing the request to having the complete response */
  elapsedMs: number;
  /** the response ended by the server closing the connection */
  ended: boolean;
  socket: Socket;
}

/**
 * Writes `requestText` (raw bytes) to the port and collects the response. Resolves when the head
 * and its Content-Length body have arrived, when a 101 head has arrived (the socket then stays
 * open for frames: destroy it when done), or when the server closes. Rejects after `timeoutMs`.
 */
export function rawUpgrade(port: number, requestText: string | Buffer, timeoutMs = 5000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let started = 0;
    let done = false;
    const finish = (ended: boolean) => {
      if (done) return;
      const raw = Buffer.concat(chunks);
      const end = raw.indexOf('\r\n\r\n');
      if (end < 0 && !ended) return;
      const head = end < 0 ? raw.toString('latin1') : raw.subarray(0, end + 4).toString('latin1');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? NaN);
      const bodyBytes = end < 0 ? Buffer.alloc(0) : raw.subarray(end + 4);
      if (!ended && status !== 101) {
        const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
        if (!length || bodyBytes.length < Number(length[1])) return;
      }
      done = true;
      clearTimeout(timer);
      resolve({ status, head, body: bodyBytes.toString('utf8'), raw, elapsedMs: performance.now() - started, ended, socket });
    };
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      socket.destroy();
      reject(new Error(`no complete response within ${timeoutMs} ms; got ${Buffer.concat(chunks).length} bytes: ${Buffer.concat(chunks).toString('latin1').slice(0, 200)}`));
    }, timeoutMs);
    socket.on('connect', () => {
      started = performance.now();
      socket.write(requestText);
    });
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      finish(false);
    });
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', (err) => {
      if (!done && chunks.length === 0) {
        done = true;
        clearTimeout(timer);
        reject(err);
      }
    });
  });
}

/** A GET /lab/... upgrade request as a browser-less client would write it. */
export function upgradeRequest(port: number, path: string, extraHeaders: string[] = [], key = 'dGhlIHNhbXBsZSBub25jZQ=='): string {
  return [
    `GET ${path} HTTP/1.1`,
    `Host: 127.0.0.1:${port}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${key}`,
    'Sec-WebSocket-Version: 13',
    ...extraHeaders,
    '',
    '',
  ].join('\r\n');
}

/** Heap and RSS now, after a full GC when the process exposes global.gc (node --expose-gc). */
export function memory(): { heapUsed: number; rss: number } {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, rss: m.rss };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns a truthy value; rejects with `what` after timeoutMs. */
export async function until<T>(check: () => T | Promise<T>, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}
