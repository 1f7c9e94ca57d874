// `wslab conform`'s default run (every case: Autobahn's chapters 1-7 and wslab's own) against
// wslab's /lab/echo in its own process, next to a baseline measured in the same run: the same
// cases played by a plain ws client, one connection per case as the runner opens them, each data
// frame sent as a message, each Ping as a ping, each pause slept, then a 1000 close waited for.
// What the baseline cannot send (broken frames, lies about lengths) it leaves out, so the ratio is
// the price of the runner's work per case: raw frames, Autobahn's timers (a case that must be
// failed by the server waits for it), the judging, the wire log.
import WebSocket from 'ws';
import type { BenchRow } from './table.ts';
import { spawnServer } from './echo.ts';
import { CASES } from '../server/core/conform/cases.ts';
import type { ConformCase } from '../server/core/conform/types.ts';
import { parseTarget, runSuite } from '../server/conform/runner.ts';

async function plainCase(url: string, c: ConformCase): Promise<void> {
  const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 16 * 1024 * 1024 });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  ws.on('error', () => {});
  for (const step of c.steps) {
    if (ws.readyState !== WebSocket.OPEN) break;
    if (step.kind === 'frame' && !step.unmasked && step.lengthOverride === undefined && !step.rsv) {
      const payload = step.payload ?? new Uint8Array(0);
      if (step.opcode === 1 || step.opcode === 2) ws.send(payload, { binary: step.opcode === 2, fin: step.fin !== false });
      else if (step.opcode === 0) ws.send(payload, { fin: step.fin !== false });
      else if (step.opcode === 9 && payload.length <= 125) ws.ping(payload);
    } else if (step.kind === 'wait') await new Promise((r) => setTimeout(r, step.seconds * 1000));
  }
  if (ws.readyState === WebSocket.OPEN) ws.close(1000);
  await closed;
}

export async function runConformBench(): Promise<BenchRow[]> {
  const server = await spawnServer('tapped');
  const url = `ws://127.0.0.1:${server.port}/lab/echo`;
  try {
    // warm-up: one short pass of each over chapter 1
    const warm = CASES.filter((c) => c.id.startsWith('1.'));
    await runSuite(parseTarget(url), warm);
    for (const c of warm) await plainCase(url, c).catch(() => {});

    let t = performance.now();
    for (const c of CASES) await plainCase(url, c).catch(() => {});
    const plainSeconds = (performance.now() - t) / 1000;
    t = performance.now();
    const { results } = await runSuite(parseTarget(url), CASES);
    const conformSeconds = (performance.now() - t) / 1000;
    return [
      {
        name: `wslab conform, the default run (${results.length} cases) against /lab/echo (baseline: the same cases' valid frames and pauses through a plain ws client): cases/s`,
        ours: results.length / conformSeconds,
        theirs: CASES.length / plainSeconds,
        unit: 'cases/s',
        target: '≥ 0.5×',
        higherIsBetter: true,
      },
    ];
  } finally {
    server.stop();
  }
}
