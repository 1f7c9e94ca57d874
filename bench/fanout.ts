// Fan-out: one chat message to 10,000 subscribers spread over 4 nodes, through the embedded broker
// and through Redis, next to a bare ws server looping send() over 10,000 local sockets. Measured:
// the time from the publisher's send until the last subscriber has the message (p50 and p99 over
// repeats), and deliveries per second at the median.
//
// Two processes, so the 2-core machines this runs on are not measuring one process against
// itself: the server (wslab with 4 nodes, or the bare loop) runs in a child; the 10,001 clients and
// the clock run here. wslab's side includes what makes it wslab: every socket is tapped (each
// delivered frame decoded and published as events), the envelope, presence and the broker hops.
//
//   node bin/run-ts.js bench/index.ts fanout
import { fork, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import WebSocket, { WebSocketServer } from 'ws';
import type { BenchRow } from './table.ts';

const SUBSCRIBERS = 10_000;
const NODES = 4;
const ROUNDS = 15;
const WARMUP = 3;
const SECRET = 'bench-fanout-secret';
const ROOM = 'bench';

type Mode = 'bare' | 'embedded' | 'redis';

interface Ready {
  urls: string[];
}

// ---------------------------------------------------------------------------------------------
// the server side (child process)

async function child(mode: Mode, redisUrl: string | undefined): Promise<void> {
  let ready: Ready;
  if (mode === 'bare') {
    const server = createServer();
    const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false });
    const sockets = new Set<WebSocket>();
    server.on('upgrade', (req, socket, head) => {
      wss.handleUpgrade(req, socket, head, (ws) => {
        sockets.add(ws);
        ws.on('close', () => sockets.delete(ws));
        // the publisher's message is sent, as is, to every local socket: the baseline loop
        ws.on('message', (data) => {
          const text = data.toString();
          for (const s of sockets) s.send(text);
        });
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    ready = { urls: [`ws://127.0.0.1:${(server.address() as AddressInfo).port}/`] };
  } else {
    const { startWslab } = await import('../server/app.ts');
    const s = await startWslab({
      port: 0,
      heartbeat: { intervalMs: 0 },
      maxConnections: 50_000,
      upgradeRate: { perSecond: 1e6, burst: 1e6 },
      fanout: {
        redis: mode === 'redis' ? redisUrl : null,
        nodes: NODES,
        jwtSecret: SECRET,
        limits: { ratePerSecond: 1e6, burst: 1e6 },
      },
    });
    ready = { urls: s.fanout.nodes.map((n) => n.url) };
  }
  process.send!(ready);
}

// ---------------------------------------------------------------------------------------------
// the client side (this process)

function spawnServer(mode: Mode, redisUrl?: string): Promise<{ child: ChildProcess; ready: Ready }> {
  const root = join(import.meta.dirname, '..');
  const c = fork(join(root, 'bin', 'run-ts.js'), [join(root, 'bench', 'fanout.ts'), '--child', mode, ...(redisUrl ? [redisUrl] : [])], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    c.once('message', (m) => resolve({ child: c, ready: m as Ready }));
    c.once('exit', (code) => reject(new Error(`fan-out bench server (${mode}) exited with ${code}`)));
  });
}

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** Resolves with the first message on ws that contains `marker`. */
function nextWith(ws: WebSocket, marker: string): Promise<void> {
  return new Promise((resolve) => {
    const on = (data: Buffer) => {
      if (data.includes(marker)) {
        ws.off('message', on);
        resolve();
      }
    };
    ws.on('message', on);
  });
}

async function tokens(n: number): Promise<string[]> {
  const { Auth } = await import('../server/labs/chat/auth.ts');
  const auth = new Auth(SECRET);
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push((await auth.issue(`s${i}`, 3600)).token);
  return out;
}

/** Opens the subscribers (signed in and in the room for wslab), in batches. */
async function connect(mode: Mode, urls: string[], toks: string[]): Promise<WebSocket[]> {
  const sockets: WebSocket[] = [];
  const BATCH = 250;
  for (let i = 0; i < SUBSCRIBERS; i += BATCH) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(BATCH, SUBSCRIBERS - i) }, async (_, j) => {
        const k = i + j;
        const url = urls[k % urls.length];
        if (mode === 'bare') return open(url);
        const ws = await open(`${url}?token=${toks[k]}`);
        const joined = nextWith(ws, `"ref":"j${k}"`);
        ws.send(JSON.stringify({ type: 'join', id: `j${k}`, payload: { room: ROOM } }));
        await joined;
        return ws;
      }),
    );
    sockets.push(...batch);
  }
  return sockets;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

interface Result {
  p50: number;
  p99: number;
  /** deliveries per second at the median */
  rate: number;
}

async function measure(mode: Mode, redisUrl?: string): Promise<Result> {
  const { child: c, ready } = await spawnServer(mode, redisUrl);
  const toks = mode === 'bare' ? [] : await tokens(SUBSCRIBERS + 1);
  try {
    const subs = await connect(mode, ready.urls, toks);
    const publisher = mode === 'bare' ? await open(ready.urls[0]) : await open(`${ready.urls[0]}?token=${toks[SUBSCRIBERS]}`);
    if (mode !== 'bare') {
      const joined = nextWith(publisher, '"ref":"pj"');
      publisher.send(JSON.stringify({ type: 'join', id: 'pj', payload: { room: ROOM } }));
      await joined;
    }
    await new Promise((r) => setTimeout(r, 500)); // presence and joins settle
    const times: number[] = [];
    for (let round = 0; round < WARMUP + ROUNDS; round++) {
      const marker = `bench-${round}-`;
      let left = subs.length;
      let finish!: () => void;
      const done = new Promise<void>((r) => (finish = r));
      const on = (data: Buffer) => {
        if (data.includes(marker) && --left === 0) finish();
      };
      for (const ws of subs) ws.on('message', on);
      const t0 = performance.now();
      publisher.send(mode === 'bare' ? `{"type":"chat","payload":{"room":"${ROOM}","text":"${marker}"}}` : JSON.stringify({ type: 'chat', id: `p${round}`, payload: { room: ROOM, text: marker } }));
      await done;
      const elapsed = performance.now() - t0;
      for (const ws of subs) ws.off('message', on);
      if (round >= WARMUP) times.push(elapsed);
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const ws of [...subs, publisher]) ws.terminate();
    times.sort((a, b) => a - b);
    const p50 = percentile(times, 50);
    return { p50, p99: percentile(times, 99), rate: SUBSCRIBERS / (p50 / 1000) };
  } finally {
    c.kill();
    await new Promise((r) => setTimeout(r, 300));
  }
}

export async function runFanoutBench(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  process.stderr.write(`  bare ws loop over ${SUBSCRIBERS} local sockets…\n`);
  const bare = await measure('bare');
  const variants: [string, Mode, string | undefined][] = [['embedded broker', 'embedded', undefined]];
  const { redisAvailable, startRedis } = await import('../test/helpers/redis.ts');
  const redis = redisAvailable ? await startRedis() : null;
  if (redis) variants.push(['Redis pub/sub', 'redis', redis.url]);
  else process.stderr.write('  redis-server not installed (apt-get install redis-server): Redis rows left out\n');
  try {
    for (const [label, mode, url] of variants) {
      process.stderr.write(`  ${label}: ${SUBSCRIBERS} subscribers over ${NODES} nodes…\n`);
      const r = await measure(mode, url);
      const what = `fan-out 1 msg → ${SUBSCRIBERS.toLocaleString('en-US')} subs, ${NODES} nodes, ${label} (baseline: bare ws loop)`;
      rows.push({ name: `${what}: last delivery p50`, ours: r.p50, theirs: bare.p50, unit: 'ms', target: '≤ 5×', higherIsBetter: false });
      rows.push({ name: `${what}: last delivery p99`, ours: r.p99, theirs: bare.p99, unit: 'ms', target: '≤ 5×', higherIsBetter: false });
      rows.push({ name: `${what}: deliveries/s`, ours: r.rate, theirs: bare.rate, unit: 'msg/s', target: '≥ 0.2×', higherIsBetter: true });
    }
  } finally {
    await redis?.stop();
  }
  return rows;
}

if (process.argv[2] === '--child') {
  await child(process.argv[3] as Mode, process.argv[4]);
}
