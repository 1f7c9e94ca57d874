// `npm run bench [section...]`: wslab against bare ws, measured in the same run, printed as one
// markdown table of ratios (the machines are shared and noisy: compare ratios, not absolute
// numbers). Each section runs in a fresh process (bench/section.ts).
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../server/paths.ts';
import { renderTable, type BenchRow } from './table.ts';

const SECTIONS: Record<string, string> = {
  decoder: 'decoder vs ws Receiver',
  echo: 'echo through the tapped server (observer attached) vs a bare ws echo server',
  inspect: '/inspect in headless Chromium under ≥ 20,000 frame events/s',
  ghosts: '1,000 ghosts created and reaped three times (memory after vs at the start)',
  fanout: 'fan-out of one message to 10,000 subscribers over 4 nodes (embedded broker, Redis) vs a bare ws send loop',
  budget: 'RSS with every push lab at its worst (clients that never read, at the caps) vs the stated memory budget',
  room: 'a workshop room of 50 and 200 participants for 30 s (BENCH_ROOM=50,200,500 for the README table): streams opened as the participant page opens them',
  pageweight: 'cold loads of /lessons, /inspect and /playground in Chromium: bytes transferred vs the same responses uncompressed',
  proxy: 'echo through wslab proxy (tapped, observer attached) vs the same ws upstream reached directly',
  intercept: 'echo through wslab proxy with a pass-through intercept rule (two sessions) vs the plain proxy to the same upstream',
  conform: 'wslab conform, the default run against /lab/echo, vs the same cases through a plain ws client',
};

const asked = process.argv.slice(2);
const unknown = asked.filter((s) => !(s in SECTIONS));
if (unknown.length) {
  process.stderr.write(`bench: unknown section ${unknown.join(', ')}; sections: ${Object.keys(SECTIONS).join(', ')}\n`);
  process.exit(2);
}
const rows: BenchRow[] = [];
let failed = false;
for (const [name, what] of Object.entries(SECTIONS)) {
  if (asked.length && !asked.includes(name)) continue;
  process.stderr.write(`bench: ${what}…\n`);
  const run = spawnSync(process.execPath, [join(ROOT, 'bin', 'run-ts.js'), join(ROOT, 'bench', 'section.ts'), name], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  const last = run.stdout.trim().split('\n').at(-1) ?? '';
  if (run.status !== 0 || !last.startsWith('[')) {
    process.stderr.write(`bench: section ${name} failed (exit ${run.status})\n${run.stdout}\n`);
    failed = true;
    continue;
  }
  rows.push(...(JSON.parse(last) as BenchRow[]));
}

console.log(`wslab bench — ${new Date().toISOString().slice(0, 10)}, node ${process.version}, ${cpus().length} cores\n`);
console.log(renderTable(rows, 'wslab', 'baseline'));
if (failed) process.exitCode = 1;
