// Echo through `wslab proxy` (relayed and tapped, an event-stream observer attached as the web app
// would be) next to the same bare ws echo server reached directly, measured in the same run; and,
// for comparison, through a bare TCP relay (no tap, no WebSocket code), which shows what the extra
// process hop costs on its own.
//
// Every party is a process of its own: the load generator (this process, doing nothing else), the
// upstream, the proxy, the bare relay and the observer (reading the stream on the generator's loop
// would slow only the proxied arm's sending, charging the observer's work to the proxy twice).
//
// Two layouts, each measured with its own direct baseline:
//   own core  — the app side (generator and upstream) pinned to CPU 0, wslab's side (proxy, relay,
//               observer) to CPU 1 (`taskset`). The question a developer asks: with a core to
//               itself, as on any machine with a core to spare, does the proxy keep up with an
//               app and its clients going flat out? The target row.
//   shared    — nothing pinned: every process competes for the same 2 cores, so the hop's CPU is
//               taken from the app's. No relay in a process of its own gets near 0.8× here; shown
//               for comparison.
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../server/paths.ts';
import type { BenchRow } from './table.ts';
import { echoLoad, median, spawnServer, type LoadRun, type ServerProc } from './echo.ts';

const ROUNDS = 5;

/** The observer in its own process, connected and reading before this returns. */
async function spawnObserver(port: number): Promise<{ child: ChildProcess; events(): Promise<number>; stop(): void }> {
  const child = fork(join(ROOT, 'bin', 'run-ts.js'), [join(ROOT, 'bench', 'observer-proc.ts'), String(port)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`bench observer exited with ${code}`)));
  });
  return {
    child,
    events: () =>
      new Promise((resolve) => {
        child.once('message', (m) => resolve((m as { messages: number }).messages));
        child.send('count');
      }),
    stop: () => child.kill(),
  };
}

/** True when this machine can pin processes to CPUs: Linux's taskset and at least 2 CPUs. */
function canPin(): boolean {
  if (cpus().length < 2) return false;
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Every thread of `pid` on `cpu` alone, or on any CPU when `cpu` is null. */
function pin(pid: number | undefined, cpu: number | null): void {
  if (pid === undefined) return;
  const list = cpu === null ? `0-${cpus().length - 1}` : String(cpu);
  execFileSync('taskset', ['-a', '-p', '-c', list, String(pid)], { stdio: 'ignore' });
}

interface Arms {
  direct: LoadRun[];
  proxied: LoadRun[];
  relayed: LoadRun[];
}

/**
 * One short warm-up each, then the rounds in turn (direct, proxied, relayed, …): all arms get the
 * machine's drift, and the median drops a round a neighbour's burst spoiled.
 */
async function rounds(upstream: ServerProc, proxy: ServerProc, pipe: ServerProc, clients: number, seconds: number): Promise<Arms> {
  await echoLoad(upstream, '/', clients, 1024, 1);
  await echoLoad(proxy, '/', clients, 1024, 1);
  await echoLoad(pipe, '/', clients, 1024, 1);
  const arms: Arms = { direct: [], proxied: [], relayed: [] };
  for (let round = 0; round < ROUNDS; round++) {
    arms.direct.push(await echoLoad(upstream, '/', clients, 1024, seconds));
    arms.proxied.push(await echoLoad(proxy, '/', clients, 1024, seconds));
    arms.relayed.push(await echoLoad(pipe, '/', clients, 1024, seconds));
  }
  return arms;
}

export async function runProxyBench(options: { seconds?: number; clients?: number } = {}): Promise<BenchRow[]> {
  const seconds = options.seconds ?? 3;
  const clients = options.clients ?? 100;
  const upstream = await spawnServer('bare');
  const proxy = await spawnServer('proxy', String(upstream.port));
  const pipe = await spawnServer('pipe', String(upstream.port));
  const rows: BenchRow[] = [];
  const pinned = canPin();
  try {
    const observer = await spawnObserver(proxy.port);
    const layouts: Array<{ name: 'own core' | 'shared'; arms: Arms }> = [];
    if (pinned) {
      pin(process.pid, 0);
      pin(upstream.child.pid, 0);
      for (const p of [proxy.child.pid, pipe.child.pid, observer.child.pid]) pin(p, 1);
      layouts.push({ name: 'own core', arms: await rounds(upstream, proxy, pipe, clients, seconds) });
      for (const p of [process.pid, upstream.child.pid, proxy.child.pid, pipe.child.pid, observer.child.pid]) pin(p, null);
    } else {
      process.stderr.write('bench: taskset or a second CPU is missing: the proxy is measured on shared cores only\n');
    }
    layouts.push({ name: 'shared', arms: await rounds(upstream, proxy, pipe, clients, seconds) });
    const events = await observer.events();
    observer.stop();
    if (events === 0) throw new Error('the observer read no events from the proxy');
    for (const { name, arms } of layouts) {
      const where = name === 'own core' ? 'wslab on a core of its own, the app on the other' : 'every process on 2 shared cores';
      const direct = median(arms.direct.map((r) => r.rate));
      rows.push({
        name: `echo 1 KiB, ${clients} clients, through wslab proxy, ${where} (baseline: the same ws upstream direct): round trips/s`,
        ours: median(arms.proxied.map((r) => r.rate)),
        theirs: direct,
        unit: 'rt/s',
        target: name === 'own core' ? '≥ 0.8×' : '(shown for comparison)',
        higherIsBetter: true,
      });
      rows.push({
        name: `echo 1 KiB, ${clients} clients, through a bare TCP relay, ${where} (baseline: the same ws upstream direct): round trips/s`,
        ours: median(arms.relayed.map((r) => r.rate)),
        theirs: direct,
        unit: 'rt/s',
        target: '(shown for comparison)',
        higherIsBetter: true,
      });
      rows.push({
        name: `echo 1 KiB through wslab proxy, ${where}: the proxy's CPU per round trip (baseline: the bare TCP relay's)`,
        ours: median(arms.proxied.map((r) => r.cpuUs)),
        theirs: median(arms.relayed.map((r) => r.cpuUs)),
        unit: 'µs',
        target: '(shown for comparison)',
        higherIsBetter: false,
      });
      const ratios = arms.proxied.map((r, i) => (r.rate / arms.direct[i].rate).toFixed(2));
      process.stderr.write(`bench: ${name}: proxy/direct ratio per round: ${ratios.join(', ')}\n`);
    }
  } finally {
    proxy.stop();
    pipe.stop();
    upstream.stop();
  }
  return rows;
}
