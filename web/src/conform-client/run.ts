// The browser as the client under test: runs this browser's own WebSocket through the served
// cases on this server (/__wslab/conform/serve, the Autobahn fuzzingserver convention: connect to
// /runCase?case=N&agent=A and echo every message back), then asks for each case's verdict.
import { CASES } from '../../../server/core/conform/cases.ts';
import { servedCases, servedCaseWords } from '../../../server/core/conform/serve.ts';
import type { Verdict } from '../../../server/core/conform/types.ts';

export const SERVE_PATH = '/__wslab/conform/serve';

export interface ServedCaseInfo {
  /** the case number the server knows it by (1-based) */
  n: number;
  id: string;
  chapter: string;
  rfc: string;
  description: string;
  rule: string;
}

/** The cases the server runs, numbered as it numbers them. */
export const SERVED: readonly ServedCaseInfo[] = servedCases(CASES).map((c, i) => ({
  n: i + 1,
  id: c.id,
  chapter: c.id.split('.')[0],
  rfc: c.rfc,
  ...servedCaseWords(c),
}));

export const CHAPTERS: readonly { id: string; title: string }[] = [
  { id: '1', title: 'Framing' },
  { id: '2', title: 'Pings and Pongs' },
  { id: '3', title: 'Reserved bits' },
  { id: '4', title: 'Opcodes' },
  { id: '5', title: 'Fragmentation' },
  { id: '6', title: 'UTF-8' },
  { id: '7', title: 'Close handling' },
];

export interface ServedResult {
  n: number;
  id: string;
  rfc: string;
  description: string;
  behavior: Verdict;
  behaviorClose: Verdict;
  expected: string;
  observed: string;
  why: string;
  durationMs: number;
  remoteCloseCode: number | null;
  wire: { t: number; dir: 'tx' | 'rx' | 'note'; text: string }[];
}

export function wsBase(): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${SERVE_PATH}`;
}

/** Runs case `n` with this browser's WebSocket, echoing every message; resolves when it closed. */
export function runOne(n: number, agent: string): Promise<void> {
  return new Promise((resolve) => {
    let ws: WebSocket;
    try {
      ws = new WebSocket(`${wsBase()}/runCase?case=${n}&agent=${encodeURIComponent(agent)}`);
    } catch {
      resolve();
      return;
    }
    ws.binaryType = 'arraybuffer';
    ws.onmessage = (e: MessageEvent<string | ArrayBuffer>) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(e.data);
    };
    ws.onclose = () => resolve();
  });
}

/** Waits until the server has judged case `n` (its /getCaseStatus answers only then). */
export function caseJudged(n: number, agent: string): Promise<void> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${wsBase()}/getCaseStatus?case=${n}&agent=${encodeURIComponent(agent)}`);
    ws.onclose = () => resolve();
  });
}

/** A name for this run's results: the browser and a random suffix, so two tabs never mix. */
export function newAgent(): string {
  const ua = navigator.userAgent;
  const m = /(Firefox|Edg|Chrome|Safari)\/(\d+)/.exec(ua);
  const name = m ? `${m[1] === 'Edg' ? 'Edge' : m[1]} ${m[2]}` : 'browser';
  return `${name} ${Math.random().toString(36).slice(2, 8)}`;
}
