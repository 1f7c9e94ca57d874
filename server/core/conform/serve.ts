// The fuzzing-server side of `wslab conform` (`--serve`), the parts a browser page shares: the same
// cases run with the roles swapped (the suite is the server, sends what a case says unmasked, and
// the client under test echoes), the same verdict code judges them, and every sentence names the
// right side. Mirrors Autobahn's fuzzingserver (autobahntestsuite/fuzzing.py, FuzzingServerProtocol):
// /runCase?case=N&agent=A, /getCaseCount, /getCaseInfo?case=N, /getCaseStatus?case=N&agent=A,
// /updateReports?agent=A, where N counts from 1 through the cases this server runs.
import { judge, judgeEcho } from './verdict.ts';
import type { CaseResult, CloseFacts, ConformCase, EchoOutcome, Observed } from './types.ts';

/**
 * Swaps "server" and "client" in a sentence (either case, with "'s" and plural): the words of a
 * case and of the verdict code are written for the suite as the client; swapped, they read right
 * for the suite as the server. Swapping twice gives the sentence back.
 */
export function swapRoles(s: string): string {
  return s.replace(/\b([Ss])erver|\b([Cc])lient/g, (_, s1: string | undefined, c1: string | undefined) =>
    s1 !== undefined ? (s1 === 'S' ? 'Client' : 'client') : c1 === 'C' ? 'Server' : 'server');
}

/** Autobahn's chapters the server side drives: their steps are frames, or echoes, the server can send as they are. */
const SERVED_CHAPTERS = new Set(['1', '2', '3', '4', '5', '6', '7', '9', '10', '12', '13']);

/**
 * The cases `--serve` runs: Autobahn's chapters 1-7, 9, 10, 12 and 13. wslab's own chapter (w.*)
 * tests what a server does with frames a client must never send (unmasked, lying lengths), so it
 * has no mirror here. In 12 and 13 the server accepts the client's permessage-deflate offer as the
 * case says (serverDeflateAnswer), compresses what it sends and inflates the client's echoes.
 */
export function servedCases(cases: readonly ConformCase[]): ConformCase[] {
  return cases.filter((c) => SERVED_CHAPTERS.has(c.id.split('.')[0]!));
}

/**
 * Judges one served case exactly as Autobahn judges a fuzzingserver run (case.py onConnectionLost
 * with isServer): the server ends TCP after a closing handshake, so dropping it is never held
 * against anyone (no FAILED BY CLIENT). `facts` are written from the suite's (the server's) side,
 * its sentences in the server's words. `echo` is how an echo case (chapter 9) went.
 */
export function judgeServed(c: ConformCase, received: readonly Observed[], facts: CloseFacts, echo?: EchoOutcome): Pick<CaseResult, 'behavior' | 'behaviorClose' | 'expected' | 'observed' | 'why'> {
  const asClient: CloseFacts = {
    ...facts,
    droppedByMe: false,
    notCleanReason: facts.notCleanReason === null ? null : swapRoles(facts.notCleanReason),
    serverViolation: facts.serverViolation === null ? null : swapRoles(facts.serverViolation),
  };
  // judge() writes for the suite as the client (the case's rule first); one swap turns it all round
  const v = c.echo && echo ? judgeEcho(c, echo, asClient) : judge(c, received, asClient);
  // permessage-deflate is offered by the client and accepted by the server, whichever side the suite plays
  const words = (t: string) =>
    swapRoles(t)
      .replace('The client did not accept permessage-deflate', 'The client did not offer permessage-deflate')
      .replace('(permessage-deflate accepted, or UNIMPLEMENTED)', '(permessage-deflate offered, or UNIMPLEMENTED)')
      .replace('; the client accepted "', '; the server answered "')
      // the answer's parameter names (client_max_window_bits, …) are the RFC's, not the suite's words
      .replace(typeof echo?.deflate === 'string' ? `"${swapRoles(echo.deflate)}"` : '\0', `"${echo?.deflate}"`);
  return { behavior: v.behavior, behaviorClose: v.behaviorClose, expected: words(v.expected), observed: words(v.observed), why: words(v.why) };
}

/** The case's own words, for the suite as the server. */
export function servedCaseWords(c: ConformCase): { description: string; expectation: string; rule: string } {
  if (c.deflate) {
    // 12, 13: the client offers; the server accepts, asking of the client what the case's first offer names
    const asked = c.deflate[0];
    const asks = [asked?.requestNoContextTakeover ? 'client_no_context_takeover' : '', asked?.requestMaxWindowBits ? `client_max_window_bits=${asked.requestMaxWindowBits} (if offered)` : ''].filter((x) => x !== '');
    const send = c.description.slice(0, c.description.lastIndexOf(' Offer'));
    return {
      description: `${send} Accept the client's permessage-deflate offer${asks.length ? `, asking for ${asks.join(' and ')}` : ''}.`,
      expectation: c.expectation.replace('A server that does not accept permessage-deflate', 'A client that does not offer permessage-deflate'),
      rule: swapRoles(c.rule),
    };
  }
  return { description: swapRoles(c.description), expectation: swapRoles(c.expectation), rule: swapRoles(c.rule) };
}

/** The fuzzing server's endpoints, as a client asks for them. */
export type ServeRequest =
  | { kind: 'runCase'; index: number; agent: string }
  | { kind: 'getCaseCount' }
  | { kind: 'getCaseInfo'; index: number }
  | { kind: 'getCaseStatus'; index: number; agent: string }
  | { kind: 'updateReports'; agent: string };

export const SERVE_ENDPOINTS = ['/runCase', '/getCaseCount', '/getCaseInfo', '/getCaseStatus', '/updateReports'] as const;

/** An agent names a client in reports: 1-64 letters, digits, space and . : / @ + - _ */
export const AGENT_RE = /^[\w .:/@+-]{1,64}$/;

/**
 * Reads an endpoint request (the path relative to where the endpoints are mounted, and the query).
 * Returns the request, or a sentence saying what is wrong (answered with 400, or 404 for a path
 * that is not an endpoint).
 */
export function parseServeRequest(path: string, query: URLSearchParams, caseCount: number): ServeRequest | { status: 400 | 404; error: string } {
  const agent = query.get('agent');
  const needAgent = (): string | { status: 400; error: string } => {
    if (agent === null) return { status: 400, error: `${path} needs ?agent=NAME: the name your client's results are reported under.` };
    if (!AGENT_RE.test(agent)) return { status: 400, error: 'agent must be 1-64 characters of letters, digits, space and . : / @ + - _' };
    return agent;
  };
  const needCase = (): number | { status: 400; error: string } => {
    const raw = query.get('case');
    if (raw === null) return { status: 400, error: `${path} needs ?case=N, a case number from 1 to ${caseCount} (ask /getCaseCount).` };
    if (!/^\d{1,6}$/.test(raw) || Number(raw) < 1 || Number(raw) > caseCount) return { status: 400, error: `case must be a number from 1 to ${caseCount}, got "${raw.slice(0, 20)}".` };
    return Number(raw);
  };
  switch (path) {
    case '/getCaseCount':
      return { kind: 'getCaseCount' };
    case '/getCaseInfo': {
      const index = needCase();
      return typeof index === 'number' ? { kind: 'getCaseInfo', index } : index;
    }
    case '/runCase':
    case '/getCaseStatus': {
      const index = needCase();
      if (typeof index !== 'number') return index;
      const a = needAgent();
      if (typeof a !== 'string') return a;
      return { kind: path === '/runCase' ? 'runCase' : 'getCaseStatus', index, agent: a };
    }
    case '/updateReports': {
      const a = needAgent();
      return typeof a === 'string' ? { kind: 'updateReports', agent: a } : a;
    }
    default:
      return { status: 404, error: `No fuzzing-server endpoint at ${path.slice(0, 100)}: use ${SERVE_ENDPOINTS.join(', ')}.` };
  }
}
