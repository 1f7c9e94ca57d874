// Runs a learner's route() through an exercise's checks and records what happened: which
// envelopes went to whom, what was logged, what was thrown and on which line. It only
// observes; grade.ts decides pass or fail.
//
// This compiles the learner's text with the Function constructor, so it must never be
// imported by the page: in the browser only sandbox.worker.ts runs it, inside a Web Worker
// that the page can terminate (run.ts); the unit tests run it in Node. Pure otherwise: no DOM.
import type { Check, Step } from './exercises.ts';

export interface LogLine {
  level: 'log' | 'info' | 'warn' | 'error' | 'debug';
  text: string;
}

/** One envelope the learner sent: the text that would cross the wire, and its parse. */
export interface Delivery {
  to: string;
  text: string;
  /** JSON.parse(text), or undefined when the text is not JSON */
  value?: unknown;
}

export interface CodeError {
  name: string;
  message: string;
  /** 1-based line in the learner's code, when the engine says */
  line?: number;
}

export interface ThrownError extends CodeError {
  /** index into [...setup, send]: which message route() was handling */
  step: number;
}

export interface CheckRun {
  id: string;
  /** what the message under test caused (setup messages' answers are not kept) */
  deliveries: Delivery[];
  error?: ThrownError;
  /** route() returned a promise: whatever it sends after an await comes too late */
  async?: boolean;
  logs: LogLine[];
  /** output or deliveries were cut at their limits */
  truncated?: boolean;
}

export type RunOutcome =
  /** every check ran to its end */
  | { kind: 'ran'; checks: CheckRun[]; logs: LogLine[] }
  /** the code did not compile, threw while loading, or defines no route() */
  | { kind: 'broken'; error: CodeError; logs: LogLine[] }
  /** the watchdog stopped the worker (run.ts); `stuck` is the check it was in, if any */
  | { kind: 'timeout'; ms: number; checks: CheckRun[]; logs: LogLine[]; stuck?: string };

export type Route = (raw: string, ctx: RouteContext) => unknown;

export interface RouteContext {
  client: string;
  reply(envelope: unknown): void;
  send(to: string, envelope: unknown): void;
  topics: Map<string, Set<string>>;
}

/** Limits that keep a chatty or looping program from flooding the page with output. */
export const LIMITS = { logLines: 50, logChars: 500, deliveries: 100 };

/** Lines the Function constructor puts before the body: "function anonymous(console\n) {\n". */
const HEADER_LINES = 2;
const USE_STRICT = "'use strict';"; // on the learner's first line, so line numbers stay theirs

export type Factory = (console: Partial<Console>) => Route | undefined;

/** The learner's 1-based line from a stack frame inside the compiled code, if there is one. */
export function lineFromStack(stack: unknown): number | undefined {
  if (typeof stack !== 'string') return undefined;
  for (const frame of stack.split('\n')) {
    // V8: "at route (eval at compile (…), <anonymous>:5:12)"; only compiled code is <anonymous>:L:C
    const m = /^\s+at .*<anonymous>:(\d+):\d+\)?\s*$/.exec(frame);
    if (m) {
      const line = Number(m[1]) - HEADER_LINES;
      return line >= 1 ? line : undefined;
    }
  }
  return undefined;
}

export function toCodeError(err: unknown): CodeError {
  if (err instanceof Error || (err && typeof err === 'object' && 'message' in err)) {
    const e = err as Error;
    const out: CodeError = { name: String(e.name ?? 'Error'), message: String(e.message ?? '') };
    const line = lineFromStack(e.stack);
    if (line !== undefined) out.line = line;
    return out;
  }
  return { name: 'Error', message: `threw ${formatValue(err)}` };
}

/** Turns the learner's code into a factory; each call runs its top level afresh. */
export function compile(code: string): { ok: true; factory: Factory } | { ok: false; error: CodeError } {
  try {
    // the Function constructor is the point of this module (see the header)
    const fn = new Function('console', `${USE_STRICT}${code}\n;return typeof route === 'function' ? route : undefined;`);
    return { ok: true, factory: fn as Factory };
  } catch (err) {
    // V8 gives no position for a SyntaxError here; run.ts finds the line in a throwaway worker
    return { ok: false, error: toCodeError(err) };
  }
}

export function formatValue(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'function') return `[function ${v.name || 'anonymous'}]`;
  if (typeof v === 'bigint') return `${v}n`;
  if (v === undefined) return 'undefined';
  if (v instanceof Error) return `${v.name}: ${v.message}`;
  if (v instanceof Map) return `Map(${v.size}) ${formatValue([...v.entries()].map(([k, val]) => [k, val instanceof Set ? [...val] : val]))}`;
  if (v instanceof Set) return `Set(${v.size}) ${formatValue([...v])}`;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** Collects console output for whoever is listening now, within LIMITS. */
class Output {
  lines: LogLine[] = [];
  truncated = false;
  readonly console: Partial<Console>;
  constructor() {
    const at = (level: LogLine['level']) => (...args: unknown[]) => this.push(level, args.map(formatValue).join(' '));
    this.console = { log: at('log'), info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') };
  }
  push(level: LogLine['level'], text: string): void {
    if (this.lines.length >= LIMITS.logLines) {
      this.truncated = true;
      return;
    }
    if (text.length > LIMITS.logChars) {
      text = `${text.slice(0, LIMITS.logChars)}…`;
      this.truncated = true;
    }
    this.lines.push({ level, text });
  }
  take(): LogLine[] {
    const l = this.lines;
    this.lines = [];
    return l;
  }
}

function wireText(envelope: unknown): string {
  // what ws.send would put on the wire: strings as they are, objects as JSON
  if (typeof envelope === 'string') return envelope;
  const text = envelope === undefined || typeof envelope === 'function' ? undefined : JSON.stringify(envelope);
  if (text === undefined) throw new TypeError(`send() needs an envelope object, got ${formatValue(envelope)}`);
  return text;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Runs one check with a fresh copy of the learner's program (fresh module state and topics). */
export function runCheck(factory: Factory, check: Check): CheckRun {
  const out = new Output();
  const run: CheckRun = { id: check.id, deliveries: [], logs: [] };
  let route: Route | undefined;
  try {
    route = factory(out.console);
  } catch (err) {
    run.error = { ...toCodeError(err), step: -1 };
  }
  out.take(); // top-level output is shown once, from the load run, not once per check
  const steps: Step[] = [...(check.setup ?? []), check.send];
  const topics = new Map<string, Set<string>>();
  let sink: Delivery[] | null = null;
  for (const [i, step] of steps.entries()) {
    if (!route || run.error) break;
    const last = i === steps.length - 1;
    const sent: Delivery[] = [];
    sink = sent;
    const ctx: RouteContext = {
      client: step.from,
      send(to: string, envelope: unknown) {
        const text = wireText(envelope);
        if (sink !== sent) return; // a callback that outlived its message
        if (sent.length >= LIMITS.deliveries) {
          run.truncated = true;
          return;
        }
        const d: Delivery = { to: String(to), text };
        const value = parse(text);
        if (value !== undefined) d.value = value;
        sent.push(d);
      },
      reply(envelope: unknown) {
        ctx.send(step.from, envelope);
      },
      topics,
    };
    try {
      const result = route(step.raw, ctx);
      if (result && typeof (result as { then?: unknown }).then === 'function') run.async = true;
    } catch (err) {
      run.error = { ...toCodeError(err), step: i };
    }
    if (last) run.deliveries = sent;
  }
  sink = null;
  run.logs = out.take();
  if (out.truncated) run.truncated = true;
  return run;
}

export interface RunHooks {
  /** before each check: the worker reports it so that a timeout can name the stuck check */
  onCheckStart?(id: string): void;
  onCheck?(run: CheckRun): void;
}

/** Compiles, loads once (for top-level errors and output), then runs every check. */
export function runChecks(code: string, checks: Check[], hooks: RunHooks = {}): RunOutcome {
  const compiled = compile(code);
  if (!compiled.ok) return { kind: 'broken', error: compiled.error, logs: [] };
  const out = new Output();
  let route: Route | undefined;
  try {
    route = compiled.factory(out.console);
  } catch (err) {
    return { kind: 'broken', error: toCodeError(err), logs: out.take() };
  }
  const logs = out.take();
  if (typeof route !== 'function') {
    return { kind: 'broken', error: { name: 'ReferenceError', message: 'there is no function named route: define function route(raw, ctx)' }, logs };
  }
  const runs: CheckRun[] = [];
  for (const check of checks) {
    hooks.onCheckStart?.(check.id);
    const run = runCheck(compiled.factory, check);
    hooks.onCheck?.(run);
    runs.push(run);
  }
  return { kind: 'ran', checks: runs, logs };
}
