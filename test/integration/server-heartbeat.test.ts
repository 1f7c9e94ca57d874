// Server heartbeats: a client that stops answering pings is terminated after the allowed misses
// (a ghost connection does not linger), a healthy one keeps getting measured pongs, and the
// heartbeat can be changed at runtime over HTTP.
import { afterEach, describe, expect, test } from 'vitest';
import type WebSocket from 'ws';
import { collect, openClient, shut, type EventLog, type TestServer, useLabServer } from '../helpers/server.ts';

let t: TestServer;
let log: (EventLog & { stop(): void }) | undefined;
const clients: WebSocket[] = [];

useLabServer((server) => (t = server));
afterEach(async () => {
  for (const c of clients.splice(0)) {
    (c as unknown as { _socket?: { resume(): void } })._socket?.resume();
    await shut(c, true);
  }
  log?.stop();
  expect(log?.invalid ?? []).toEqual([]);
  log = undefined;
});

async function open(path: string): Promise<{ client: WebSocket; conn: string; log: EventLog }> {
  const l = (log ??= collect(t));
  const client = await openClient(t.wsUrl(path));
  clients.push(client);
  const local = (client as unknown as { _socket: { localPort: number } })._socket.localPort;
  const o = await l.waitForType('conn.open', (e) => e.remote.port === local);
  await l.waitForType('state', (e) => e.conn === o.conn && e.to === 1);
  return { client, conn: o.conn, log: l };
}

const pause = (c: WebSocket) => (c as unknown as { _socket: { pause(): void } })._socket.pause();

async function connections(): Promise<{ count: number; connections: { conn: string; readyState: number; heartbeat: unknown }[] }> {
  const res = await fetch(`${t.httpUrl}/__wslab/connections`);
  expect(res.status).toBe(200);
  return (await res.json()) as never;
}

async function postHeartbeat(body: unknown, raw?: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${t.httpUrl}/__wslab/heartbeat`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: raw ?? JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('heartbeat', () => {
  test('a client that stops answering is terminated after 2 missed pings: ping, miss 1, miss 2, terminate, closed without a close frame', async () => {
    const { client, conn, log: l } = await open('/lab/echo?heartbeat=100&misses=2');
    // With the socket paused the client reads nothing, so it never sees the pings nor answers them.
    pause(client);
    const close = await l.waitForType('close', (e) => e.conn === conn, 10_000);
    expect(close).toMatchObject({ code: null, reason: '', initiator: 'none', clean: false });

    const hb = l.ofType('heartbeat', conn).map((e) => [e.action, e.missed]);
    expect(hb).toEqual([
      ['config', 0], // the setting, published as the connection opens
      ['ping', 0],
      ['miss', 1],
      ['ping', 1],
      ['miss', 2],
      ['terminate', 2],
    ]);
    for (const e of l.ofType('heartbeat', conn)) expect(e).toMatchObject({ intervalMs: 100, maxMisses: 2, rtt: null });
    // the pings did cross the wire (into the paused client's buffers); no pong came back
    expect(l.ofType('ping', conn).map((p) => [p.dir, Buffer.from(p.payloadHex, 'hex').toString()])).toEqual([
      ['s2c', 'hb:1'],
      ['s2c', 'hb:2'],
    ]);
    expect(l.ofType('pong', conn)).toEqual([]);

    const states = l.ofType('state', conn);
    expect(states.at(-1)).toMatchObject({ to: 3 });
    const terminate = l.ofType('heartbeat', conn).find((e) => e.action === 'terminate')!;
    expect(states.at(-1)!.seq).toBeGreaterThan(terminate.seq);
    expect(states.some((s) => /terminate|heartbeat/.test(s.cause))).toBe(true);
    expect(close.seq).toBeGreaterThan(states.at(-1)!.seq);

    const list = await connections();
    expect(list.connections.map((c) => c.conn)).not.toContain(conn);
  });

  test('a healthy client answers every ping and gets pongs with a measured rtt', async () => {
    const { conn, log: l } = await open('/lab/echo?heartbeat=100&misses=1');
    const pongs = await l.waitForCount((e) => e.type === 'heartbeat' && e.conn === conn && e.action === 'pong', 3, 10_000, 'heartbeat pongs');
    for (const p of pongs) {
      expect(p.type === 'heartbeat' && typeof p.rtt === 'number' && p.rtt >= 0).toBe(true);
      expect(p).toMatchObject({ missed: 0, maxMisses: 1, intervalMs: 100 });
    }
    const wirePongs = l.ofType('pong', conn);
    expect(wirePongs.length).toBeGreaterThanOrEqual(3);
    for (const p of wirePongs) {
      expect(p.dir).toBe('c2s');
      expect(p.rtt).not.toBeNull();
      expect(p.rtt!).toBeGreaterThanOrEqual(0);
    }
    expect(l.ofType('heartbeat', conn).filter((e) => e.action === 'miss' || e.action === 'terminate')).toEqual([]);
    const list = await connections();
    const mine = list.connections.find((c) => c.conn === conn)!;
    expect(mine.readyState).toBe(1);
    expect(mine.heartbeat).toMatchObject({ intervalMs: 100, maxMisses: 1, missed: 0 });
    expect((mine.heartbeat as { lastRtt: number }).lastRtt).toBeGreaterThanOrEqual(0);
  });

  test('POST /__wslab/heartbeat {conn, intervalMs: 100, maxMisses: 1} changes one live connection and takes effect', async () => {
    const { client, conn, log: l } = await open('/lab/echo'); // default: every 30 s
    const other = await open('/lab/echo');
    const { status, json } = await postHeartbeat({ conn, intervalMs: 100, maxMisses: 1 });
    expect(status).toBe(200);
    expect(json).toMatchObject({ conn, intervalMs: 100, maxMisses: 1, missed: 0 });
    // the connection announced the default (30000, 2) as it opened; then the change
    const config = await l.waitForType('heartbeat', (e) => e.conn === conn && e.action === 'config' && e.intervalMs !== 30_000);
    expect(config).toMatchObject({ intervalMs: 100, maxMisses: 1 });

    // now it pings every 100 ms; a client that stops answering goes after one miss
    await l.waitForType('heartbeat', (e) => e.conn === conn && e.action === 'pong', 5000);
    pause(client);
    const close = await l.waitForType('close', (e) => e.conn === conn, 10_000);
    expect(close.initiator).toBe('none');
    const last = l.ofType('heartbeat', conn).filter((e) => e.action === 'miss' || e.action === 'terminate');
    expect(last.map((e) => [e.action, e.missed])).toEqual([
      ['miss', 1],
      ['terminate', 1],
    ]);
    // the other connection kept its default: nothing after the setting it announced as it opened
    expect(l.ofType('heartbeat', other.conn).map((e) => [e.action, e.intervalMs, e.maxMisses])).toEqual([['config', 30_000, 2]]);
    const list = await connections();
    expect(list.connections.find((c) => c.conn === other.conn)?.heartbeat).toMatchObject({ intervalMs: 30_000 });
  });

  test('a connection opened with heartbeats off (?heartbeat=0) reports them off, and gets one when configured later', async () => {
    const { client, conn, log: l } = await open('/lab/echo?heartbeat=0');
    const before = (await connections()).connections.find((c) => c.conn === conn)!;
    expect(before.heartbeat).toEqual({ intervalMs: 0, maxMisses: 2, missed: 0, lastRtt: null });
    const { status, json } = await postHeartbeat({ conn, intervalMs: 100, maxMisses: 1 });
    expect(status).toBe(200);
    expect(json).toEqual({ conn, intervalMs: 100, maxMisses: 1, missed: 0, lastRtt: null });
    await l.waitForType('heartbeat', (e) => e.conn === conn && e.action === 'pong', 5000);
    pause(client);
    const close = await l.waitForType('close', (e) => e.conn === conn, 10_000);
    expect(close.initiator).toBe('none');
    expect(l.ofType('heartbeat', conn).map((e) => e.action).slice(-2)).toEqual(['miss', 'terminate']);
  });

  test('POST /__wslab/heartbeat rejects bad bodies with 400 and a message, unknown connections with 404', async () => {
    const { conn } = await open('/lab/echo');
    const bad: [unknown, RegExp][] = [
      [{ intervalMs: 10 }, /intervalMs/],
      [{ intervalMs: 'fast' }, /intervalMs/],
      [{ intervalMs: 1.5 }, /intervalMs/],
      [{ intervalMs: -1 }, /intervalMs/],
      [{ maxMisses: 0 }, /maxMisses/],
      [{ maxMisses: 101 }, /maxMisses/],
      [{ conn: 42, intervalMs: 100 }, /conn/],
    ];
    for (const [body, message] of bad) {
      const res = await postHeartbeat(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(String(res.json.error)).toMatch(message);
    }
    const notJson = await postHeartbeat(null, '{"intervalMs":');
    expect(notJson.status).toBe(400);
    expect(String(notJson.json.error)).toMatch(/JSON/);

    const unknown = await postHeartbeat({ conn: 'c999999', intervalMs: 100 });
    expect(unknown.status).toBe(404);
    expect(String(unknown.json.error)).toMatch(/c999999/);

    // nothing was changed by the refused requests
    const list = await connections();
    expect(list.connections.find((c) => c.conn === conn)?.heartbeat).toMatchObject({ intervalMs: 30_000, maxMisses: 2 });
    const current = await fetch(`${t.httpUrl}/__wslab/heartbeat`);
    expect(await current.json()).toEqual({ intervalMs: 30_000, maxMisses: 2 });
  });

  test('POST /__wslab/heartbeat without conn changes the default and every live connection', async () => {
    const a = await open('/lab/echo');
    try {
      const { status, json } = await postHeartbeat({ intervalMs: 100 });
      expect(status).toBe(200);
      expect(json).toEqual({ intervalMs: 100, maxMisses: 2 });
      await a.log.waitForType('heartbeat', (e) => e.conn === a.conn && e.action === 'pong', 5000);
      // a connection opened afterwards starts with the new default
      const b = await open('/lab/echo');
      await b.log.waitForType('heartbeat', (e) => e.conn === b.conn && e.action === 'ping', 5000);
    } finally {
      const reset = await postHeartbeat({ intervalMs: 30_000 });
      expect(reset.status).toBe(200);
    }
  });
});

describe('the heartbeat rule at the door', () => {
  test('a lab URL with a heartbeat outside the rule is refused with 400 and the rule, not quietly changed', async () => {
    const { request } = await import('node:http');
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${t.httpUrl}/lab/echo?heartbeat=10`, {
        headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' },
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('upgrade', () => reject(new Error('upgraded')));
      req.on('error', reject);
      req.end();
    });
    expect(answer).toEqual({ status: 400, body: '?heartbeat=10: heartbeat must be 0 (off) or an integer from 50 to 3600000\n' });
  });
});
