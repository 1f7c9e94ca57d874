// /lab/ticker pushes without being asked; a client that never reads must not grow the server.
import { expect, test } from 'vitest';
import WebSocket from 'ws';
import type { WslabServer } from '../../server/app.ts';
import { SEND_BUFFER_CAP } from '../../server/labs/ticker.ts';
import { sleep, useLabServer } from '../helpers/server.ts';

let server: WslabServer;
const clients = useLabServer((t) => (server = t.server), { heartbeat: { intervalMs: 0 } });

test('a ticker pushes the asked rate and size to a client that reads', async () => {
  const ws = new WebSocket(`${server.url.replace('http', 'ws')}/lab/ticker?rate=200&size=100`);
  clients.push(ws);
  const got: string[] = [];
  // 21 ticks: a tenth of a second's worth at the asked rate, waited for rather than timed
  await new Promise<void>((resolve) =>
    ws.on('message', (d) => {
      if (got.push(d.toString()) === 21) resolve();
    }),
  );
  ws.close();
  expect(got.length).toBeGreaterThan(20);
  expect(got.every((m) => m.length === 100)).toBe(true);
  expect(JSON.parse(got[0])).toMatchObject({ type: 'tick', seq: 1 });
});

test('a client that never reads keeps the server send buffer near the cap, not growing without bound', async () => {
  const ws = new WebSocket(`${server.url.replace('http', 'ws')}/lab/ticker?rate=20000&size=60000&heartbeat=0`);
  clients.push(ws);
  await new Promise((r) => ws.once('open', r));
  (ws as unknown as { _socket: { pause(): void } })._socket.pause();
  const port = (ws as unknown as { _socket: { localPort: number } })._socket.localPort;
  const conn = [...server.registry.all()].find((r) => r.meta.remotePort === port)!;
  // sample until the kernel's buffers are full and the server's has reached the cap (however long
  // a loaded machine takes), then 2 s more
  let peak = 0;
  let afterCap = 0;
  for (let i = 0; i < 600 && afterCap < 40; i++) {
    await sleep(50);
    peak = Math.max(peak, conn.ws!.bufferedAmount);
    if (peak > SEND_BUFFER_CAP) afterCap++;
  }
  // the cap is checked before each send, so it is passed by at most one message (and its header);
  // without it the demand is 1.2 GB a second
  expect(peak).toBeGreaterThan(SEND_BUFFER_CAP);
  expect(peak).toBeLessThanOrEqual(SEND_BUFFER_CAP + 60_000 + 14);
  ws.terminate();
});
