// Head-of-line blocking with real sockets: ws clients → ?link=TAG → the chaos link, throttled to
// BW bytes/s client → server → the tapped /lab/hol, which acknowledges each message with its size
// and the server's receive time. A big message and then a small one on one connection: the small
// one's acknowledgement comes after the big one's, no sooner than the big one's bytes can cross the
// link. The same pair on two connections, each with its own throttled link: the small one is back
// long before the big one.
//
// Tolerances: the link is a token bucket with a 50 ms burst, so BIG bytes take at least
// (BIG - BW/20) / BW seconds (1.95 s here), and at most that plus timer and loopback slack; the upper
// bound allows +25 % and 300 ms for two shared, loaded cores. "Right away" for the urgent message
// on its own connection is asserted as under 400 ms: its 16 bytes cross an idle link in one go.
import { describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { HOL_MAX_PAYLOAD, type HolAck, type HolHello } from '../../server/core/labs/hol.ts';
import { closed, useLabServer, type Collector, type TestServer } from '../helpers/server.ts';

const BW = 200_000;
const BIG = 400_000;
const SMALL = 10;
/** the shortest time BIG bytes can take through the link: everything after the 50 ms burst at BW */
const MIN_BIG_MS = ((BIG - BW / 20) / BW) * 1000;
const MAX_BIG_MS = (BIG / BW) * 1000 * 1.25 + 300;

let t: TestServer;
let log: Collector;
let tagN = 0;
const clients = useLabServer((server, events) => {
  t = server;
  log = events;
});

interface Timed {
  ack: HolAck;
  /** performance.now() when the acknowledgement arrived */
  at: number;
}

/**
 * A /lab/hol client: the listener is attached before the handshake ends, since the hello can come
 * in the same TCP chunk as the 101 response. Resolves once the hello has arrived.
 */
async function holClient(path: string): Promise<{ ws: WebSocket; hello: HolHello; acks: Timed[]; next: () => Promise<Timed> }> {
  const ws = new WebSocket(t.wsUrl(path));
  clients.push(ws);
  ws.on('error', () => {});
  const acks: Timed[] = [];
  const waiting: ((a: Timed) => void)[] = [];
  let gotHello: (h: HolHello) => void;
  const hello = new Promise<HolHello>((resolve) => (gotHello = resolve));
  ws.on('message', (data) => {
    const msg = JSON.parse(data.toString()) as HolAck | HolHello;
    if (msg.type === 'hello') return gotHello(msg);
    const timed = { ack: msg, at: performance.now() };
    acks.push(timed);
    waiting.shift()?.(timed);
  });
  let taken = 0;
  const next = () => (taken < acks.length ? Promise.resolve(acks[taken++]) : new Promise<Timed>((resolve) => waiting.push((a) => (taken++, resolve(a)))));
  return { ws, hello: await hello, acks, next };
}

/** A /lab/hol client through its own link connection, throttled to BW client → server. */
async function throttled(): Promise<Awaited<ReturnType<typeof holClient>> & { tag: string }> {
  const tag = `hol${++tagN}`;
  const c = await holClient(`/lab/hol?link=${tag}`);
  const res = await fetch(`${t.httpUrl}/__wslab/link`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ tag, c2sBytesPerSec: BW }) });
  expect(res.status).toBe(200);
  expect(((await res.json()) as { changed: number }).changed).toBe(1);
  return { ...c, tag };
}

describe('/lab/hol', () => {
  test('hello names the server conn and the cap; an ack per message carries n, exact bytes and binary; no deflate even when offered', async () => {
    const c = await holClient('/lab/hol');
    const open = await log.waitForType('conn.open', (e) => e.conn === c.hello.conn);
    expect(open.conn).toBe(c.hello.conn);
    expect(c.hello.maxPayload).toBe(HOL_MAX_PAYLOAD);
    expect(c.ws.extensions).toBe('');
    c.ws.send('hi');
    c.ws.send(Buffer.alloc(3));
    const [a, b] = [await c.next(), await c.next()];
    expect(a.ack).toMatchObject({ type: 'ack', n: 1, bytes: 2, binary: false });
    expect(b.ack).toMatchObject({ type: 'ack', n: 2, bytes: 3, binary: true });
    expect(b.ack.t).toBeGreaterThanOrEqual(a.ack.t);
  });

  test(`caps: exactly ${HOL_MAX_PAYLOAD} bytes is acknowledged; one byte more closes with 1009`, async () => {
    const c = await holClient('/lab/hol');
    c.ws.send(Buffer.alloc(HOL_MAX_PAYLOAD));
    expect((await c.next()).ack.bytes).toBe(HOL_MAX_PAYLOAD);
    const done = closed(c.ws);
    c.ws.send(Buffer.alloc(HOL_MAX_PAYLOAD + 1));
    expect((await done).code).toBe(1009);
  });
});

describe(`head-of-line blocking through a link throttled to ${BW} B/s`, () => {
  test(`one connection: ${BIG} B then ${SMALL} B; the small one is acknowledged after the big one, no sooner than ${MIN_BIG_MS} ms`, async () => {
    const c = await throttled();
    const t0 = performance.now();
    c.ws.send(Buffer.alloc(BIG));
    c.ws.send(Buffer.alloc(SMALL));
    const big = await c.next();
    const small = await c.next();
    const bigMs = big.at - t0;
    const smallMs = small.at - t0;
    console.log(`[hol] one connection: big ${bigMs.toFixed(0)} ms, urgent ${smallMs.toFixed(0)} ms`);
    expect(big.ack).toMatchObject({ n: 1, bytes: BIG });
    expect(small.ack).toMatchObject({ n: 2, bytes: SMALL });
    expect(small.at).toBeGreaterThanOrEqual(big.at);
    expect(small.ack.t).toBeGreaterThanOrEqual(big.ack.t);
    expect(smallMs).toBeGreaterThanOrEqual(MIN_BIG_MS);
    expect(smallMs).toBeLessThanOrEqual(MAX_BIG_MS);
    // the tap saw both messages arrive in the order they were sent, the small one last
    const msgs = log.ofType('message', c.hello.conn).filter((e) => e.dir === 'c2s');
    expect(msgs.map((e) => e.length)).toEqual([BIG, SMALL]);
    // ... and the small one right behind the big one: it waited the big one's whole crossing, so
    // the gap between them is a small part of that crossing, as measured in this same run.
    expect(msgs[1].t).toBeGreaterThanOrEqual(msgs[0].t);
    expect(msgs[1].t - msgs[0].t).toBeLessThan(bigMs / 10);
  });

  test(`two connections, each throttled to ${BW} B/s: the ${SMALL} B message is acknowledged in under 400 ms, while the ${BIG} B one still takes ≥ ${MIN_BIG_MS} ms`, async () => {
    const bulk = await throttled();
    const urgent = await throttled();
    const t0 = performance.now();
    bulk.ws.send(Buffer.alloc(BIG));
    urgent.ws.send(Buffer.alloc(SMALL));
    const small = await urgent.next();
    const big = await bulk.next();
    const bigMs = big.at - t0;
    const smallMs = small.at - t0;
    console.log(`[hol] two connections: big ${bigMs.toFixed(0)} ms, urgent ${smallMs.toFixed(0)} ms`);
    expect(small.ack).toMatchObject({ n: 1, bytes: SMALL });
    expect(big.ack).toMatchObject({ n: 1, bytes: BIG });
    expect(smallMs).toBeLessThan(400);
    expect(bigMs).toBeGreaterThanOrEqual(MIN_BIG_MS);
    expect(bigMs).toBeLessThanOrEqual(MAX_BIG_MS);
    expect(small.ack.t).toBeLessThan(big.ack.t - 1000);
  });
});
