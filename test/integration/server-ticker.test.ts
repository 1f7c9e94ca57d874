// /lab/ticker pushes without being asked; a client that never reads must not grow the server.
import { afterAll, beforeAll, expect, test } from 'vitest';
import WebSocket from 'ws';
import { startWslab, type WslabServer } from '../../server/app.ts';
import { SEND_BUFFER_CAP } from '../../server/labs/ticker.ts';

let server: WslabServer;
beforeAll(async () => {
  server = await startWslab({ port: 0, host: '127.0.0.1', heartbeat: { intervalMs: 0 } });
});
afterAll(async () => {
  await server.close();
});

test('a ticker pushes the asked rate and size to a client that reads', async () => {
  const ws = new WebSocket(`${server.url.replace('http', 'ws')}/lab/ticker?rate=200&size=100`);
  const got: string[] = [];
  ws.on('message', (d) => got.push(d.toString()));
  await new Promise((r) => setTimeout(r, 600));
  ws.close();
  expect(got.length).toBeGreaterThan(20);
  expect(got.every((m) => m.length === 100)).toBe(true);
  expect(JSON.parse(got[0])).toMatchObject({ type: 'tick', seq: 1 });
});

test('a client that never reads keeps the server send buffer near the cap, not growing without bound', async () => {
  const ws = new WebSocket(`${server.url.replace('http', 'ws')}/lab/ticker?rate=20000&size=60000&heartbeat=0`);
  await new Promise((r) => ws.once('open', r));
  (ws as unknown as { _socket: { pause(): void } })._socket.pause();
  const port = (ws as unknown as { _socket: { localPort: number } })._socket.localPort;
  const conn = [...server.registry.all()].find((r) => r.meta.remotePort === port)!;
  let peak = 0;
  for (let i = 0; i < 30; i++) {
    await new Promise((r) => setTimeout(r, 100));
    peak = Math.max(peak, conn.ws!.bufferedAmount);
  }
  // the cap is checked before each send, so it is passed by at most one message (and its header);
  // without it the demand is 1.2 GB a second
  expect(peak).toBeGreaterThan(SEND_BUFFER_CAP);
  expect(peak).toBeLessThanOrEqual(SEND_BUFFER_CAP + 60_000 + 14);
  ws.terminate();
});
