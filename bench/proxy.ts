// Echo through `wslab proxy` (relayed and tapped, an event-stream observer attached as the web app
// would be) next to the same bare ws echo server reached directly, measured in the same run.
import type { BenchRow } from './table.ts';
import { attachObserver, echoLoad, median, spawnServer, type LoadRun } from './echo.ts';

const ROUNDS = 3;

export async function runProxyBench(options: { seconds?: number; clients?: number } = {}): Promise<BenchRow[]> {
  const seconds = options.seconds ?? 3;
  const clients = options.clients ?? 100;
  const upstream = await spawnServer('bare');
  const proxy = await spawnServer('proxy', String(upstream.port));
  const rows: BenchRow[] = [];
  try {
    const observer = await attachObserver(proxy.port);
    // one short warm-up each, then the rounds in turn (direct, proxied, …): both get the machine's drift
    await echoLoad(upstream, '/', clients, 1024, 1);
    await echoLoad(proxy, '/', clients, 1024, 1);
    const direct: LoadRun[] = [];
    const proxied: LoadRun[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      direct.push(await echoLoad(upstream, '/', clients, 1024, seconds));
      proxied.push(await echoLoad(proxy, '/', clients, 1024, seconds));
    }
    observer.close();
    rows.push({
      name: `echo 1 KiB, ${clients} clients, through wslab proxy (baseline: the same ws upstream direct): round trips/s`,
      ours: median(proxied.map((r) => r.rate)),
      theirs: median(direct.map((r) => r.rate)),
      unit: 'rt/s',
      target: '≥ 0.8×',
      higherIsBetter: true,
    });
  } finally {
    proxy.stop();
    upstream.stop();
  }
  return rows;
}
