// Runs one bench section in this process and prints its rows as JSON on the last line of stdout.
// bench/index.ts starts each section in a fresh process, so no section inherits another's heap,
// JIT state or leftover sockets (on a 2-core machine those alone moved results by 3x).
import type { BenchRow } from './table.ts';

const SECTIONS: Record<string, () => Promise<BenchRow[]>> = {
  decoder: async () => {
    const { runDecoderBench } = await import('./decoder.ts');
    return (await runDecoderBench()).map((r) => ({
      name: `decode ${r.case} (baseline: ws Receiver)`,
      ours: r.ours,
      theirs: r.baseline,
      unit: r.unit,
      target: '≥ 1.0×',
      higherIsBetter: true,
    }));
  },
  echo: async () => (await import('./echo.ts')).runEchoBench(),
  inspect: async () => (await import('./inspect.ts')).runInspectBench(),
  ghosts: async () => (await import('./ghosts.ts')).runGhostBench(),
  fanout: async () => (await import('./fanout.ts')).runFanoutBench(),
  budget: async () => (await import('./budget.ts')).runBudgetBench(),
  pageweight: async () => (await import('./pageweight.ts')).runPageWeightBench(),
  proxy: async () => (await import('./proxy.ts')).runProxyBench(),
  intercept: async () => (await import('./intercept.ts')).runInterceptBench(),
  room: async () => (await import('./room.ts')).runRoomBench(),
  conform: async () => (await import('./conform.ts')).runConformBench(),
};

export const SECTION_NAMES = Object.keys(SECTIONS);

const name = process.argv[2];
if (name !== undefined) {
  const run = SECTIONS[name];
  if (!run) {
    process.stderr.write(`bench: no section "${name}"; sections: ${SECTION_NAMES.join(', ')}\n`);
    process.exit(2);
  }
  const rows = await run();
  process.stdout.write(`\n${JSON.stringify(rows)}\n`);
  process.exit(0);
}
