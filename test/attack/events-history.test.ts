// Issue 12 item 5: GET /__wslab/events?since=0 used to copy the whole history per request (about
// 60 MB and 200 ms of blocked loop each); 100 readers that never read cost +3.9 GB. Now the history
// is streamed from the ring in 64 KiB chunks with a cursor, at most 8 readers stream at once (503
// beyond, with a sentence), and each reader holds a lease of the memory budget while it reads.
import { connect, type Socket } from 'node:net';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { CHUNK_BYTES, MAX_HISTORY_READERS, READER_BUDGET } from '../../server/http/history.ts';
import { startTestServer, until, useLabServer, type TestServer } from '../helpers/server.ts';

const EVENTS = 30_000;
const sockets: Socket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
});

/** A reader that sends the GET and then never reads: its answer waits in the kernel's buffers. */
function stalledReader(port: number, path: string): Promise<{ socket: Socket; head: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    sockets.push(socket);
    socket.on('error', () => {});
    let head = '';
    const onData = (d: Buffer) => {
      head += d.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      socket.pause();
      resolve({ socket, head });
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error('closed before an answer')));
    socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
  });
}

describe('the HTTP history', () => {
  let t: TestServer;
  useLabServer((server) => {
    t = server;
  });
  beforeAll(() => {
    for (let i = 0; i < EVENTS; i++) t.server.bus.publish({ type: 'error', source: 'server', message: `event ${i} ${'x'.repeat(200)}` });
  });

  test('is streamed whole, in order, as NDJSON, in many writes rather than one copy', async () => {
    const res = await fetch(`${t.httpUrl}/__wslab/events?since=0&types=error`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    let chunks = 0;
    let text = '';
    const decoder = new TextDecoder();
    for await (const part of res.body as unknown as AsyncIterable<Uint8Array>) {
      chunks++;
      text += decoder.decode(part, { stream: true });
    }
    const lines = text.trim().split('\n').map((l) => JSON.parse(l) as { seq: number; type: string; message: string });
    const mine = lines.filter((l) => l.message.startsWith('event '));
    expect(mine).toHaveLength(EVENTS);
    expect(mine[0].message.startsWith('event 0 ')).toBe(true);
    expect(mine.at(-1)!.message.startsWith(`event ${EVENTS - 1} `)).toBe(true);
    expect(lines.every((l, i) => i === 0 || l.seq > lines[i - 1].seq)).toBe(true);
    // 30,000 events of ~270 bytes: more than a hundred 64 KiB chunks
    expect(text.length).toBeGreaterThan(100 * CHUNK_BYTES);
    expect(chunks).toBeGreaterThan(10);
  });

  test(`${MAX_HISTORY_READERS} readers that never read hold a lease each; one more gets 503 with a sentence; health stays quick; a reader is served again once they go`, async () => {
    for (let i = 0; i < MAX_HISTORY_READERS; i++) {
      const r = await stalledReader(t.port, '/__wslab/events?since=0');
      expect(r.head).toMatch(/^HTTP\/1\.1 200 /);
    }
    expect(t.server.budget.snapshot().byKind['history readers']).toBe(MAX_HISTORY_READERS * READER_BUDGET);
    const refused = await fetch(`${t.httpUrl}/__wslab/events?since=0`);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toEqual({
      error: `${MAX_HISTORY_READERS} history readers are already streaming GET /__wslab/events (the cap); retry when one finishes, or follow the WebSocket stream instead.`,
    });
    const started = performance.now();
    const health = (await (await fetch(`${t.httpUrl}/__wslab/health`)).json()) as { memory: { historyReaders: number; byKind: Record<string, number> } };
    expect(performance.now() - started).toBeLessThan(3000);
    expect(health.memory.historyReaders).toBe(MAX_HISTORY_READERS);
    for (const s of sockets.splice(0)) s.destroy();
    await until(() => (t.server.budget.snapshot().byKind['history readers'] ?? 0) === 0, 5000, 'the readers to give their leases back');
    const again = await fetch(`${t.httpUrl}/__wslab/events?since=${t.server.bus.headSeq - 5}`);
    expect(again.status).toBe(200);
    expect((await again.text()).trim().split('\n')).toHaveLength(5);
  });
});

test('a history reader the memory budget has no room for is refused with 503 and the budget sentence', async () => {
  const t = await startTestServer({ memoryBudget: 1024 * 1024 });
  try {
    // something else holds the budget (a push lab's send buffers, say)
    expect(t.server.budget.lease('push send buffers', 1024 * 1024 - 1000)).not.toBeNull();
    expect(t.server.budget.lease('push send buffers', READER_BUDGET)).toBeNull();
    const res = await fetch(`${t.httpUrl}/__wslab/events?since=0`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      error: `The server's memory budget of 1 MiB is spent (1.0 MiB in use); a history reader (GET /__wslab/events) was refused. Close some connections, or start the server with a larger --memory-budget.`,
    });
  } finally {
    for (const s of sockets.splice(0)) s.destroy();
    await t.close();
  }
});
