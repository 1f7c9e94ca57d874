// Echo through `wslab proxy` (relayed and tapped, an event-stream observer attached as the web app
// would be) next to the same bare ws echo server reached directly, measured in the same run; and,
// for comparison, through a bare TCP relay (no tap, no WebSocket code), which shows what the extra
// process hop costs on its own.
//
// Every party is a process of its own: the load generator (this process, doing nothing else), the
// upstream, the proxy, the bare relay and the observer. The observer used to read the stream on the
// load generator's event loop, so in the proxied arm only the generator also decoded the stream and
// sent slower: the ratio then charged the observer's work to the proxy twice.
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../server/paths.ts';
import type { BenchRow } from './table.ts';
import { echoLoad, median, spawnServer, type LoadRun } from './echo.ts';

const ROUNDS = 5;

/** The observer in its own process, connected and reading before this returns. */
async function spawnObserver(port: number): Promise<{ events(): Promise<number>; stop(): void }> {
  const child = fork(join(ROOT, 'bin', 'run-ts.js'), [join(ROOT, 'bench', 'observer-proc.ts'), String(port)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`bench observer exited with ${code}`)));
  });
  return {
    events: () =>
      new Promise((resolve) => {
        child.once('message', (m) => resolve((m as { messages: number }).messages));
        child.send('count');
      }),
    stop: () => child.kill(),
  };
}

export async function runProxyBench(options: { seconds?: number; clients?: number } = {}): Promise<BenchRow[]> {
  const seconds = options.seconds ?? 3;
  const clients = options.clients ?? 100;
  const upstream = await spawnServer('bare');
  const proxy = await spawnServer('proxy', String(upstream.port));
  const pipe = await spawnServer('pipe', String(upstream.port));
  const rows: BenchRow[] = [];
  try {
    const observer = await spawnObserver(proxy.port);
    // one short warm-up each, then the rounds in turn (direct, proxied, relayed, …): all get the
    // machine's drift, and the median drops a round a neighbour's burst spoiled
    await echoLoad(upstream, '/', clients, 1024, 1);
    await echoLoad(proxy, '/', clients, 1024, 1);
    await echoLoad(pipe, '/', clients, 1024, 1);
    const direct: LoadRun[] = [];
    const proxied: LoadRun[] = [];
    const relayed: LoadRun[] = [];
    const ratios: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      direct.push(await echoLoad(upstream, '/', clients, 1024, seconds));
      proxied.push(await echoLoad(proxy, '/', clients, 1024, seconds));
      relayed.push(await echoLoad(pipe, '/', clients, 1024, seconds));
      ratios.push(proxied[round].rate / direct[round].rate);
    }
    const events = await observer.events();
    observer.stop();
    if (events === 0) throw new Error('the observer read no events from the proxy');
    rows.push({
      name: `echo 1 KiB, ${clients} clients, through wslab proxy (baseline: the same ws upstream direct): round trips/s`,
      ours: median(proxied.map((r) => r.rate)),
      theirs: median(direct.map((r) => r.rate)),
      unit: 'rt/s',
      target: '≥ 0.8×',
      higherIsBetter: true,
    });
    rows.push({
      name: `echo 1 KiB, ${clients} clients, through a bare TCP relay (baseline: the same ws upstream direct): round trips/s`,
      ours: median(relayed.map((r) => r.rate)),
      theirs: median(direct.map((r) => r.rate)),
      unit: 'rt/s',
      target: '(shown for comparison)',
      higherIsBetter: true,
    });
    rows.push({
      name: `echo 1 KiB through wslab proxy: the proxy's CPU per round trip (baseline: the bare TCP relay's)`,
      ours: median(proxied.map((r) => r.cpuUs)),
      theirs: median(relayed.map((r) => r.cpuUs)),
      unit: 'µs',
      target: '(shown for comparison)',
      higherIsBetter: false,
    });
    process.stderr.write(`bench: proxy/direct ratio per round: ${ratios.map((r) => r.toFixed(2)).join(', ')}\n`);
  } finally {
    proxy.stop();
    pipe.stop();
    upstream.stop();
  }
  return rows;
}
