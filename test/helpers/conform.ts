// What the conformance tests share: a ws echo server to test, running cases against a URL, the
// Autobahn client convention against `--serve`, the `wslab` command as a child, and the verdicts
// read back in the forms the tests assert.
import { expect } from 'vitest';
import WebSocket, { WebSocketServer, type PerMessageDeflateOptions } from 'ws';
import { caseFailed } from '../../server/core/conform/verdict.ts';
import type { CaseResult, ConformCase } from '../../server/core/conform/types.ts';
import { parseTarget, runSuite, type RunOptions } from '../../server/conform/runner.ts';
export { runWslab, type CliRun } from './cli.ts';

/** Case ids, in order. */
export const ids = (rs: readonly { id: string }[]): string[] => rs.map((r) => r.id);

/** The cases that did not get OK/OK, by id: [behaviour, close verdict]. */
export function notPlainOk(results: readonly CaseResult[]): Record<string, [string, string]> {
  return Object.fromEntries(results.filter((r) => r.behavior !== 'OK' || r.behaviorClose !== 'OK').map((r) => [r.id, [r.behavior, r.behaviorClose]]));
}

/** The ids of the cases that fail a CI gate. */
export function failedIds(results: readonly CaseResult[]): string[] {
  return results.filter(caseFailed).map((r) => r.id);
}

/**
 * What a correct echo peer that checks UTF-8 only once a message is complete (ws, wslab's lab) gets
 * in chapters 1-7 besides OK/OK: 6.4.x NON-STRICT, 7.1.6 and 7.13.x INFORMATIONAL.
 */
export const ECHO_NOT_PLAIN_OK: Readonly<Record<string, [string, string]>> = {
  '6.4.1': ['NON-STRICT', 'OK'],
  '6.4.2': ['NON-STRICT', 'OK'],
  '6.4.3': ['NON-STRICT', 'OK'],
  '6.4.4': ['NON-STRICT', 'OK'],
  '7.1.6': ['INFORMATIONAL', 'INFORMATIONAL'],
  '7.13.1': ['INFORMATIONAL', 'INFORMATIONAL'],
  '7.13.2': ['INFORMATIONAL', 'INFORMATIONAL'],
};

export interface EchoTarget {
  url: string;
  close(): Promise<void>;
}

/** The ws library's echo server on 127.0.0.1, with or without permessage-deflate. */
export async function startWsEcho(perMessageDeflate: boolean | PerMessageDeflateOptions = false): Promise<EchoTarget> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate, maxPayload: 64 * 1024 * 1024 });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  wss.on('connection', (ws) => {
    ws.on('error', () => {});
    ws.on('message', (data, isBinary) => ws.send(data as Buffer, { binary: isBinary }));
  });
  return {
    url: `ws://127.0.0.1:${(wss.address() as { port: number }).port}/`,
    close: () => new Promise<void>((resolve) => wss.close(() => resolve())),
  };
}

/** Runs `cases` against `url` one after another and checks each was judged, in order. */
export async function runCases(url: string, cases: readonly ConformCase[], options: RunOptions): Promise<CaseResult[]> {
  const { results } = await runSuite(parseTarget(url), cases, undefined, options);
  expect(ids(results)).toEqual(ids(cases));
  return results;
}

/** Opens one `--serve` endpoint; resolves with the text messages it sent and the close code. */
export function askServe(url: string, options: WebSocket.ClientOptions = {}): Promise<{ messages: string[]; code: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    const messages: string[] = [];
    ws.on('message', (d) => messages.push(String(d)));
    ws.on('close', (code) => resolve({ messages, code }));
    ws.on('error', reject);
  });
}

/**
 * Autobahn's client convention against a fuzzing server at `base` (ws's own test/autobahn.js):
 * /getCaseCount, then each /runCase echoing every message, then /updateReports; a ws client made
 * with `options` plays the client under test.
 */
export async function runServeClient(base: string, agent: string, options: WebSocket.ClientOptions = {}): Promise<void> {
  const count = Number((await askServe(`${base}/getCaseCount`)).messages[0]);
  for (let n = 1; n <= count; n++) {
    await new Promise<void>((resolve) => {
      const ws = new WebSocket(`${base}/runCase?case=${n}&agent=${encodeURIComponent(agent)}`, options);
      ws.on('message', (data, isBinary) => ws.send(data as Buffer, { binary: isBinary }));
      ws.on('close', () => resolve());
      ws.on('error', () => {});
    });
  }
  await askServe(`${base}/updateReports?agent=${encodeURIComponent(agent)}`);
}

