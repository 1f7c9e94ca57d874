// Soak: 1,000 ghosts created and reaped, three times over. Each cycle spawns 1,000 simulated clients
// through the chaos link (heartbeat 200 ms × 2 misses), blackholes all of them, waits until the
// server's heartbeats have terminated every one (registry and ghost-lab state back to 0), closes
// the clients' side and waits for every link connection to go. Memory is measured after a full GC
// at the start (after one warm-up cycle, so code, pools and the bounded event history are already
// at their working size) and after each cycle; the target is "within 10 % of the start".
//
// In-process (server, link and clients in one process), as the labs run. The event history is set
// to 10,000 events (a ring: full after the warm-up) and the upgrade rate limit is raised for the
// bench's own loopback clients.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startWslab, type WslabServer } from '../server/app.ts';
import { ghostState } from '../server/labs/ghosts/lab.ts';
import type { BenchRow } from './table.ts';

const GHOSTS = 1000;
const CYCLES = 3;

function gcFn(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

async function settle(gc: () => void): Promise<{ heapUsed: number; rss: number }> {
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 50));
  }
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, rss: m.rss };
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`ghost bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function cycle(s: WslabServer): Promise<number> {
  const api = (path: string, method = 'GET', body?: unknown) =>
    fetch(`${s.url}/__wslab/${path}`, { method, headers: body ? { 'content-type': 'application/json' } : undefined, body: body ? JSON.stringify(body) : undefined }).then((r) => r.json() as Promise<Record<string, number>>);
  const started = performance.now();
  const spawned = await api('sim/spawn', 'POST', { count: GHOSTS, heartbeatMs: 200, misses: 2 });
  if (spawned.opened !== GHOSTS) throw new Error(`ghost bench: only ${spawned.opened} of ${GHOSTS} clients opened`);
  await api('sim/blackhole', 'POST', { all: true });
  await until(() => ghostState(s.bus).connections === 0 && ![...s.registry.all()].some((r) => r.meta.lab === 'ghosts'), 30_000, 'the heartbeats to reap every ghost');
  await api('sim', 'DELETE');
  await until(async () => (await api('link')).count === 0, 30_000, 'every link connection to close');
  return performance.now() - started;
}

export async function runGhostBench(): Promise<BenchRow[]> {
  const gc = gcFn();
  const s = await startWslab({ port: 0, host: '127.0.0.1', historySize: 10_000, upgradeRate: { perSecond: 100_000, burst: 100_000 } });
  try {
    await cycle(s); // warm-up
    const start = await settle(gc);
    const rows: BenchRow[] = [];
    let last = start;
    const times: number[] = [];
    for (let i = 1; i <= CYCLES; i++) {
      times.push(await cycle(s));
      last = await settle(gc);
      process.stderr.write(`  cycle ${i}: heap ${(last.heapUsed / 1048576).toFixed(1)} MiB, rss ${(last.rss / 1048576).toFixed(1)} MiB, ${(times.at(-1)! / 1000).toFixed(1)} s\n`);
    }
    rows.push({
      name: `JS heap after ${CYCLES}× ${GHOSTS} ghosts reaped (baseline: at the start)`,
      ours: last.heapUsed / 1048576,
      theirs: start.heapUsed / 1048576,
      unit: 'MiB',
      target: '≤ 1.10×',
      higherIsBetter: false,
    });
    rows.push({
      name: `RSS after ${CYCLES}× ${GHOSTS} ghosts reaped (baseline: at the start)`,
      ours: last.rss / 1048576,
      theirs: start.rss / 1048576,
      unit: 'MiB',
      target: '≤ 1.10×',
      higherIsBetter: false,
    });
    rows.push({
      name: `time to create, blackhole and reap ${GHOSTS} ghosts: last cycle (baseline: first)`,
      ours: times.at(-1)! / 1000,
      theirs: times[0] / 1000,
      unit: 's',
      target: '≤ 1.25×',
      higherIsBetter: false,
    });
    return rows;
  } finally {
    await s.close();
  }
}
