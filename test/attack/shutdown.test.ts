// Issue 12, item 8: SIGTERM and SIGINT close lab, chaos-link and observer connections with a 1001
// close frame ("going away"), not 1006, and the process is gone within 5 s.
import { afterEach, expect, test } from 'vitest';
import WebSocket from 'ws';
import { GOING_AWAY_REASON, HARD_EXIT_MS } from '../../server/process/shutdown.ts';
import { startChild, type WslabChild } from './child.ts';

let child: WslabChild | undefined;
afterEach(async () => {
  await child?.kill();
  child = undefined;
});

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function closeOf(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`${signal}: lab, link and observer connections each get 1001 with a reason, and the process exits within ${HARD_EXIT_MS} ms`, async () => {
    child = await startChild();
    const base = child.url.replace('http', 'ws');
    const lab = await open(`${base}/lab/echo`);
    const linked = await open(`${base}/lab/echo?link=shutdown`);
    const observer = await open(`${base}/__wslab/events?since=0`);
    const ticker = await open(`${base}/lab/ticker`);
    // the linked socket really goes through the link: its echo comes back
    const echoed = new Promise<string>((r) => linked.once('message', (d) => r(d.toString())));
    linked.send('through the link');
    expect(await echoed).toBe('through the link');
    for (const ws of [lab, linked, observer, ticker]) ws.on('error', () => {});
    const closes = [lab, linked, observer, ticker].map(closeOf);

    const sentAt = performance.now();
    child.proc.kill(signal);
    const code = await child.exited;
    const exitMs = performance.now() - sentAt;

    expect(await Promise.all(closes)).toEqual([
      { code: 1001, reason: GOING_AWAY_REASON },
      { code: 1001, reason: GOING_AWAY_REASON },
      { code: 1001, reason: GOING_AWAY_REASON },
      { code: 1001, reason: GOING_AWAY_REASON },
    ]);
    expect(code).toBe(0);
    expect(exitMs).toBeLessThan(HARD_EXIT_MS);
    expect(child.stderr()).toContain(`wslab: ${signal}: closing every connection with 1001 (going away)`);
  });
}

test('a client that never answers the close frame cannot hold the process: it exits within 5 s anyway', async () => {
  child = await startChild();
  const ws = await open(`${child.url.replace('http', 'ws')}/lab/echo`);
  ws.on('error', () => {});
  // stop reading: the server's close frame is never answered
  (ws as unknown as { _socket: { pause(): void } })._socket.pause();
  const sentAt = performance.now();
  child.proc.kill('SIGTERM');
  expect(await child.exited).toBe(0);
  expect(performance.now() - sentAt).toBeLessThan(HARD_EXIT_MS);
  ws.terminate();
});
