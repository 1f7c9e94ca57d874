// `npm run bench`: wslab against bare ws, measured in the same run, printed as one markdown table
// of ratios (the machines are shared and noisy: compare ratios, not absolute numbers).
import { runDecoderBench } from './decoder.ts';
import { runEchoBench } from './echo.ts';
import { runFanoutBench } from './fanout.ts';
import { runGhostBench } from './ghosts.ts';
import { runInspectBench } from './inspect.ts';
import { renderTable, type BenchRow } from './table.ts';

const only = process.argv.slice(2);
const want = (name: string) => only.length === 0 || only.includes(name);
const rows: BenchRow[] = [];

if (want('decoder')) {
  process.stderr.write('bench: decoder vs ws Receiver…\n');
  for (const r of await runDecoderBench()) {
    rows.push({ name: `decode ${r.case} (baseline: ws Receiver)`, ours: r.ours, theirs: r.baseline, unit: r.unit, target: '≥ 1.0×', higherIsBetter: true });
  }
}
if (want('echo')) {
  process.stderr.write('bench: echo through the tapped server (observer attached) vs a bare ws echo server…\n');
  rows.push(...(await runEchoBench()));
}
if (want('inspect')) {
  process.stderr.write('bench: /inspect in headless Chromium under ≥ 20,000 frame events/s…\n');
  rows.push(...(await runInspectBench()));
}
if (want('ghosts')) {
  process.stderr.write('bench: 1,000 ghosts created and reaped three times (memory after vs at the start)…\n');
  rows.push(...(await runGhostBench()));
}

if (want('fanout')) {
  process.stderr.write('bench: fan-out of one message to 10,000 subscribers over 4 nodes (embedded broker, Redis) vs a bare ws send loop…\n');
  rows.push(...(await runFanoutBench()));
}

const machine = `node ${process.version}, ${(await import('node:os')).cpus().length} cores`;
console.log(`wslab bench — ${new Date().toISOString().slice(0, 10)}, ${machine}\n`);
console.log(renderTable(rows, 'wslab', 'baseline'));
