// Echo through `wslab proxy` with an intercept rule in force that matches nothing (so every
// connection is carried as two WebSocket sessions and every message is run through the rule's RE2
// pattern, then forwarded unchanged) next to the plain proxy (the byte-for-byte relay) to the same
// upstream, measured in the same run: rounds taken in turn, the median of each. Every party is a
// process of its own (bench/echo.ts's servers); this process only generates load.
import WebSocket from 'ws';
import type { BenchRow } from './table.ts';
import { echoLoad, median, spawnServer, type LoadRun, type ServerProc } from './echo.ts';

const ROUNDS = 5;
/** unanchored, so RE2 reads each whole 1 KiB payload; the bench's payloads are all "a" */
const PASS_THROUGH_RULE = { dir: 'c2s', match: 'secret', action: 'drop' };

async function api(server: ServerProc, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`http://127.0.0.1:${server.port}${path}`, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!res.ok) throw new Error(`bench: ${method} ${path} answered ${res.status}: ${await res.text()}`);
  return res.json();
}

/** True when a connection opened now through `server` is carried as an intercepted pair. */
async function intercepts(server: ServerProc): Promise<boolean> {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/check`, { perMessageDeflate: false });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const listing = await api(server, 'GET', '/__wslab/intercept');
  await new Promise((r) => {
    ws.once('close', r);
    ws.close();
  });
  return listing.connections.length === 1;
}

export async function runInterceptBench(options: { seconds?: number; clients?: number } = {}): Promise<BenchRow[]> {
  const seconds = options.seconds ?? 3;
  const clients = options.clients ?? 100;
  const upstream = await spawnServer('bare');
  const plain = await spawnServer('proxy', String(upstream.port));
  const ruled = await spawnServer('proxy', String(upstream.port));
  try {
    await api(ruled, 'POST', '/__wslab/intercept', PASS_THROUGH_RULE);
    if (!(await intercepts(ruled)) || (await intercepts(plain))) throw new Error('bench: the ruled proxy does not intercept, or the plain one does');
    await echoLoad(plain, '/', clients, 1024, 1);
    await echoLoad(ruled, '/', clients, 1024, 1);
    const relayed: LoadRun[] = [];
    const intercepted: LoadRun[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      relayed.push(await echoLoad(plain, '/', clients, 1024, seconds));
      intercepted.push(await echoLoad(ruled, '/', clients, 1024, seconds));
    }
    const { rules } = await api(ruled, 'GET', '/__wslab/intercept');
    if (rules[0].hits !== 0) throw new Error(`bench: the pass-through rule acted on ${rules[0].hits} messages`);
    process.stderr.write(`bench: intercepted/relayed ratio per round: ${intercepted.map((r, i) => (r.rate / relayed[i].rate).toFixed(2)).join(', ')}\n`);
    return [
      {
        name: `echo 1 KiB, ${clients} clients, through wslab proxy with a pass-through intercept rule (two sessions, RE2 on every message; baseline: the plain proxy's byte relay): round trips/s`,
        ours: median(intercepted.map((r) => r.rate)),
        theirs: median(relayed.map((r) => r.rate)),
        unit: 'rt/s',
        target: '(shown for comparison)',
        higherIsBetter: true,
      },
      {
        name: `echo 1 KiB through wslab proxy with a pass-through intercept rule: the proxy's CPU per round trip (baseline: the plain proxy's)`,
        ours: median(intercepted.map((r) => r.cpuUs)),
        theirs: median(relayed.map((r) => r.cpuUs)),
        unit: 'µs',
        target: '(shown for comparison)',
        higherIsBetter: false,
      },
    ];
  } finally {
    plain.stop();
    ruled.stop();
    upstream.stop();
  }
}
