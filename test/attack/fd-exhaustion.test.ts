// Issue 12, item 1: a full file-descriptor table must not end the process. A real `wslab start`
// under `ulimit -n 1024`: lab connections are refused with 503 and a sentence naming the limit
// before the process reaches EMFILE; pages, the sim API and health keep answering.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { computeLimits } from '../../server/process/limits.ts';
import { get, post, startChild, type WslabChild } from './child.ts';

type Attempt = { ws: WebSocket } | { status: number; body: string };

/** Opens one WebSocket; resolves with the open socket or the refusal's status and body. */
function attempt(url: string): Promise<Attempt> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: 10_000 });
    ws.on('error', (err) => reject(err));
    ws.once('open', () => resolve({ ws }));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', () => resolve({ status: res.statusCode ?? 0, body }));
    });
  });
}

const FD_LIMIT = 1024;
// the caps the server must derive from 1024 (server/process/limits.ts): 128 kept back, 896 for connections
const CAPS = computeLimits(FD_LIMIT, { labConnections: 10_000, observers: 200, linkConnections: 5000, simClients: 5000, puppets: 32 }).caps;

let child: WslabChild;
const clients: WebSocket[] = [];

beforeAll(async () => {
  child = await startChild({ fdLimit: FD_LIMIT });
});
afterAll(async () => {
  for (const ws of clients) ws.terminate();
  await child?.kill();
});

async function health(): Promise<{ connections: number; observers: number }> {
  const h = await get(`${child.url}/__wslab/health`);
  expect(h.status).toBe(200);
  return JSON.parse(h.body) as { connections: number; observers: number };
}

async function untilConnections(n: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  while ((await health()).connections !== n) {
    if (Date.now() > deadline) throw new Error(`the server never got to ${n} connections (has ${(await health()).connections})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('wslab start under ulimit -n 1024', () => {
  test('start prints the caps it lowered to fit the open-file limit', async () => {
    expect(CAPS).toEqual({ labConnections: 896, observers: 200, linkConnections: 298, simClients: 224, puppets: 32 });
    await child.waitForStderr(
      'wslab: this process may open 1024 files (ulimit -n), so it accepts at most: lab connections 896 (default 10000), chaos-link connections 298 (default 5000), simulated clients 224 (default 5000).',
    );
  });

  test('/lab/echo sockets opened until one is refused: the refusal is 503 with a sentence naming ulimit -n, at the cap, and the process lives', async () => {
    let refusal: { status: number; body: string } | null = null;
    const wsUrl = `${child.url.replace('http', 'ws')}/lab/echo`;
    // bounded: the cap is 896; past 1100 something is wrong
    for (let i = 0; i < 1100 && !refusal; i += 32) {
      const batch = await Promise.all(Array.from({ length: 32 }, () => attempt(wsUrl)));
      for (const a of batch) {
        if ('ws' in a) clients.push(a.ws);
        else refusal ??= a;
      }
    }
    expect(refusal).not.toBeNull();
    expect(refusal!.status).toBe(503);
    expect(refusal!.body).toBe(
      'The server is at its limit of 896 lab connections (896 open), so it refuses another lab connection: this process may open 1024 files (ulimit -n); raise the limit with `ulimit -n 65536` in the shell that runs wslab, then restart it.\n',
    );
    expect(clients.length).toBe(CAPS.labConnections);
    expect((await health()).connections).toBe(CAPS.labConnections);
    // every socket that was let in still works
    const last = clients[clients.length - 1];
    const echoed = new Promise<string>((r) => last.once('message', (d) => r(d.toString())));
    last.send('still here');
    expect(await echoed).toBe('still here');
    expect(child.alive()).toBe(true);
  });

  test('an event-stream observer at the limit is refused with 503 and a sentence, not EMFILE', async () => {
    const a = await attempt(`${child.url.replace('http', 'ws')}/__wslab/events`);
    expect('status' in a && a.status).toBe(503);
    expect('body' in a && a.body).toMatch(/^The server has no file descriptors to spare for another event-stream observer \(896 of the 896 it keeps for connections are in use\): this process may open 1024 files \(ulimit -n\); raise the limit with `ulimit -n 65536`/);
  });

  test('3 closed, then 8 parallel GET /inspect: each answered 200 (the page) or 503 (a sentence), never a crash', async () => {
    for (const ws of clients.splice(0, 3)) ws.close();
    await untilConnections(CAPS.labConnections - 3);
    const pages = await Promise.all(Array.from({ length: 8 }, () => get(`${child.url}/inspect`)));
    for (const p of pages) {
      expect([200, 503]).toContain(p.status);
      if (p.status === 200) expect(p.body).toContain('<div id="root">');
      else expect(p.body).toMatch(/no file descriptors|ulimit -n/);
    }
    // with 128 descriptors kept back there is room for all eight
    expect(pages.map((p) => p.status)).toEqual([200, 200, 200, 200, 200, 200, 200, 200]);
    expect(child.alive()).toBe(true);
    expect(child.stderr()).not.toMatch(/Unhandled 'error' event|uncaught exception/);
  });

  test('simulated clients beyond the cap are refused with 503 before any is opened', async () => {
    const over = await post(`${child.url}/__wslab/sim/spawn`, { count: CAPS.simClients + 1, stateBytes: 262_144 });
    expect(over.status).toBe(503);
    expect(over.json.error).toMatch(/^The server is at its limit of 224 simulated clients \(0 open\), so it refuses 225 more simulated clients: this process may open 1024 files \(ulimit -n\)/);
    // within the cap, but the lab connections hold the descriptors: refused whole as well
    const full = await post(`${child.url}/__wslab/sim/spawn`, { count: 10 });
    expect(full.status).toBe(503);
    expect(full.json.error).toMatch(/^The server has no file descriptors to spare for 10 more simulated clients \(893 of the 896/);
    expect((await get(`${child.url}/__wslab/sim`)).status).toBe(200);
    expect(child.alive()).toBe(true);
  });

  test('with every lab socket gone, simulated clients fill the budget (4 descriptors each); the next connections are refused and the stats timer keeps running', async () => {
    for (const ws of clients.splice(0)) ws.terminate();
    await untilConnections(0);
    const spawned = await post(`${child.url}/__wslab/sim/spawn`, { count: CAPS.simClients, heartbeatMs: 0, stateBytes: 1024 }, 120_000);
    expect(spawned.status).toBe(200);
    expect(spawned.json).toMatchObject({ opened: CAPS.simClients, failed: 0, clients: CAPS.simClients });
    // 224 × 4 = 896: nothing else fits, and a new lab socket, link socket or page is told so
    const lab = await attempt(`${child.url.replace('http', 'ws')}/lab/echo`);
    expect('status' in lab && lab.status).toBe(503);
    expect('body' in lab && lab.body).toMatch(/no file descriptors to spare for another lab connection.*ulimit -n/);
    const linked = await attempt(`${child.url.replace('http', 'ws')}/lab/echo?link=extra`);
    expect('status' in linked && linked.status).toBe(503);
    expect('body' in linked && linked.body).toMatch(/no file descriptors to spare for another chaos-link connection.*ulimit -n/);
    const pages = await Promise.all(Array.from({ length: 8 }, () => get(`${child.url}/inspect`)));
    expect(pages.map((p) => p.status)).toEqual([200, 200, 200, 200, 200, 200, 200, 200]);
    // the sim stats timer (process.memoryUsage() every 250 ms) has ticked many times meanwhile
    const sim = await get(`${child.url}/__wslab/sim`);
    expect(sim.status).toBe(200);
    expect(JSON.parse(sim.body)).toMatchObject({ clients: CAPS.simClients, alive: CAPS.simClients });
    expect(JSON.parse(sim.body).rss).toBeGreaterThan(0);
    const cleared = await fetch(`${child.url}/__wslab/sim`, { method: 'DELETE' });
    expect(cleared.status).toBe(200);
    await untilConnections(0);
    expect(child.alive()).toBe(true);
    expect(child.stderr()).not.toMatch(/Unhandled 'error' event|uncaught exception|EMFILE/);
  });
});
