// One row of `npm run bench`: our figure next to the baseline's, measured in the same run.
export interface BenchRow {
  name: string;
  ours: number;
  theirs: number;
  unit: string;
  /** the goal for ours/theirs, as text, e.g. "≥ 1.0×" */
  target: string;
  higherIsBetter: boolean;
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString('en-US');
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

/** A markdown table: the README keeps the latest one. */
export function renderTable(rows: BenchRow[], oursName = 'wslab', theirsName = 'baseline'): string {
  const lines = [
    `| measure | ${oursName} | ${theirsName} | ratio | target |`,
    '|---|---:|---:|---:|---|',
    // a baseline not measured in this run (NaN, which JSON carries as null) reads as such
    ...rows.map((r) =>
      r.theirs === null || Number.isNaN(r.theirs)
        ? `| ${r.name} | ${fmt(r.ours)} ${r.unit} | not run | — | ${r.target} |`
        : `| ${r.name} | ${fmt(r.ours)} ${r.unit} | ${fmt(r.theirs)} ${r.unit} | ${(r.ours / r.theirs).toFixed(2)}× | ${r.target} |`,
    ),
  ];
  return lines.join('\n');
}
