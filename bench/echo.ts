// Echo throughput through the tapped lab server (with an event-stream observer attached, reading
// the stream as the web app does) next to a bare ws echo server, measured in the same run; and
// memory per idle connection, tapped vs bare.
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import WebSocket from 'ws';
import { ROOT } from '../server/paths.ts';
import type { BenchRow } from './table.ts';

export interface ServerProc {
  child: ChildProcess;
  port: number;
  mem(): Promise<{ heapUsed: number; external: number; arrayBuffers: number; rss: number }>;
  /** the server process's CPU time so far, µs (process.cpuUsage: user + system) */
  cpu(): Promise<number>;
  stop(): void;
}

export async function spawnServer(mode: 'bare' | 'tapped' | 'proxy' | 'pipe', ...args: string[]): Promise<ServerProc> {
  const child = fork(join(ROOT, 'bin', 'run-ts.js'), [join(ROOT, 'bench', 'echo-server.ts'), mode, ...args], {
    execArgv: ['--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  return {
    child,
    port,
    mem: () =>
      new Promise((resolve) => {
        child.once('message', (m) => resolve(m as never));
        child.send('mem');
      }),
    cpu: () =>
      new Promise((resolve) => {
        child.once('message', (m) => {
          const c = m as { user: number; system: number };
          resolve(c.user + c.system);
        });
        child.send('cpu');
      }),
    stop: () => child.kill(),
  };
}

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

export interface LoadRun {
  rate: number;
  /** the server's CPU time per round trip, µs */
  cpuUs: number;
  /** this process's CPU time per round trip, µs: the load generator (and the observer, when one is attached) */
  clientUs: number;
}

/**
 * Round trips per second with `clients` each keeping one message in flight, and the CPU time per
 * round trip of the server and of this process (less sensitive than throughput to a machine that
 * is busy with other work).
 */
export async function echoLoad(server: ServerProc, path: string, clients: number, size: number, seconds: number): Promise<LoadRun> {
  const port = server.port;
  const sockets = await Promise.all(Array.from({ length: clients }, () => open(`ws://127.0.0.1:${port}${path}`)));
  const payload = Buffer.alloc(size, 0x61);
  let counting = false;
  let count = 0;
  let running = true;
  for (const ws of sockets) {
    ws.on('message', () => {
      if (counting) count++;
      if (running) ws.send(payload);
    });
    ws.send(payload);
  }
  await new Promise((r) => setTimeout(r, 500)); // warm-up
  const cpu0 = await server.cpu();
  const own0 = process.cpuUsage();
  counting = true;
  const started = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const elapsed = (performance.now() - started) / 1000;
  counting = false;
  const own = process.cpuUsage(own0);
  const cpu1 = await server.cpu();
  running = false;
  const rate = count / elapsed;
  const cpuUs = (cpu1 - cpu0) / Math.max(1, count);
  const clientUs = (own.user + own.system) / Math.max(1, count);
  await Promise.all(sockets.map((ws) => new Promise((r) => { ws.once('close', r); ws.close(); })));
  return { rate, cpuUs, clientUs };
}

const ROUNDS = 3;

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * The two servers under the same load, each warmed up with one short round first, then ROUNDS
 * rounds taken in turn (bare, tapped, bare, tapped, …); the median round of each. On a shared
 * machine the load drifts over a minute: taking the rounds in turn gives both servers the same
 * drift, and the median drops a round that a neighbour's burst spoiled.
 */
async function alternate(
  bare: ServerProc,
  tapped: ServerProc,
  clients: number,
  size: number,
  seconds: number,
): Promise<{ bare: LoadRun; tapped: LoadRun }> {
  await echoLoad(bare, '/', clients, size, 1);
  await echoLoad(tapped, '/lab/echo', clients, size, 1);
  const bareRuns: LoadRun[] = [];
  const tapRuns: LoadRun[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    bareRuns.push(await echoLoad(bare, '/', clients, size, seconds));
    tapRuns.push(await echoLoad(tapped, '/lab/echo', clients, size, seconds));
  }
  const pick = (runs: LoadRun[]): LoadRun => ({
    rate: median(runs.map((r) => r.rate)),
    cpuUs: median(runs.map((r) => r.cpuUs)),
    clientUs: median(runs.map((r) => r.clientUs)),
  });
  return { bare: pick(bareRuns), tapped: pick(tapRuns) };
}

/**
 * An event-stream observer that reads everything: `bin` as the web app reads it (records, JSON
 * written in the page's worker), `json` as a script would (?batch=1, JSON written by the server).
 */
export async function attachObserver(port: number, format: 'bin' | 'json' = 'bin'): Promise<{ events: () => number; close: () => void }> {
  const ws = await open(`ws://127.0.0.1:${port}/__wslab/events?${format === 'bin' ? 'format=bin' : 'batch=1'}`);
  let n = 0;
  ws.on('message', () => n++);
  return { events: () => n, close: () => ws.close() };
}

async function openMany(server: ServerProc, path: string, n: number): Promise<WebSocket[]> {
  const sockets: WebSocket[] = [];
  for (let i = 0; i < n; i += 100) {
    sockets.push(...(await Promise.all(Array.from({ length: Math.min(100, n - i) }, () => open(`ws://127.0.0.1:${server.port}${path}`)))));
  }
  return sockets;
}

function closeAll(sockets: WebSocket[]): Promise<unknown> {
  return Promise.all(sockets.map((ws) => new Promise((r) => { ws.once('close', r); ws.close(); })));
}

/**
 * Heap + external bytes per idle connection. One round of opening and closing the same number of
 * connections comes first, for both servers: the code the JIT compiles for the first connections
 * is not memory each connection holds, and measured cold it moved the result by ±150 B.
 */
async function idleMemory(server: ServerProc, path: string, n: number): Promise<number> {
  await closeAll(await openMany(server, path, n));
  await new Promise((r) => setTimeout(r, 300));
  const before = await server.mem();
  const sockets = await openMany(server, path, n);
  await new Promise((r) => setTimeout(r, 300));
  const after = await server.mem();
  const total = (m: typeof before) => m.heapUsed + m.external;
  const perConn = (total(after) - total(before)) / n;
  await closeAll(sockets);
  return perConn;
}

export async function runEchoBench(options: { seconds?: number; clients?: number; idle?: number } = {}): Promise<BenchRow[]> {
  const seconds = options.seconds ?? 3;
  const clients = options.clients ?? 100;
  const idle = options.idle ?? 1000;
  const rows: BenchRow[] = [];
  const bare = await spawnServer('bare');
  const tapped = await spawnServer('tapped');
  try {
    for (const size of [1024, 64 * 1024]) {
      const label = size === 1024 ? '1 KiB' : '64 KiB';
      const observer = await attachObserver(tapped.port);
      const { bare: bareRun, tapped: tapRun } = await alternate(bare, tapped, clients, size, seconds);
      observer.close();
      const { rate: bareRate, cpuUs: bareCpu } = bareRun;
      const { rate: tapRate, cpuUs: tapCpu } = tapRun;
      rows.push({
        name: `echo ${label}, ${clients} clients: round trips/s`,
        ours: tapRate,
        theirs: bareRate,
        unit: 'rt/s',
        target: '≥ 0.9×',
        higherIsBetter: true,
      });
      rows.push({
        name: `echo ${label}, ${clients} clients: server CPU per round trip`,
        ours: tapCpu,
        theirs: bareCpu,
        unit: 'µs',
        target: '≤ 1.11×',
        higherIsBetter: false,
      });
      // Server and load generator share this machine's cores: when both are busy, round trips/s
      // follow the sum of their CPU per round trip, so 0.9× needs that sum within about 1.11×.
      rows.push({
        name: `echo ${label}, ${clients} clients: CPU per round trip, server + load generator`,
        ours: tapCpu + tapRun.clientUs,
        theirs: bareCpu + bareRun.clientUs,
        unit: 'µs',
        target: '(shown for comparison)',
        higherIsBetter: false,
      });
      rows.push({
        name: `echo ${label}, ${clients} clients: MB/s each way`,
        ours: (tapRate * size) / 1e6,
        theirs: (bareRate * size) / 1e6,
        unit: 'MB/s',
        target: '≥ 0.9×',
        higherIsBetter: true,
      });
      if (size === 1024) {
        // The same load with nobody watching: what the tap itself costs, apart from the observer.
        const { rate: aloneRate } = await echoLoad(tapped, '/lab/echo', clients, size, seconds);
        rows.push({
          name: `echo ${label}, ${clients} clients, no observer: round trips/s`,
          ours: aloneRate,
          theirs: bareRate,
          unit: 'rt/s',
          target: '(shown for comparison)',
          higherIsBetter: true,
        });
        // And with a JSON observer (?batch=1): the server then writes every frame's JSON.
        const jsonObserver = await attachObserver(tapped.port, 'json');
        const { rate: jsonRate } = await echoLoad(tapped, '/lab/echo', clients, size, seconds);
        jsonObserver.close();
        rows.push({
          name: `echo ${label}, ${clients} clients, JSON observer (?batch=1): round trips/s`,
          ours: jsonRate,
          theirs: bareRate,
          unit: 'rt/s',
          target: '(shown for comparison)',
          higherIsBetter: true,
        });
      }
    }
    const bareMem = await idleMemory(bare, '/', idle);
    const tapMem = await idleMemory(tapped, '/lab/echo', idle);
    rows.push({
      name: `memory per idle connection (${idle} open)`,
      ours: tapMem / 1024,
      theirs: bareMem / 1024,
      unit: 'KiB',
      target: '≤ 1.3×',
      higherIsBetter: false,
    });
  } finally {
    bare.stop();
    tapped.stop();
  }
  return rows;
}
