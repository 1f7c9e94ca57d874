// The chaos link, measured with real sockets: ws clients → ?link=TAG → the link's own TCP
// connection → the tapped lab. Latency, bandwidth, blackhole, reset and pause, each changed over
// the HTTP API while traffic flows, each change reported as a `link` event.
//
// Tolerances: latency is added per direction by timers, so an echo round trip through a link with
// latency L takes 2L plus loopback and timer slack: never under 2L, and the median of several
// within [2L, 2L + 30 ms] (a median, because other suites share the two cores). Bandwidth is a
// token bucket with a 50 ms burst: asserted within ±10 % of bytes / rate.
import { describe, expect, test } from 'vitest';
import type WebSocket from 'ws';
import { openClient, sleep, until, useLabServer, type Collector, type TestServer } from '../helpers/server.ts';

let t: TestServer;
let log: Collector;
let tagN = 0;
const clients = useLabServer((server, events) => {
  t = server;
  log = events;
});

async function post(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${t.httpUrl}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** A ws client through the link; resolves with it, its tag and the server-side conn. */
async function linked(path: string): Promise<{ client: WebSocket; tag: string; conn: string }> {
  const tag = `t${++tagN}`;
  const sep = path.includes('?') ? '&' : '?';
  const client = await openClient(t.wsUrl(`${path}${sep}link=${tag}`));
  clients.push(client);
  const open = await log.waitForType('link', (e) => e.action === 'open' && e.tag === tag);
  const conn = (await until(async () => {
    const res = await fetch(`${t.httpUrl}/__wslab/link`);
    const body = (await res.json()) as { connections: { link: string; conn: string | null }[] };
    return body.connections.find((c) => c.link === open.link)?.conn ?? null;
  }, 2000, 'the link to learn its server conn')) as string;
  return { client, tag, conn };
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function echo(client: WebSocket, data: string | Buffer): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    client.once('message', () => resolve(performance.now() - t0));
    client.send(data);
  });
}

describe('chaos link: forwarding', () => {
  test('a lab reached with ?link=TAG works as usual, and the tap sees the request without the link parameter', async () => {
    const { client, tag, conn } = await linked('/lab/echo?x=1');
    expect(await echo(client, 'hello')).toBeGreaterThan(0);
    const hs = await log.waitForType('handshake', (e) => e.conn === conn);
    expect(hs.request.target).toBe('/lab/echo?x=1');
    const open = log.ofType('link').find((e) => e.action === 'open' && e.tag === tag)!;
    expect(open).toMatchObject({ path: '/lab/echo?x=1', tag, conditions: { latencyMs: 0, blackhole: false } });
    // the server's peer is the link's own upstream socket, on loopback
    const co = log.ofType('conn.open', conn)[0];
    expect(co.remote.address).toBe('127.0.0.1');
  });
});

describe('chaos link: latency', () => {
  test('latency 100 ms each way: no echo round trip is under 200 ms, and the median of 7 stays near 200 ms (tolerance +150 ms for loaded machines)', async () => {
    const { client, tag } = await linked('/lab/echo');
    const r = await post('/__wslab/link', { tag, latencyMs: 100 });
    expect(r.status).toBe(200);
    expect(r.json.changed).toBe(1);
    const rtts: number[] = [];
    for (let i = 0; i < 7; i++) rtts.push(await echo(client, `m${i}`));
    for (const rtt of rtts) expect(rtt).toBeGreaterThanOrEqual(199.5);
    expect(median(rtts)).toBeLessThanOrEqual(350);
  });

  test('jitter 0..60 ms on top of 40 ms: every round trip ≥ 80 ms, the median ≤ 350 ms, and a burst of 30 is never reordered', async () => {
    const { client, tag } = await linked('/lab/echo');
    await post('/__wslab/link', { tag, latencyMs: 40, jitterMs: 60 });
    const got: string[] = [];
    const done = new Promise<void>((resolve) => {
      client.on('message', (d) => {
        got.push(d.toString());
        if (got.length === 30) resolve();
      });
    });
    for (let i = 0; i < 30; i++) {
      client.send(`n${i}`);
      await sleep(2);
    }
    await done;
    expect(got).toEqual(Array.from({ length: 30 }, (_, i) => `n${i}`));
    client.removeAllListeners('message');
    const rtts: number[] = [];
    for (let i = 0; i < 9; i++) rtts.push(await echo(client, `single${i}`));
    for (const rtt of rtts) expect(rtt).toBeGreaterThanOrEqual(79.5);
    expect(median(rtts)).toBeLessThanOrEqual(350);
  });

  test('latency held chunks are reported as hold events naming their frames', async () => {
    const { client, tag, conn } = await linked('/lab/echo');
    await post('/__wslab/link', { tag, latencyMs: 20 });
    await echo(client, 'abc');
    const hold = await log.waitForType('link', (e) => e.action === 'hold' && e.conn === conn && e.dir === 'c2s');
    // a masked client TEXT frame of 3 bytes: 2 header + 4 mask + 3 payload
    expect(hold.frames).toEqual([{ opcode: 1, opcodeName: 'TEXT', length: 9 }]);
    expect(hold.bytes).toBe(9);
  });
});

describe('chaos link: bandwidth', () => {
  test('200 KB echoed through a 100,000 B/s server→client limit takes at least 1.8 s (never faster than the limit) and at most 4 s (a loaded machine adds delay)', async () => {
    const { client, tag } = await linked('/lab/echo');
    await post('/__wslab/link', { tag, s2cBytesPerSec: 100_000 });
    const msg = Buffer.alloc(40_000, 7);
    let received = 0;
    const t0 = performance.now();
    const done = new Promise<number>((resolve) => {
      client.on('message', (d: Buffer) => {
        received += d.length;
        if (received === 200_000) resolve(performance.now() - t0);
      });
    });
    for (let i = 0; i < 5; i++) client.send(msg);
    const ms = await done;
    // 5 frames of 40,000 B + 4 header bytes each = 200,020 B on the wire
    expect(ms).toBeGreaterThanOrEqual(1800);
    expect(ms).toBeLessThanOrEqual(4000);
  });

  test('200 KB sent through a 100,000 B/s client→server limit reaches the server in at least 1.8 s and at most 4 s', async () => {
    const { client, tag, conn } = await linked('/lab/echo');
    await post('/__wslab/link', { tag, c2sBytesPerSec: 100_000 });
    const msg = Buffer.alloc(40_000, 9);
    const t0 = t.server.bus.now();
    for (let i = 0; i < 5; i++) client.send(msg);
    const msgs = await log.waitForCount((e) => e.type === 'message' && e.conn === conn && e.dir === 'c2s', 5, 5000, 'client messages at the server');
    const ms = msgs[4].t - t0;
    expect(ms).toBeGreaterThanOrEqual(1800);
    expect(ms).toBeLessThanOrEqual(4000);
  });
});

describe('chaos link: blackhole', () => {
  test('a blackhole drops every byte both ways with no FIN and no RST: both ends stay OPEN', async () => {
    const { client, tag, conn } = await linked('/lab/echo?heartbeat=100&misses=100');
    const r = await post('/__wslab/link', { tag, blackhole: true });
    expect(r.status).toBe(200);
    let clientGotPing = 0;
    client.on('ping', () => clientGotPing++);
    let clientGotMessage = 0;
    client.on('message', () => clientGotMessage++);
    const before = log.ofType('message', conn).filter((e) => e.dir === 'c2s').length;
    client.send('into the tunnel');
    // the server keeps pinging; each ping crosses the server's tap and is dropped at the link
    const drops = await log.waitForCount(
      (e) => e.type === 'link' && e.conn === conn && e.action === 'drop' && e.dir === 's2c' && !!e.frames?.some((f) => f.opcodeName === 'PING'),
      2,
      3000,
      'dropped pings',
    );
    expect(drops.length).toBeGreaterThanOrEqual(2);
    const pingsOnWire = log.ofType('frame', conn).filter((f) => f.dir === 's2c' && f.opcode === 9);
    expect(pingsOnWire.length).toBeGreaterThanOrEqual(2);
    const c2sDrop = await log.waitForType('link', (e) => e.conn === conn && e.action === 'drop' && e.dir === 'c2s');
    expect(c2sDrop.frames).toEqual([{ opcode: 1, opcodeName: 'TEXT', length: 2 + 4 + 15 }]);
    await sleep(200);
    expect(clientGotPing).toBe(0);
    expect(clientGotMessage).toBe(0);
    expect(log.ofType('message', conn).filter((e) => e.dir === 'c2s').length).toBe(before);
    expect(client.readyState).toBe(1);
    expect(t.server.registry.get(conn)?.ws?.readyState).toBe(1);
    expect(log.ofType('close', conn)).toEqual([]);
    const res = await fetch(`${t.httpUrl}/__wslab/link`);
    const mine = ((await res.json()) as { connections: { tag: string; counters: { c2s: { dropped: number }; s2c: { dropped: number } } }[] }).connections.find((c) => c.tag === tag)!;
    expect(mine.counters.c2s.dropped).toBe(21);
    expect(mine.counters.s2c.dropped).toBeGreaterThanOrEqual(12); // pings of 2 + 4 ("hb:N") bytes and more
  });
});

describe('chaos link: reset', () => {
  test('POST /__wslab/link/reset sends RST both ways: the client sees 1006, the server an unclean close with no close frame', async () => {
    const { client, tag, conn } = await linked('/lab/echo');
    const closedP = new Promise<number>((resolve) => client.once('close', (code) => resolve(code)));
    const socket = (client as unknown as { _socket: import('node:net').Socket })._socket;
    const errP = new Promise<string>((resolve) => socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? '')));
    const r = await post('/__wslab/link/reset', { tag });
    expect(r.json).toMatchObject({ reset: 1 });
    expect(await closedP).toBe(1006);
    expect(await errP).toBe('ECONNRESET');
    const close = await log.waitForType('close', (e) => e.conn === conn);
    expect(close).toMatchObject({ code: null, initiator: 'none', clean: false });
    const ev = await log.waitForType('link', (e) => e.action === 'reset' && e.conn === conn);
    expect(ev.reason).toBe('reset requested');
  });
});

describe('chaos link: pause', () => {
  test('pauseServer makes the server’s ws buffer grow while the link reads nothing more; lifting it drains back to 0', async () => {
    const { tag, conn } = await linked('/lab/ticker?rate=2000&size=1024');
    await post('/__wslab/link', { tag, pauseServer: true });
    const grown = await log.waitForType('buffer', (e) => e.conn === conn && e.bufferedAmount > 256 * 1024, 15_000);
    expect(grown.writableLength).toBeGreaterThan(0);
    const before = ((await (await fetch(`${t.httpUrl}/__wslab/link`)).json()) as { connections: { tag: string; counters: { s2c: { read: number } } }[] }).connections.find((c) => c.tag === tag)!;
    await sleep(300);
    const after = ((await (await fetch(`${t.httpUrl}/__wslab/link`)).json()) as { connections: { tag: string; counters: { s2c: { read: number } } }[] }).connections.find((c) => c.tag === tag)!;
    expect(after.counters.s2c.read).toBe(before.counters.s2c.read);
    await post('/__wslab/link', { tag, pauseServer: false });
    const seq = log.events.at(-1)!.seq;
    await log.waitForType('buffer', (e) => e.conn === conn && e.seq > seq && e.bufferedAmount < 4096, 15_000);
  });
});

describe('chaos link: HTTP API', () => {
  test('every change is a link config event carrying the full conditions', async () => {
    const { tag, conn } = await linked('/lab/echo');
    const seq = log.events.at(-1)!.seq;
    await post('/__wslab/link', { tag, latencyMs: 5, s2cBytesPerSec: 50_000 });
    const ev = await log.waitForType('link', (e) => e.seq > seq && e.action === 'config' && e.conn === conn);
    expect(ev.conditions).toEqual({ latencyMs: 5, jitterMs: 0, c2sBytesPerSec: 0, s2cBytesPerSec: 50_000, blackhole: false, pauseClient: false, pauseServer: false });
  });

  test('without a selector the defaults change (a "*" config event) and apply to new link connections', async () => {
    const r = await post('/__wslab/link', { latencyMs: 7 });
    expect(r.status).toBe(200);
    expect(r.json.defaults).toMatchObject({ latencyMs: 7 });
    await log.waitForType('link', (e) => e.link === '*' && e.action === 'config' && e.conditions?.latencyMs === 7);
    const { tag } = await linked('/lab/echo');
    expect(log.ofType('link').find((e) => e.action === 'open' && e.tag === tag)!.conditions!.latencyMs).toBe(7);
    await post('/__wslab/link', { latencyMs: 0 });
  });

  test('bad input is refused with 400 and the reason; an unknown selector or path with 404; a known path with another method 405 and Allow', async () => {
    expect(await post('/__wslab/link', { latencyMs: -1 })).toEqual({ status: 400, json: { error: 'latencyMs must be an integer from 0 to 60000' } });
    expect(await post('/__wslab/link', { s2cBytesPerSec: 10 })).toEqual({ status: 400, json: { error: 's2cBytesPerSec must be 0 (unlimited) or at least 100 bytes/s' } });
    expect(await post('/__wslab/link', { blackhole: 'yes' })).toEqual({ status: 400, json: { error: 'blackhole must be true or false' } });
    expect(await post('/__wslab/link', { tag: 'nobody', latencyMs: 1 })).toEqual({ status: 404, json: { error: 'no live link connection matches {"tag":"nobody"}' } });
    const res = await fetch(`${t.httpUrl}/__wslab/link/nothing`, { method: 'POST' });
    expect(res.status).toBe(404);
    const wrongMethod = await fetch(`${t.httpUrl}/__wslab/link/reset`, { method: 'GET' });
    expect([wrongMethod.status, wrongMethod.headers.get('allow'), await wrongMethod.json()]).toEqual([405, 'POST', { error: '/__wslab/link/reset answers POST, not GET' }]);
  });
});
