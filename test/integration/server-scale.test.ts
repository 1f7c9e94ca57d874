// 1,000 concurrent lab connections with the tap on and one observer attached: the observer gets
// every conn.open, frame, message and close event of every connection, none lost, no gap.
import { afterAll, expect, test } from 'vitest';
import type WebSocket from 'ws';
import { closed, observe, openClient, shut, startTestServer, until, type Observer, type TestServer } from '../helpers/server.ts';

const N = 1000;
let t: TestServer | undefined;
let o: Observer | undefined;
const clients: WebSocket[] = [];

afterAll(async () => {
  await Promise.all(clients.map((c) => shut(c, true)));
  if (o) await shut(o.ws, true);
  await t?.close();
});

test(`${N} concurrent connections each echo one message: the observer receives every event, exact counts, no gap`, async () => {
  const started = Date.now();
  t = await startTestServer();
  o = await observe(t.httpUrl, 'types=conn.open,frame,message,close,gap');

  // Open all of them (in waves, so the listen backlog never overflows into SYN retries), and keep
  // them all open at once.
  for (let i = 0; i < N; i += 100) {
    const wave = await Promise.all(Array.from({ length: Math.min(100, N - i) }, () => openClient(t!.wsUrl('/lab/echo'))));
    clients.push(...wave);
  }
  expect(clients.length).toBe(N);
  expect(t.server.registry.size).toBe(N);

  // Every connection sends one message and gets its echo, all at the same time.
  await Promise.all(
    clients.map(
      (ws, i) =>
        new Promise<void>((resolve, reject) => {
          ws.once('message', (data) => (data.toString() === `hello ${i}` ? resolve() : reject(new Error(`wrong echo ${data}`))));
          ws.send(`hello ${i}`);
        }),
    ),
  );
  await Promise.all(clients.map((ws) => { const done = closed(ws); ws.close(1000, 'bye'); return done; }));

  // per connection: conn.open, 4 frames (text both ways, close both ways), 2 messages, 1 close
  const expected = { 'conn.open': N, frame: 4 * N, message: 2 * N, close: N };
  const total = Object.values(expected).reduce((a, b) => a + b, 0);
  await o.waitForCount(() => true, total, 30_000, 'events');
  // give a straggler (a duplicate, an unexpected error) a moment to show up, then count exactly
  await new Promise((r) => setTimeout(r, 200));

  expect(o.invalid).toEqual([]);
  expect(o.ofType('gap')).toEqual([]);
  const counts: Record<string, number> = {};
  for (const e of o.events) counts[e.type] = (counts[e.type] ?? 0) + 1;
  expect(counts).toEqual(expected);

  const conns = new Set(o.ofType('conn.open').map((e) => e.conn));
  expect(conns.size).toBe(N);
  for (const type of ['frame', 'message', 'close'] as const) {
    const per = new Map<string, number>();
    for (const e of o.ofType(type)) per.set(e.conn, (per.get(e.conn) ?? 0) + 1);
    expect(per.size).toBe(N);
    expect([...per.keys()].every((c) => conns.has(c))).toBe(true);
  }
  for (const c of o.ofType('close')) expect(c).toMatchObject({ code: 1000, reason: 'bye', initiator: 'client', clean: true });
  const texts = new Set(o.ofType('message').filter((m) => m.dir === 'c2s').map((m) => m.text));
  expect(texts.size).toBe(N);

  for (let i = 1; i < o.events.length; i++) expect(o.events[i].seq).toBeGreaterThan(o.events[i - 1].seq);
  await until(() => t!.server.registry.size === 0, 10_000, 'the registry to empty');
  expect(Date.now() - started).toBeLessThan(90_000); // completes; speed is measured by npm run bench
}, 60_000);
