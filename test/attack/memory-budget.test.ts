// Issue 12 item 5: clients that never read, on every push lab at its caps, used to cost the server
// whatever they asked for (ticker size=65536: 1.3 MB each; backpressure capBytes=64 MiB: 70 MB each).
// Now every send buffer leases from one budget: the server's RSS (read from /proc for the child
// process) stays within the budget, the health endpoint says how much is in use, and a connection
// that would need more is refused with close 1013 and a sentence.
import { afterEach, expect, test } from 'vitest';
import WebSocket from 'ws';
import { nonReadingClient, startChildServer, type ChildServer } from '../helpers/child-server.ts';
import type { Socket } from 'node:net';

const MiB = 1024 * 1024;
let server: ChildServer | null = null;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await server?.stop('SIGKILL');
  server = null;
});

interface Memory {
  budgetBytes: number;
  usedBytes: number;
  peakBytes: number;
  byKind: Record<string, number>;
  rss: number;
}

test('24 ticker and 12 backpressure clients that never read, at the caps (121 MiB asked), stay within a 32 MiB budget; one more is refused with 1013', async () => {
  const BUDGET = 32 * MiB;
  server = await startChildServer(['--memory-budget', '32', '--history', '20000']);
  const s = server;
  await new Promise((r) => setTimeout(r, 1000));
  const baseline = s.rss();
  const paths = [
    ...Array.from({ length: 24 }, () => '/lab/ticker?rate=20000&size=65536'),
    ...Array.from({ length: 12 }, () => '/lab/backpressure?strategy=none&rate=20000&size=65536&capBytes=8388608&highWater=4194304&lowWater=1048576'),
  ];
  for (const path of paths) {
    const c = await nonReadingClient(s.port, path);
    sockets.push(c.socket);
    expect(c.status).toBe(101);
  }
  // let every producer run into its cap, the budget or the kernel's buffers
  let mem: Memory | null = null;
  let peakRss = 0;
  for (let i = 0; i < 30; i++) {
    await new Promise((r) => setTimeout(r, 200));
    peakRss = Math.max(peakRss, s.rss());
    mem = (await s.health()).json.memory as Memory;
  }
  expect(mem!.budgetBytes).toBe(BUDGET);
  expect(mem!.peakBytes).toBeLessThanOrEqual(BUDGET);
  // the budget is what the clients filled (a message's worth may be left over)
  expect(mem!.usedBytes).toBeGreaterThan(BUDGET - 65546 * 2);
  // RSS: the budget, plus room for the runtime's own garbage; far below the 121 MiB asked for
  console.log(`RSS ${((peakRss - baseline) / MiB).toFixed(1)} MiB over a baseline of ${(baseline / MiB).toFixed(1)} MiB; budget peak ${(mem!.peakBytes / MiB).toFixed(1)} MiB`);
  expect(peakRss - baseline, `RSS grew ${((peakRss - baseline) / MiB).toFixed(1)} MiB`).toBeLessThan(BUDGET + 40 * MiB);

  // one more push client while the budget is spent: refused with a code and a sentence
  const late = new WebSocket(`${s.url.replace('http', 'ws')}/lab/ticker?rate=100&size=65536`, { perMessageDeflate: false });
  late.on('error', () => {});
  const [code, reason] = await new Promise<[number, string]>((resolve) => late.once('close', (c, r) => resolve([c, r.toString()])));
  expect(code).toBe(1013);
  expect(reason).toBe('Server memory budget spent; try again later.');
  // health stays quick
  expect((await s.health()).ms).toBeLessThan(3000);

  // the clients go: the budget comes back
  for (const sock of sockets.splice(0)) sock.destroy();
  let after: Memory | null = null;
  for (let i = 0; i < 100; i++) {
    after = (await s.health()).json.memory as Memory;
    if (after.usedBytes === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(after!.usedBytes).toBe(0);
});

test('capBytes above 8 MiB on /lab/backpressure is refused with 400 and the reason', async () => {
  server = await startChildServer();
  const c = await nonReadingClient(server.port, '/lab/backpressure?strategy=none&capBytes=67108864');
  sockets.push(c.socket);
  expect(c.status).toBe(400);
  let body = c.head;
  if (!body.includes('\r\n\r\n/')) {
    body += await new Promise<string>((resolve) => {
      let text = '';
      c.socket.resume();
      c.socket.on('data', (d) => (text += d));
      c.socket.once('close', () => resolve(text));
    });
  }
  expect(body).toContain('/lab/backpressure: capBytes must be an integer from 4096 to 8388608.');
});
