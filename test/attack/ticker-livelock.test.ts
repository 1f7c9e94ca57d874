// Issue 12 item 2: 20 clients on /lab/ticker?rate=20000&size=16 read, then drop. The ticker used to
// send its whole backlog each tick and stop only on bufferedAmount, which a failed write never
// raises: health went unanswered for minutes and SIGTERM was ignored. Now one clock steps every
// producer within a bound per tick, and a producer stops at once on a destroyed socket.
import { afterEach, expect, test } from 'vitest';
import WebSocket from 'ws';
import { startChildServer, type ChildServer } from '../helpers/child-server.ts';

let server: ChildServer | null = null;
afterEach(async () => {
  await server?.stop('SIGKILL');
  server = null;
});

test('20 clients at rate=20000 size=16 read, then drop: health is answered within a few seconds throughout, the producers stop, SIGTERM exits promptly', async () => {
  server = await startChildServer();
  const s = server;
  const clients = await Promise.all(
    Array.from({ length: 20 }, () => {
      const ws = new WebSocket(`${s.url.replace('http', 'ws')}/lab/ticker?rate=20000&size=16`, { perMessageDeflate: false });
      ws.on('error', () => {});
      return new Promise<{ ws: WebSocket; got: () => number }>((resolve) => {
        let got = 0;
        ws.on('message', () => got++);
        ws.once('open', () => resolve({ ws, got: () => got }));
      });
    }),
  );
  // under the load, health is answered (the bound is wide: two shared cores, many suites at once)
  const during: number[] = [];
  const readUntil = performance.now() + 3000;
  while (performance.now() < readUntil) {
    during.push((await s.health(5000)).ms);
    await new Promise((r) => setTimeout(r, 200));
  }
  expect(clients.every((c) => c.got() > 0)).toBe(true);
  expect(Math.max(...during)).toBeLessThan(3000);

  // drop: the sockets go without a close handshake, while the server still has messages due
  for (const c of clients) c.ws.terminate();
  const after: number[] = [];
  for (let i = 0; i < 10; i++) {
    after.push((await s.health(5000)).ms);
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(Math.max(...after)).toBeLessThan(3000);
  // every producer saw its socket go: the registry empties, and nothing more is buffered for them
  let last: Record<string, unknown> = {};
  for (let i = 0; i < 100; i++) {
    last = (await s.health()).json;
    if (last.connections === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(last.connections).toBe(0);
  expect((last.memory as { byKind: Record<string, number> }).byKind['push send buffers'] ?? 0).toBe(0);

  const exitMs = await s.stop('SIGTERM');
  expect(exitMs).toBeLessThan(5000);
});
