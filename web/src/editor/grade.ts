// Grades a run (sandbox.ts, in the worker or in Node) against the exercise's checks: each check
// passes or fails with sentences that say what was expected and what came instead. Pure data
// in, data out; the page shows the sentences as text.
import type { Check, Exercise, Expected } from './exercises.ts';
import type { CheckRun, CodeError, Delivery, LogLine, RunOutcome, ThrownError } from './sandbox.ts';

export type CheckStatus = 'pass' | 'fail' | 'not-run';

export interface CheckResult {
  id: string;
  title: string;
  status: CheckStatus;
  /** empty when it passes */
  problems: string[];
  why: string;
  logs: LogLine[];
  error?: ThrownError;
}

export interface Grade {
  checks: CheckResult[];
  passed: number;
  total: number;
  allPassed: boolean;
  /** trouble with the whole run: the code did not compile or load, or it timed out */
  banner?: string;
  /** the line to mark in the editor: the compile error's, else the first thrown error's */
  line?: number;
  /** output of the code's top level */
  logs: LogLine[];
}

const MAX_SHOWN = 160;

function clip(s: string): string {
  return s.length > MAX_SHOWN ? `${s.slice(0, MAX_SHOWN)}…` : s;
}

export function describeError(e: CodeError): string {
  return `${e.name}: ${e.message}${e.line !== undefined ? ` (line ${e.line})` : ''}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Structural equality for JSON values (key order does not matter). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

export function matches(d: Delivery, e: Expected): boolean {
  if (!isObject(d.value) || d.value.type !== e.type) return false;
  if (!e.payload) return true;
  const p = d.value.payload;
  return isObject(p) && Object.entries(e.payload).every(([k, v]) => Object.hasOwn(p, k) && jsonEqual(p[k], v));
}

export function showExpected(e: Expected): string {
  return e.payload ? `${e.type} ${JSON.stringify(e.payload)}` : e.type;
}

/** How a delivery reads in a sentence: "error {…}" for an envelope, else the JSON or the text. */
export function showDelivery(d: Delivery): string {
  const v = d.value;
  if (isObject(v) && typeof v.type === 'string' && v.payload !== undefined) return clip(`${v.type} ${JSON.stringify(v.payload)}`);
  if (v !== undefined) return clip(JSON.stringify(v));
  return clip(`the text ${JSON.stringify(d.text)}`);
}

function stepOf(check: Check, i: number) {
  return [...(check.setup ?? []), check.send][i];
}

function thrownProblem(check: Check, e: ThrownError): string {
  if (e.step < 0) return `your code threw while loading: ${describeError(e)}`;
  const step = stepOf(check, e.step);
  return `route threw ${describeError(e)} on ${step.from}'s message ${clip(step.raw)}: a throw here would drop the connection, answer with an error envelope instead`;
}

/** Compares what the message under test caused with what the check expects, per recipient. */
export function compareDeliveries(expected: Expected[], got: Delivery[]): string[] {
  const problems: string[] = [];
  const recipients = [...new Set([...expected.map((e) => e.to), ...got.map((d) => d.to)])];
  for (const to of recipients) {
    const want = expected.filter((e) => e.to === to);
    const left = got.filter((d) => d.to === to);
    // pair exact matches first, in any order: only what is left over is wrong
    const missing: Expected[] = [];
    for (const e of want) {
      const i = left.findIndex((d) => matches(d, e));
      if (i >= 0) left.splice(i, 1);
      else missing.push(e);
    }
    for (const e of missing) {
      // show the nearest thing that did arrive: one of the same type, else anything
      let i = left.findIndex((d) => isObject(d.value) && d.value.type === e.type);
      if (i < 0 && left.length > 0) i = 0;
      const instead = i >= 0 ? showDelivery(left.splice(i, 1)[0]) : 'nothing';
      problems.push(`${to} should receive ${showExpected(e)}, got ${instead}`);
    }
    for (const d of left) {
      problems.push(want.length > 0 ? `${to} got an extra message: ${showDelivery(d)}` : `${to} should receive nothing, got ${showDelivery(d)}`);
    }
  }
  return problems;
}

export function gradeCheck(check: Check, run: CheckRun): CheckResult {
  const base = { id: check.id, title: check.title, why: check.why, logs: run.logs };
  const problems = run.error ? [thrownProblem(check, run.error)] : compareDeliveries(check.expect, run.deliveries);
  if (problems.length > 0 && run.async) {
    problems.push('route returned a Promise: what it sends after an await comes too late, make route a plain function');
  }
  const result: CheckResult = { ...base, status: problems.length === 0 ? 'pass' : 'fail', problems };
  if (run.error) result.error = run.error;
  return result;
}

function notRun(check: Check, problem: string): CheckResult {
  return { id: check.id, title: check.title, why: check.why, logs: [], status: 'not-run', problems: [problem] };
}

function summarize(checks: CheckResult[], logs: LogLine[], extra: Partial<Grade> = {}): Grade {
  const passed = checks.filter((c) => c.status === 'pass').length;
  const line = extra.line ?? checks.find((c) => c.error?.line !== undefined)?.error?.line;
  const grade: Grade = { checks, passed, total: checks.length, allPassed: passed === checks.length && !extra.banner, logs, ...extra };
  if (line !== undefined) grade.line = line;
  return grade;
}

export function grade(exercise: Exercise, outcome: RunOutcome): Grade {
  const { checks } = exercise;
  if (outcome.kind === 'broken') {
    const grade = summarize(
      checks.map((c) => notRun(c, 'not run: fix the error above first')),
      outcome.logs,
      { banner: `Your code did not run: ${describeError(outcome.error)}` },
    );
    if (outcome.error.line !== undefined) grade.line = outcome.error.line;
    return grade;
  }
  const runs = new Map(outcome.checks.map((r) => [r.id, r]));
  if (outcome.kind === 'ran') {
    return summarize(
      checks.map((c) => {
        const run = runs.get(c.id);
        return run ? gradeCheck(c, run) : notRun(c, 'not run');
      }),
      outcome.logs,
    );
  }
  const secs = `${outcome.ms / 1000} s`;
  const stuck = checks.find((c) => c.id === outcome.stuck);
  const banner = stuck
    ? `Stopped after ${secs}: route never returned in the check "${stuck.title}" (an infinite loop?). The worker running your code was terminated; the page was never blocked.`
    : `Stopped after ${secs}: your code never finished loading (an infinite loop at the top level?). The worker running it was terminated; the page was never blocked.`;
  return summarize(
    checks.map((c) => {
      const run = runs.get(c.id);
      if (run) return gradeCheck(c, run);
      // the stuck check failed for a reason of its own: its usual "why" would mislead
      return c === stuck ? { ...notRun(c, `did not finish within ${secs}`), status: 'fail' as const, why: '' } : notRun(c, 'not run: the run was stopped');
    }),
    outcome.logs,
    { banner },
  );
}
