// `npm run bench`: wslab against bare ws, measured in the same run, printed as one markdown table
// of ratios (the machines are shared and noisy: compare ratios, not absolute numbers).
import { runDecoderBench } from './decoder.ts';
import { runEchoBench } from './echo.ts';
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

const machine = `node ${process.version}, ${(await import('node:os')).cpus().length} cores`;
console.log(`wslab bench — ${new Date().toISOString().slice(0, 10)}, ${machine}\n`);
console.log(renderTable(rows, 'wslab', 'baseline'));
