// The learner's code runs here, never on the page: a dedicated worker has no DOM, and the page
// can terminate it at any moment (run.ts does after its time budget, so an infinite loop costs
// one worker, not the tab). One worker serves one run and is thrown away after it, so nothing a
// program leaves behind in the worker's globals reaches the next run.
/// <reference lib="webworker" />
import type { Check } from './exercises.ts';
import { runChecks, type CheckRun, type CodeError, type LogLine } from './sandbox.ts';

export type ToSandbox = { type: 'run'; code: string; checks: Check[] };
export type FromSandbox =
  | { type: 'started' }
  | { type: 'check-start'; id: string }
  | { type: 'check'; run: CheckRun }
  | { type: 'done'; logs: LogLine[] }
  | { type: 'broken'; error: CodeError; logs: LogLine[] };

const scope = self as unknown as DedicatedWorkerGlobalScope;
// Taken before any learner code runs: a program that reassigns postMessage cannot cut the line.
const post = scope.postMessage.bind(scope) as (m: FromSandbox) => void;

scope.onmessage = (e: MessageEvent<ToSandbox>) => {
  if (e.data?.type !== 'run') return;
  post({ type: 'started' });
  const outcome = runChecks(e.data.code, e.data.checks, {
    onCheckStart: (id) => post({ type: 'check-start', id }),
    onCheck: (run) => post({ type: 'check', run }),
  });
  if (outcome.kind === 'broken') post({ type: 'broken', error: outcome.error, logs: outcome.logs });
  else post({ type: 'done', logs: outcome.logs });
};
