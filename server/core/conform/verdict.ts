// Judging one case as Autobahn|Testsuite does (case.py, onConnectionLost): the behaviour is the
// first expected outcome whose events equal the observed ones, else FAILED; the close verdict
// checks who closed, whether it was clean, the code, and who dropped TCP, in that order. Then each
// verdict gets a sentence: the rule, what was expected, what happened.
import { opcodeName } from '../wire/constants.ts';
import { type CaseResult, type CloseFacts, type ConformCase, type EchoOutcome, type EchoScript, type Observed, type Summary, type Verdict, PASSING } from './types.ts';

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameEvent(a: Observed, b: Observed): boolean {
  if (a.type !== b.type) return false;
  if (a.type === 'timeout') return a.tag === (b as typeof a).tag;
  if (a.type === 'message' && a.binary !== (b as typeof a).binary) return false;
  return sameBytes(a.payload, (b as { payload: Uint8Array }).payload);
}

/** Do the observed events equal an expected list, one for one? */
export function sameEvents(a: readonly Observed[], b: readonly Observed[]): boolean {
  return a.length === b.length && a.every((e, i) => sameEvent(e, b[i]));
}

/** Is every expected outcome met by these events (Autobahn's finishWhenDone: then the client may close)? */
export function allExpectedMet(c: ConformCase, received: readonly Observed[]): boolean {
  return Object.values(c.expected).every((list) => sameEvents(received, list!));
}

function bytesWord(n: number): string {
  return n === 1 ? '1 byte' : `${n} bytes`;
}

/** One event in words: "a text message of 13 bytes", "a Pong of 0 bytes", "the 1 s pause A". */
export function describeEvent(e: Observed): string {
  switch (e.type) {
    case 'message':
      return `a ${e.binary ? 'binary' : 'text'} message of ${bytesWord(e.payload.length)}`;
    case 'ping':
      return `a Ping of ${bytesWord(e.payload.length)}`;
    case 'pong':
      return `a Pong of ${bytesWord(e.payload.length)}`;
    case 'timeout':
      return `pause ${e.tag} passed with the connection open`;
  }
}

export function describeEvents(list: readonly Observed[]): string {
  if (list.length === 0) return 'nothing';
  if (list.length > 4) {
    const kinds = new Set(list.map((e) => describeEvent(e).replace(/ of \d+ bytes?$/, '')));
    if (kinds.size === 1) return `${list.length} × ${[...kinds][0].replace(/^an? /, '')}`;
  }
  return list.map(describeEvent).join(', then ');
}

/** The observed close, in words. */
export function describeClose(f: CloseFacts): string {
  if (!f.opened) return 'the WebSocket handshake never completed';
  const parts: string[] = [];
  if (f.serverViolation) parts.push(`the server broke a rule in its own frames (${f.serverViolation}), so the client failed the connection`);
  const who = f.closedByMe ? 'the client started the closing handshake' : f.remoteCloseCode !== null || f.wasClean ? 'the server started the closing handshake' : 'no Close frame was exchanged';
  parts.push(who);
  parts.push(f.remoteCloseCode !== null ? `the server's Close carried code ${f.remoteCloseCode}` : 'the server sent no close code');
  if (f.wasClean) parts.push('the connection ended cleanly');
  else parts.push(f.notCleanReason ?? 'the connection did not end cleanly');
  return parts.join('; ');
}

function describeExpectedClose(c: ConformCase): string {
  const e = c.expectedClose;
  const who = e.closedByMe ? 'the client closes' : 'the server fails the connection';
  const codes = `code ${e.closeCode.join(' or ')} (or none)`;
  return `${who} with ${codes}${e.requireClean ? ', cleanly' : ''}`;
}

/** Autobahn's close verdict for one connection. */
export function judgeClose(c: ConformCase, f: CloseFacts): { verdict: Verdict; result: string } {
  if (!f.opened) return { verdict: 'FAILED', result: 'The WebSocket opening handshake was never completed.' };
  const e = c.expectedClose;
  if (e.closedByMe !== f.closedByMe) {
    return {
      verdict: 'FAILED',
      result: e.closedByMe
        ? 'The server closed the connection where the client was to close it: it refused something valid.'
        : 'The client had to close the connection where the server should have failed it: the server did not notice the problem.',
    };
  }
  if (e.requireClean && !f.wasClean) return { verdict: 'UNCLEAN', result: `The RFC requires a clean close here, but ${f.notCleanReason ?? 'it was not clean'}.` };
  if (f.remoteCloseCode !== null && !e.closeCode.includes(f.remoteCloseCode)) {
    return { verdict: 'WRONG CODE', result: `The server's close code was ${f.remoteCloseCode}; it should have been ${e.closeCode.join(' or ')} (or none).` };
  }
  if (f.droppedByMe) return { verdict: 'FAILED BY CLIENT', result: 'The client had to drop the TCP connection: the server should end it after the closing handshake.' };
  return { verdict: 'OK', result: 'The connection was closed as expected.' };
}

/** Both verdicts of one case and the words that explain them (everything of a CaseResult but the run's records). */
export function judge(c: ConformCase, received: readonly Observed[], f: CloseFacts): Pick<CaseResult, 'behavior' | 'behaviorClose' | 'expected' | 'observed' | 'why'> {
  let behavior: Verdict = 'FAILED';
  for (const [verdict, list] of Object.entries(c.expected)) {
    if (sameEvents(received, list!)) {
      behavior = verdict as Verdict;
      break;
    }
  }
  const close = judgeClose(c, f);
  let behaviorClose = close.verdict;
  let closeResult = close.result;
  if (!f.opened) behavior = 'FAILED';
  if (c.expectedClose.closedByWrongEndpointIsFatal && f.opened && c.expectedClose.closedByMe !== f.closedByMe) behavior = 'FAILED';
  if (c.post === 'wrongCode' && behaviorClose === 'WRONG CODE') behavior = 'FAILED';
  if (c.post === 'informational') {
    behavior = 'INFORMATIONAL';
    behaviorClose = 'INFORMATIONAL';
    closeResult = 'What the server does here is left open by the RFC.';
  }
  const expectedWords = Object.entries(c.expected)
    .map(([verdict, list]) => `${describeEvents(list!)} (${verdict})`)
    .join(' or ');
  const expected = `${expectedWords}; ${describeExpectedClose(c)}`;
  const observed = `${describeEvents(received)}; ${describeClose(f)}`;
  let verdictWords: string;
  if (behavior === 'OK' && behaviorClose === 'OK') verdictWords = 'The server did exactly that.';
  else if (behavior === 'INFORMATIONAL') verdictWords = `Informational. Observed: ${describeEvents(received)}; ${describeClose(f)}.`;
  else {
    const parts: string[] = [];
    let closeSaid = false;
    if (behavior === 'NON-STRICT') parts.push(`Observed: ${describeEvents(received)}. Acceptable, but the strict outcome is: ${describeEvents(c.expected.OK ?? [])}.`);
    else if (behavior === 'FAILED') {
      const exp = c.expected.OK ?? [];
      closeSaid = sameEvents(received, exp) || Object.values(c.expected).some((l) => sameEvents(received, l!));
      parts.push(
        closeSaid
          ? `The events matched, but ${closeResult.charAt(0).toLowerCase()}${closeResult.slice(1)} (Observed: ${describeClose(f)}.)`
          : `Expected ${describeEvents(exp)}, but the server sent ${describeEvents(received)}.`,
      );
    }
    if (!closeSaid && (!PASSING.has(behaviorClose) || behaviorClose === 'NON-STRICT')) parts.push(`${closeResult} (Observed: ${describeClose(f)}.)`);
    verdictWords = parts.join(' ');
  }
  return { behavior, behaviorClose, expected, observed, why: `${c.rule} ${verdictWords}` };
}

/**
 * Why echo number `index` (from 0) does not match what was sent, in words; null when it does. Both
 * sides of the suite (the client runner and `--serve`) judge each echo with this.
 */
export function echoMismatch(e: EchoScript, index: number, got: { binary: boolean; payload: Uint8Array }, sent: Uint8Array): string | null {
  const kind = (b: boolean) => (b ? 'binary' : 'text');
  const n = index + 1;
  if (got.binary !== e.binary) return `Message ${n} came back as a ${kind(got.binary)} message; a ${kind(e.binary)} one was sent.`;
  if (got.payload.length !== sent.length) return `Message ${n} came back with ${got.payload.length} bytes; ${sent.length} were sent.`;
  if (e.checkContent) {
    for (let i = 0; i < sent.length; i++) if (got.payload[i] !== sent[i]) return `Message ${n} came back with other bytes than were sent.`;
  }
  return null;
}

/**
 * Both verdicts of an echo case (chapters 9, 12, 13), as Autobahn's onOpen/onMessage set them: a
 * compression case whose offer the server declined is UNIMPLEMENTED; otherwise OK once every
 * message came back as sent, FAILED when one differed or the time ran out. The close is judged as
 * in every case.
 */
export function judgeEcho(c: ConformCase, o: EchoOutcome, f: CloseFacts): Pick<CaseResult, 'behavior' | 'behaviorClose' | 'expected' | 'observed' | 'why'> {
  const e = c.echo!;
  const kind = e.binary ? 'binary' : 'text';
  const close = judgeClose(c, f);
  let behavior: Verdict;
  let words: string;
  const rtt = o.echoed > 0 ? `, ${(o.elapsedMs / o.echoed).toFixed(2)} ms per round trip` : '';
  const got = `${o.echoed} of ${e.count} ${kind} message${e.count === 1 ? '' : 's'} of ${bytesWord(e.length)} echoed as sent in ${o.elapsedMs} ms${rtt}`;
  if (!f.opened) {
    behavior = 'FAILED';
    words = `The WebSocket never opened: ${f.notCleanReason ?? 'no answer'}.`;
  } else if (o.deflate === false) {
    behavior = 'UNIMPLEMENTED';
    words = 'The server did not accept permessage-deflate, so the case does not apply (Autobahn: UNIMPLEMENTED).';
  } else if (o.failure === null && o.echoed === e.count) {
    behavior = 'OK';
    words = close.verdict === 'OK' ? 'The server did exactly that.' : `${close.result} (Observed: ${describeClose(f)}.)`;
  } else {
    behavior = 'FAILED';
    const early = f.closedByMe
      ? `Only ${o.echoed} of ${e.count} messages came back within ${e.waitSeconds} s.`
      : `Only ${o.echoed} of ${e.count} messages came back before the server closed the connection${f.remoteCloseCode !== null ? ` with ${f.remoteCloseCode}` : ''}.`;
    words = `${o.failure ?? early}${close.verdict === 'OK' ? '' : ` ${close.result}`}`;
  }
  const accepted = o.deflate ? `; the server accepted "${o.deflate}"` : '';
  return {
    behavior,
    behaviorClose: close.verdict,
    expected: `${e.count === 1 ? `a ${kind} message of ${bytesWord(e.length)}` : `${e.count} × ${kind} message of ${bytesWord(e.length)}`} echoed as sent within ${e.waitSeconds} s${c.deflate ? ' (permessage-deflate accepted, or UNIMPLEMENTED)' : ''}; ${describeExpectedClose(c)}`,
    observed: `${got}${accepted}; ${describeClose(f)}`,
    why: `${c.rule} ${words}`,
  };
}

/** A case fails a CI gate when its behaviour is FAILED or its close verdict is not a passing one. */
export function caseFailed(r: Pick<CaseResult, 'behavior' | 'behaviorClose'>): boolean {
  return r.behavior === 'FAILED' || !PASSING.has(r.behaviorClose);
}

/** Counts by behaviour; a case whose close verdict fails counts as FAILED. */
export function summarize(results: readonly Pick<CaseResult, 'behavior' | 'behaviorClose'>[]): Summary {
  const s: Summary = { OK: 0, 'NON-STRICT': 0, INFORMATIONAL: 0, UNIMPLEMENTED: 0, FAILED: 0 };
  for (const r of results) {
    if (caseFailed(r)) s.FAILED++;
    else s[r.behavior as keyof Summary]++;
  }
  return s;
}

/** A frame's line in the wire log: "TEXT (FIN=0) rsv=4 13 bytes 48656c6c6f…"; `odd` flags a masking against the rule ("unmasked", "masked"). */
export function frameLine(opcode: number, fin: boolean, rsv: number, length: number, head: Uint8Array, odd: string | null = null): string {
  const hex = Array.from(head.subarray(0, 16), (b) => b.toString(16).padStart(2, '0')).join('');
  return `${opcodeName(opcode)}${fin ? '' : ' (FIN=0)'}${rsv ? ` rsv=${rsv}` : ''}${odd ? ` ${odd}` : ''} ${bytesWord(length)}${hex ? ` ${hex}${length > 16 ? '…' : ''}` : ''}`;
}
