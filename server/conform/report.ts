// The outputs of `wslab conform`: one NDJSON object per case, a readable table line per case, and
// Autobahn-format reports (index.json keyed by agent and case, one JSON file per case) so that CI
// gates written for Autobahn's fuzzingclient read wslab's reports unchanged.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { caseFailed, summarize } from '../core/conform/verdict.ts';
import { CASES } from '../core/conform/cases.ts';
import type { CaseResult, Observed, Summary } from '../core/conform/types.ts';

/** The NDJSON object of one case (the public shape `--json` prints). */
export function caseJson(r: CaseResult): Record<string, unknown> {
  return {
    id: r.id,
    behavior: r.behavior,
    behaviorClose: r.behaviorClose,
    expected: r.expected,
    observed: r.observed,
    rfc: r.rfc,
    why: r.why,
    durationMs: r.durationMs,
    remoteCloseCode: r.close.remoteCloseCode,
  };
}

/** Autobahn's ids come first; wslab's own chapter (w.*) is counted apart. */
export function isOwnCase(id: string): boolean {
  return id.startsWith('w.');
}

export function summaryJson(results: readonly CaseResult[]): { summary: Summary; autobahn: Summary; wslab: Summary } {
  return {
    summary: summarize(results),
    autobahn: summarize(results.filter((r) => !isOwnCase(r.id))),
    wslab: summarize(results.filter((r) => isOwnCase(r.id))),
  };
}

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));

/** One line per case (and the reason, indented, when it did not pass cleanly). */
export function tableLines(r: CaseResult, color: boolean): string[] {
  const failed = caseFailed(r);
  const paint = (code: string, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const verdictColor = failed ? '31' : r.behavior === 'OK' && r.behaviorClose === 'OK' ? '32' : '33';
  const lines = [`${pad(r.id, 9)} ${paint(verdictColor, pad(r.behavior, 14))} ${pad(r.behaviorClose, 17)} ${pad(`${r.durationMs} ms`, 8)} §${pad(r.rfc, 6)} ${r.description}`];
  if (failed || r.behavior !== 'OK' || r.behaviorClose !== 'OK') lines.push(`          ${paint('90', r.why)}`);
  return lines;
}

export const TABLE_HEADER = `${pad('case', 9)} ${pad('behaviour', 14)} ${pad('close', 17)} ${pad('time', 8)} ${pad('RFC', 7)} what`;

export function summaryLines(results: readonly CaseResult[]): string[] {
  const s = summaryJson(results);
  const fmt = (x: Summary) => Object.entries(x).map(([k, v]) => `${v} ${k}`).join(', ');
  const failedIds = results.filter(caseFailed).map((r) => r.id);
  const lines = [`Autobahn cases: ${fmt(s.autobahn)}`, `wslab's own cases (w.*): ${fmt(s.wslab)}`];
  lines.push(failedIds.length ? `${failedIds.length} case${failedIds.length === 1 ? '' : 's'} failed: ${failedIds.join(', ')}` : 'No case failed.');
  return lines;
}

/** Autobahn's cleanForFilename: lower case, [a-z0-9] kept, runs of anything else become one "_". */
export function cleanForFilename(s: string): string {
  return s.trim().toLowerCase().replace(/[^abcdefghjiklmnopqrstuvwxyz0123456789]/g, ' ').trim().replace(/ /g, '_');
}

export function caseReportFilename(agent: string, id: string): string {
  return `${cleanForFilename(agent)}_case_${id.replace(/\./g, '_')}.json`;
}

/** Autobahn keeps received payloads as text (binary as hex); so does this report. */
function autobahnEvent(e: Observed): unknown[] {
  const data = (p: Uint8Array) => (p.every((b) => b >= 0x20 && b < 0x7f) ? new TextDecoder().decode(p) : '0x' + Buffer.from(p).toString('hex'));
  switch (e.type) {
    case 'message':
      return ['message', e.payload.length > 1024 ? `${data(e.payload.subarray(0, 1024))} … (${e.payload.length} bytes)` : data(e.payload), e.binary];
    case 'ping':
    case 'pong':
      return [e.type, data(e.payload)];
    case 'timeout':
      return ['timeout', e.tag];
  }
}

/** Writes index.json and one JSON file per case into `dir` (created if needed). Returns the index's path. */
export function writeAutobahnReports(dir: string, agent: string, results: readonly CaseResult[], options: { isServer?: boolean } = {}): string {
  mkdirSync(dir, { recursive: true });
  const index: Record<string, Record<string, unknown>> = { [agent]: {} };
  const order = new Map(CASES.map((c, i) => [c.id, i + 1]));
  for (const r of results) {
    const reportfile = caseReportFilename(agent, r.id);
    const c = CASES.find((x) => x.id === r.id);
    index[agent][r.id] = { behavior: r.behavior, behaviorClose: r.behaviorClose, remoteCloseCode: r.close.remoteCloseCode, duration: r.durationMs, reportfile };
    const report = {
      agent,
      case: order.get(r.id) ?? 0,
      id: r.id,
      description: r.description,
      expectation: r.expectation,
      rfc: r.rfc,
      why: r.why,
      behavior: r.behavior,
      behaviorClose: r.behaviorClose,
      duration: r.durationMs,
      expected: Object.fromEntries(Object.entries(c?.expected ?? {}).map(([k, list]) => [k, list!.map(autobahnEvent)])),
      expectedClose: c?.expectedClose ?? null,
      received: r.received.map(autobahnEvent),
      result: r.expected,
      resultClose: r.observed,
      closedByMe: r.close.closedByMe,
      failedByMe: r.close.failedByMe,
      droppedByMe: r.close.droppedByMe,
      wasClean: r.close.wasClean,
      wasNotCleanReason: r.close.notCleanReason,
      localCloseCode: r.close.localCloseCode,
      remoteCloseCode: r.close.remoteCloseCode,
      remoteCloseReason: r.close.remoteCloseReason,
      isServer: options.isServer === true,
      wirelog: r.wire,
    };
    writeFileSync(join(dir, reportfile), JSON.stringify(report, null, 3) + '\n');
  }
  const path = join(dir, 'index.json');
  writeFileSync(path, JSON.stringify(index, null, 3) + '\n');
  return path;
}
