// The page's side of the sandbox: starts a fresh worker per run, hands it the code and the
// checks, collects the results as they come, and terminates the worker when it is done or when
// its time is up. The learner's code is never evaluated on the page's own thread; this file
// only imports types from sandbox.ts, so the Function constructor does not even ship here.
import type { Check } from './exercises.ts';
import type { CheckRun, CodeError, Delivery, LogLine, RunOutcome, ThrownError } from './sandbox.ts';
import type { FromSandbox, ToSandbox } from './sandbox.worker.ts';

/** How long the learner's code may run, all checks together. They take milliseconds. */
export const TIMEOUT_MS = 2000;
/** How long the worker's own script may take to load before the clock above starts. */
const START_MS = 15_000;

// What comes out of the worker is shaped by whatever the learner's code did there (it can call
// postMessage itself), so it is rebuilt field by field into the shapes the grader expects;
// anything else is dropped rather than allowed to break the page.
const str = (v: unknown, max = 2000): string => (typeof v === 'string' ? v : String(v ?? '')).slice(0, max);
const arr = (v: unknown, max: number): unknown[] => (Array.isArray(v) ? v.slice(0, max) : []);
const LEVELS = new Set(['log', 'info', 'warn', 'error', 'debug']);

function cleanLogs(v: unknown): LogLine[] {
  return arr(v, 100).map((l) => {
    const o = (l ?? {}) as Record<string, unknown>;
    return { level: (LEVELS.has(o.level as string) ? o.level : 'log') as LogLine['level'], text: str(o.text) };
  });
}

function cleanError(v: unknown): CodeError {
  const o = (v ?? {}) as Record<string, unknown>;
  const e: CodeError = { name: str(o.name, 100) || 'Error', message: str(o.message) };
  if (typeof o.line === 'number' && Number.isInteger(o.line) && o.line > 0) e.line = o.line;
  return e;
}

export function cleanRun(v: unknown): CheckRun | null {
  if (!v || typeof v !== 'object') return null;
  const o = v as Record<string, unknown>;
  if (typeof o.id !== 'string') return null;
  const deliveries: Delivery[] = arr(o.deliveries, 200).map((d) => {
    const x = (d ?? {}) as Record<string, unknown>;
    const out: Delivery = { to: str(x.to, 200), text: str(x.text, 20_000) };
    // parsed again here from the text rather than trusted as sent
    try {
      out.value = JSON.parse(out.text);
    } catch {
      // not JSON: the grader shows the text
    }
    return out;
  });
  const run: CheckRun = { id: o.id, deliveries, logs: cleanLogs(o.logs) };
  if (o.error) run.error = { ...cleanError(o.error), step: typeof (o.error as ThrownError).step === 'number' ? (o.error as ThrownError).step : -1 };
  if (o.async === true) run.async = true;
  if (o.truncated === true) run.truncated = true;
  return run;
}

export interface RunOptions {
  timeoutMs?: number;
}

export function runInWorker(code: string, checks: Check[], { timeoutMs = TIMEOUT_MS }: RunOptions = {}): Promise<RunOutcome> {
  return new Promise((resolve) => {
    const worker = new Worker(new URL('./sandbox.worker.ts', import.meta.url), { type: 'module', name: 'wslab-sandbox' });
    const runs: CheckRun[] = [];
    let current: string | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let settled = false;
    const finish = (outcome: RunOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      worker.terminate();
      resolve(outcome);
    };
    const broken = (error: CodeError) => finish({ kind: 'broken', error, logs: [] });
    const clock = (ms: number, expire: () => void) => {
      clearTimeout(timer);
      timer = setTimeout(expire, ms);
    };
    // Until the worker says it started, the clock measures fetching its script, not the code.
    clock(START_MS, () => broken({ name: 'Error', message: 'the code runner did not start; reload the page and try again' }));
    worker.onmessage = (e: MessageEvent<FromSandbox>) => {
      const m = e.data;
      switch (m?.type) {
        case 'started':
          clock(timeoutMs, () => finish({ kind: 'timeout', ms: timeoutMs, checks: runs, logs: [], stuck: current }));
          break;
        case 'check-start':
          current = str(m.id, 200);
          break;
        case 'check': {
          const run = cleanRun(m.run);
          if (run) runs.push(run);
          current = undefined;
          break;
        }
        case 'done':
          finish({ kind: 'ran', checks: runs, logs: cleanLogs(m.logs) });
          break;
        case 'broken':
          finish({ kind: 'broken', error: cleanError(m.error), logs: cleanLogs(m.logs) });
          break;
      }
    };
    worker.onerror = (e) => {
      e.preventDefault();
      broken({ name: 'Error', message: e.message || 'the code runner failed to load' });
    };
    worker.postMessage({ type: 'run', code, checks } satisfies ToSandbox);
  });
}

/**
 * Where a SyntaxError is. The Function constructor that compiles the code in the sandbox does
 * not say; a classic worker whose script fails to parse does, in its error event's lineno. The
 * code goes inside a function expression that is never called, so nothing of it runs, and the
 * worker is terminated either way.
 */
export function locateSyntaxError(code: string, ms = TIMEOUT_MS): Promise<number | undefined> {
  return new Promise((resolve) => {
    // the same 'use strict' prefix on the same line as sandbox.ts, so the lines are the learner's
    const src = `(function () {'use strict';${code}\n});\npostMessage(0);\n`;
    const url = URL.createObjectURL(new Blob([src], { type: 'text/javascript' }));
    const worker = new Worker(url, { name: 'wslab-syntax' });
    const lines = code.split('\n').length;
    const done = (line?: number) => {
      clearTimeout(timer);
      worker.terminate();
      URL.revokeObjectURL(url);
      resolve(line);
    };
    const timer = setTimeout(() => done(undefined), ms);
    worker.onmessage = () => done(undefined);
    worker.onerror = (e) => {
      e.preventDefault();
      // an unclosed brace is reported past the end: point at the last line instead
      done(e.lineno > 0 ? Math.min(e.lineno, lines) : undefined);
    };
  });
}

/** Runs the code and, for a SyntaxError without a position, finds its line. */
export async function runCode(code: string, checks: Check[], opts?: RunOptions): Promise<RunOutcome> {
  const outcome = await runInWorker(code, checks, opts);
  if (outcome.kind === 'broken' && outcome.error.name === 'SyntaxError' && outcome.error.line === undefined) {
    const line = await locateSyntaxError(code);
    if (line !== undefined) return { ...outcome, error: { ...outcome.error, line } };
  }
  return outcome;
}
