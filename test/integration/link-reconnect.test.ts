// The reconnecting client (web/src/reconnect) on real sockets: ws in Node, through the chaos link.
// A link reset drops it; it waits a full-jitter delay inside its backoff bounds, reconnects, and
// sends its subscriptions again on the new connection. Two attempts in between fail against a
// closed port, so three growing ceilings are exercised.
import { createServer } from 'node:net';
import { beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { until, useLabServer, type Collector, type TestServer } from '../helpers/server.ts';
import { ReconnectingClient, type SocketLike } from '../../web/src/reconnect/client.ts';

let t: TestServer;
let log: Collector;
let deadPort = 0;

useLabServer((server, events) => {
  t = server;
  log = events;
});
beforeAll(async () => {
  // a port that refuses connections: bind it, then close it
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  deadPort = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
});

describe('reconnecting client over real sockets', () => {
  test('after a link reset it reconnects with delays inside [0, min(cap, base·2^n)) and resubscribes', async () => {
    const policy = { baseMs: 80, capMs: 300, stableMs: 10_000 };
    let calls = 0;
    const client = new ReconnectingClient({
      policy,
      connect: () => {
        calls++;
        // attempts 2 and 3 go to a closed port and fail; the others go through the link
        const url = calls === 2 || calls === 3 ? `ws://127.0.0.1:${deadPort}/lab/echo` : t.wsUrl('/lab/echo?link=rc');
        const ws = new WebSocket(url);
        ws.on('error', () => {});
        return ws as unknown as SocketLike;
      },
    });
    client.start();
    client.addSubscription('sub:prices');
    await until(() => client.state === 'open', 10_000, 'the first open');
    const first = await log.waitForType('message', (e) => e.dir === 'c2s' && e.text === 'sub:prices');

    const reset = await fetch(`${t.httpUrl}/__wslab/link/reset`, { method: 'POST', body: JSON.stringify({ tag: 'rc' }) });
    expect(reset.status).toBe(200);
    await until(() => client.attempts.length === 4 && client.state === 'open', 15_000, 'the reconnect');

    const a = client.attempts;
    expect(a.map((x) => x.outcome)).toEqual(['dropped', 'failed', 'failed', 'open']);
    expect(a.map((x) => x.retry)).toEqual([0, 1, 2, 3]);
    expect(a.slice(1).map((x) => x.ceilingMs)).toEqual([80, 160, 300]);
    expect(a[0].closeCode).toBe(1006);
    for (let i = 1; i < a.length; i++) {
      const r = a[i];
      expect(r.delayMs).toBeGreaterThanOrEqual(0);
      expect(r.delayMs).toBeLessThan(r.ceilingMs);
      // the attempt really started that long after the previous one closed (timers never fire early)
      const waited = r.startedAt - a[i - 1].closedAt!;
      expect(waited).toBeGreaterThanOrEqual(r.delayMs - 1);
      // and not much later (a loaded machine runs timers late: hundreds of ms were seen here)
      expect(waited).toBeLessThanOrEqual(r.delayMs + 1000);
    }
    // the new connection got the subscription again
    const again = await log.waitForType('message', (e) => e.dir === 'c2s' && e.text === 'sub:prices' && e.conn !== first.conn);
    expect(again.conn).not.toBe(first.conn);
    client.stop();
    expect(client.state).toBe('stopped');
  });
});
