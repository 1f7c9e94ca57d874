// Memory under the worst the push labs allow: a wslab server (a child process, --memory-budget 64,
// so that a few dozen clients spend it) with clients that never read on /lab/ticker (size 65536 at 20,000/s) and
// /lab/backpressure (strategy none, capBytes 8 MiB, size 65536 at 20,000/s), enough of them to ask
// for well over the budget. (Loopback sockets that never read also fill the kernel's buffers, up to
// several MiB each, before the server buffers anything: that memory is the kernel's, not the RSS.) The row is the server's peak RSS above its idle RSS (read from /proc)
// against the budget it states: the budget holds when the ratio stays near 1.
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { startChildServer, nonReadingClient } from '../test/helpers/child-server.ts';
import type { BenchRow } from './table.ts';

const MiB = 1024 * 1024;
const BUDGET_MIB = 64;
const TICKERS = 40;
const BACKPRESSURE = 16;
const HOLD_MS = 15_000;

export async function runBudgetBench(): Promise<BenchRow[]> {
  const server = await startChildServer(['--history', '20000', '--memory-budget', String(BUDGET_MIB)]);
  const sockets: Socket[] = [];
  try {
    await new Promise((r) => setTimeout(r, 1500));
    const idle = server.rss();
    const budget = ((await server.health()).json.memory as { budgetBytes: number }).budgetBytes;
    const asked = TICKERS * (1024 * 1024 + 65546) + BACKPRESSURE * 8 * MiB;
    let refused = 0;
    for (let i = 0; i < TICKERS + BACKPRESSURE; i++) {
      const path = i < TICKERS
        ? '/lab/ticker?rate=20000&size=65536'
        : '/lab/backpressure?strategy=none&rate=20000&size=65536&capBytes=8388608&highWater=4194304&lowWater=1048576';
      const c = await nonReadingClient(server.port, path);
      sockets.push(c.socket);
      if (c.status !== 101) refused++;
    }
    let peak = 0;
    let healthMax = 0;
    const until = performance.now() + HOLD_MS;
    while (performance.now() < until) {
      peak = Math.max(peak, server.rss());
      healthMax = Math.max(healthMax, (await server.health()).ms);
      await new Promise((r) => setTimeout(r, 100));
    }
    const mem = (await server.health()).json.memory as { peakBytes: number };
    process.stderr.write(
      `bench budget: ${TICKERS} ticker + ${BACKPRESSURE} backpressure clients asking ${(asked / MiB).toFixed(0)} MiB; idle RSS ${(idle / MiB).toFixed(1)} MiB, ` +
        `peak ${(peak / MiB).toFixed(1)} MiB (+${((peak - idle) / MiB).toFixed(1)}); budget ${(budget / MiB).toFixed(0)} MiB, leased at most ${(mem.peakBytes / MiB).toFixed(1)} MiB; ` +
        `${refused} upgrades refused; slowest health ${healthMax.toFixed(0)} ms; kernel: ${tcpMemory()}\n`,
    );
    return [
      {
        name: `RSS above idle, every push lab at its worst (${TICKERS} ticker + ${BACKPRESSURE} backpressure clients that never read, ${(asked / MiB).toFixed(0)} MiB asked) (baseline: the stated memory budget)`,
        ours: (peak - idle) / MiB,
        theirs: budget / MiB,
        unit: 'MiB',
        target: '≤ 1.25×',
        higherIsBetter: false,
      },
    ];
  } finally {
    for (const s of sockets) s.destroy();
    await server.stop('SIGTERM');
  }
}

/** The kernel's TCP memory in pages, for the record (the sockets' buffers are not the server's RSS). */
function tcpMemory(): string {
  try {
    const m = /TCP: .* mem (\d+)/.exec(readFileSync('/proc/net/sockstat', 'utf8'));
    return m ? `${((Number(m[1]) * 4096) / MiB).toFixed(0)} MiB of TCP buffers` : 'unknown';
  } catch {
    return 'unknown';
  }
}
