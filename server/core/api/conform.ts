// The conformance runs of the /conform page: POST /__wslab/conform starts one against a URL, its
// cases arrive one by one on GET /__wslab/conform/:id/stream (NDJSON), DELETE cancels it. The
// request's schema and the shapes the server sends, shared by the server and the page.
import { z } from 'zod';
import type { Summary, Verdict, WireRecord } from '../conform/types.ts';
import type { EventOf } from '../events/schema.ts';

export const MAX_URL_LENGTH = 2048;
export const MAX_PATTERNS = 64;

export const ConformRunRequest = z
  .object({
    url: z
      .string()
      .min(1, 'url must be a ws:// or wss:// URL')
      .max(MAX_URL_LENGTH, `url must be at most ${MAX_URL_LENGTH} characters`),
    /** case patterns as `wslab conform --cases` takes them ("1.*", "6.4.1", "w.*"); default every case */
    cases: z
      .array(z.string().regex(/^[\w.*]{1,32}$/, 'each case pattern is 1-32 characters of letters, digits, "." and "*" (like 1.*, 6.4.1)'))
      .max(MAX_PATTERNS, `at most ${MAX_PATTERNS} case patterns`)
      .optional(),
    /** multiplies the cases' timers, as `wslab conform --time-scale` does (default 1) */
    timeScale: z.number().min(0.1, 'timeScale must be from 0.1 to 20').max(20, 'timeScale must be from 0.1 to 20').optional(),
  })
  .strict();
export type ConformRunRequest = z.infer<typeof ConformRunRequest>;

export type RunStatus = 'running' | 'done' | 'cancelled';

/** One finished case as the page shows it. */
export interface ConformCaseView {
  id: string;
  rfc: string;
  description: string;
  rule: string;
  behavior: Verdict;
  behaviorClose: Verdict;
  /** fails a CI gate (behaviour FAILED or a failing close verdict) */
  failed: boolean;
  expected: string;
  observed: string;
  why: string;
  durationMs: number;
  remoteCloseCode: number | null;
  /** the runner's log: frames either way in one line each, timers, the TCP end */
  wire: WireRecord[];
  /** the case's frames, both ways, as event records (conn = "conform-<id>") */
  frames: EventOf<'frame'>[];
  /** frames past the kept ones */
  framesDropped: number;
}

export interface ConformRunInfo {
  id: string;
  url: string;
  status: RunStatus;
  /** the case ids of the run, in order */
  cases: { id: string; rfc: string; description: string }[];
  done: number;
  summary: Summary;
  /** why the run stopped early, or null */
  stopped: string | null;
  startedAt: number;
}

/** The lines of GET /__wslab/conform/:id/stream. */
export type ConformStreamLine =
  | { type: 'run'; run: ConformRunInfo }
  | { type: 'case'; case: ConformCaseView }
  | { type: 'end'; run: ConformRunInfo };
