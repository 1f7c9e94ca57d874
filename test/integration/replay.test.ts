// `wslab replay`: a HAR's client messages played against real ws servers. An echo server answers
// as recorded (exit 0); a server that answers differently gets each difference named (exit 1);
// --speed scales the recorded gaps.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { runReplay } from '../../server/cli/replay.ts';

const dir = mkdtempSync(join(tmpdir(), 'wslab-replay-'));
const start = Date.parse('2026-01-01T00:00:00Z');
const recorded = join(dir, 'rec.har');
writeFileSync(
  recorded,
  JSON.stringify({
    log: {
      entries: [
        {
          startedDateTime: new Date(start).toISOString(),
          _resourceType: 'websocket',
          request: { method: 'GET', url: 'ws://recorded.example/app', headers: [] },
          response: { status: 101, headers: [{ name: 'Sec-WebSocket-Protocol', value: 'chat.v1' }] },
          _webSocketMessages: [
            { type: 'send', time: start / 1000 + 0.1, opcode: 1, data: 'one' },
            { type: 'receive', time: start / 1000 + 0.15, opcode: 1, data: 'one' },
            { type: 'send', time: start / 1000 + 0.9, opcode: 2, data: 'AAEC' },
            { type: 'receive', time: start / 1000 + 0.95, opcode: 2, data: 'AAEC' },
            { type: 'send', time: start / 1000 + 1.7, opcode: 1, data: 'three' },
            { type: 'receive', time: start / 1000 + 1.75, opcode: 1, data: 'three' },
          ],
        },
      ],
    },
  }),
);

let echo: WebSocketServer;
let upper: WebSocketServer;
const protocols: string[] = [];
const arrivals: number[] = [];
beforeAll(async () => {
  echo = new WebSocketServer({ port: 0, host: '127.0.0.1', handleProtocols: (p) => (protocols.push(...p), [...p][0] ?? false) });
  echo.on('connection', (s) => s.on('message', (d, binary) => (arrivals.push(performance.now()), s.send(d, { binary }))));
  upper = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  upper.on('connection', (s) =>
    s.on('message', (d, binary) => {
      if (binary) return; // never answers binary
      s.send(d.toString().toUpperCase());
      if (d.toString() === 'three') s.send('bonus');
    }),
  );
  await Promise.all([echo, upper].map((w) => new Promise((r) => w.once('listening', r))));
});
afterAll(async () => {
  await Promise.all([echo, upper].map((w) => new Promise((r) => w.close(r))));
  rmSync(dir, { recursive: true, force: true });
});

async function replay(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let o = '';
  let e = '';
  out.on('data', (d) => (o += d));
  err.on('data', (d) => (e += d));
  const code = await runReplay(args, '', out, err);
  return { code, out: o, err: e };
}

const port = (w: WebSocketServer) => (w.address() as { port: number }).port;

describe('wslab replay', () => {
  it('an echo server answers as recorded: exit 0, the subprotocol offered, the gaps kept (scaled by --speed 2)', async () => {
    arrivals.length = 0;
    const r = await replay([recorded, '--target', `ws://127.0.0.1:${port(echo)}/app`, '--speed', '2']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toBe(`wslab replay: i1 from ${recorded}: 3 client messages to ws://127.0.0.1:${port(echo)}/app at 2× speed; 3 answers recorded`);
    expect(r.out).toMatch(/the server answered 3 \(recorded: 3\); closed 1000\n/);
    expect(r.out.endsWith('every answer matches the recording\n')).toBe(true);
    expect(protocols).toEqual(['chat.v1']);
    // recorded gaps 800 ms and 800 ms, at 2x: about 400 ms each (wide bounds: a loaded machine)
    const gaps = [arrivals[1] - arrivals[0], arrivals[2] - arrivals[1]];
    for (const g of gaps) expect(g).toBeGreaterThan(300);
    for (const g of gaps) expect(g).toBeLessThan(790);
  });

  it('a server that answers otherwise: each difference named, exit 1', async () => {
    const r = await replay([recorded, '--target', `ws://127.0.0.1:${port(upper)}`, '--speed', '10']);
    expect(r.code).toBe(1);
    const lines = r.out.trim().split('\n').slice(2);
    expect(lines).toEqual(['answer 1 differs: recorded "one", got "ONE"', 'answer 2 differs: recorded 0x000102, got "THREE"', 'answer 3 differs: recorded "three", got "bonus"', '3 differences from the recording']);
  });

  it('usage and unreadable input', async () => {
    expect((await replay([recorded])).code).toBe(2);
    expect((await replay([recorded, '--target', 'ws://127.0.0.1:1', '--speed', '0'])).code).toBe(2);
    const none = join(dir, 'none.har');
    writeFileSync(none, '{"log":{"entries":[]}}');
    expect(await replay([none, '--target', 'ws://127.0.0.1:1'])).toEqual({ code: 1, out: '', err: 'wslab replay: none.har is a HAR (from unknown) with no WebSocket entry in it\n' });
    const refused = await replay([recorded, '--target', 'ws://127.0.0.1:1']);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/^wslab replay: cannot connect to ws:\/\/127\.0\.0\.1:1: /);
  });
});
