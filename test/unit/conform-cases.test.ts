// The conformance cases as data and the verdict rules, without a network: the case list matches
// Autobahn's numbering, the UTF-8 sequences carry the right validity, and the close verdicts follow
// Autobahn's order of checks (who closed, clean, code, who dropped TCP).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildCases, CASES, checkDeflateAnswer, DEFAULT_SCALE, echoPayload, offerHeader, selectCases, utf8Families } from '../../server/core/conform/cases.ts';
import { caseFailed, describeEvents, echoMismatch, judge, judgeClose, sameEvents, summarize } from '../../server/core/conform/verdict.ts';
import type { CloseFacts, ConformCase, Observed } from '../../server/core/conform/types.ts';
import { cleanForFilename } from '../../server/conform/report.ts';

const facts = (f: Partial<CloseFacts>): CloseFacts => ({
  opened: true, closedByMe: false, failedByMe: false, droppedByMe: false, wasClean: false, notCleanReason: null,
  remoteCloseCode: null, remoteCloseReason: null, localCloseCode: null, serverViolation: null, ...f,
});
const byId = (id: string): ConformCase => CASES.find((c) => c.id === id)!;

describe('the case list', () => {
  it("follows Autobahn's numbering for chapters 1-7, 9, 10, 12 and 13, then wslab's own w.1", () => {
    const count = (prefix: string) => CASES.filter((c) => c.id.startsWith(prefix)).length;
    expect([count('1.'), count('2.'), count('3.'), count('4.'), count('5.'), count('6.'), count('7.'), count('9.'), count('10.'), count('12.'), count('13.'), count('w.')]).toEqual([16, 11, 7, 10, 20, 145, 37, 54, 1, 90, 126, 7]);
    expect(CASES.map((c) => c.id.split('.')[0]).filter((ch, i, all) => all.indexOf(ch) === i)).toEqual(['1', '2', '3', '4', '5', '6', '7', '9', '10', '12', '13', 'w']);
    expect(new Set(CASES.map((c) => c.id)).size).toBe(CASES.length);
    expect(CASES.slice(0, 3).map((c) => c.id)).toEqual(['1.1.1', '1.1.2', '1.1.3']);
    expect(CASES.filter((c) => c.id.startsWith('6.') && c.id.split('.').length === 3 && Number(c.id.split('.')[1]) >= 5).map((c) => c.id).slice(0, 6)).toEqual(['6.5.1', '6.5.2', '6.5.3', '6.5.4', '6.5.5', '6.6.1']);
    expect(byId('6.23.7').id).toBe('6.23.7');
    expect(byId('7.9.9').description).toBe('Send a Close with the invalid code 2999.');
    for (const c of CASES) {
      expect(c.rule.endsWith('.'), c.id).toBe(true);
      expect(c.rfc, c.id).toMatch(/^\d+(\.\d+)*$/);
    }
  });

  it("scales chapter 9's messages and round trips and chapters 12-13's message counts, keeping Autobahn's fragment and chop sizes", () => {
    const at = (scale: number, id: string) => buildCases(scale).find((c) => c.id === id)!.echo!;
    expect([at(1, '9.1.6').length, at(1, '9.1.6').waitSeconds, at(1 / 64, '9.1.6').length]).toEqual([16 * 1024 * 1024, 100, 256 * 1024]);
    expect([at(1, '9.3.1').length, at(1, '9.3.1').fragmentSize, at(1 / 64, '9.3.9').fragmentSize]).toEqual([4 * 1024 * 1024, 64, 64 * 1024]);
    expect([at(1, '9.5.6').chop, at(1, '9.5.6').waitSeconds, at(1, '9.7.6').count, at(1 / 64, '9.7.6').count, at(1, '9.8.6').length]).toEqual([2048, 1000, 1000, 16, 4096]);
    expect([at(1, '12.5.18').length, at(1, '12.5.18').count, at(1 / 64, '12.5.18').count, at(1, '12.5.18').fragmentSize, at(1, '12.5.18').binary]).toEqual([131072, 1000, 16, 32768, true]);
    expect(DEFAULT_SCALE).toBe(1 / 64);
  });

  it("offers permessage-deflate as autobahn writes it, and checks the server's answer against the offers (RFC 7692 §7.1)", () => {
    const c13 = (j: number) => CASES.find((c) => c.id === `13.${j}.1`)!.deflate!;
    expect(offerHeader(c13(1))).toBe('permessage-deflate; client_no_context_takeover; client_max_window_bits');
    expect(offerHeader(c13(7))).toBe('permessage-deflate; client_no_context_takeover; client_max_window_bits; server_no_context_takeover; server_max_window_bits=9, permessage-deflate; client_no_context_takeover; client_max_window_bits; server_no_context_takeover, permessage-deflate; client_no_context_takeover; client_max_window_bits');
    expect(checkDeflateAnswer(c13(1), undefined)).toEqual({ kind: 'none' });
    expect(checkDeflateAnswer(c13(1), 'permessage-deflate; client_max_window_bits=10')).toMatchObject({ kind: 'accepted', params: { clientMaxWindowBits: 10, serverMaxWindowBits: null } });
    expect(checkDeflateAnswer(c13(3), 'permessage-deflate')).toEqual({ kind: 'invalid', reason: 'the client asked for server_max_window_bits=9 and the answer leaves it out' });
    expect(checkDeflateAnswer(c13(3), 'permessage-deflate; server_max_window_bits=10')).toEqual({ kind: 'invalid', reason: 'server_max_window_bits=10 is larger than the 9 the client asked for' });
    expect(checkDeflateAnswer(c13(2), 'permessage-deflate')).toEqual({ kind: 'invalid', reason: 'the client asked for server_no_context_takeover and the answer leaves it out' });
    expect(checkDeflateAnswer(c13(7), 'permessage-deflate; server_no_context_takeover; server_max_window_bits=15')).toMatchObject({ kind: 'accepted' });
    expect(checkDeflateAnswer(c13(1), 'permessage-deflate; client_max_window_bits')).toEqual({ kind: 'invalid', reason: 'client_max_window_bits in an answer needs a value' });
    expect(checkDeflateAnswer(c13(1), 'permessage-deflate; server_no_context_takeover; server_no_context_takeover')).toEqual({ kind: 'invalid', reason: 'the answer names server_no_context_takeover twice' });
    expect(checkDeflateAnswer(c13(1), 'x-webkit-deflate-frame')).toEqual({ kind: 'invalid', reason: 'the server answered with the extension x-webkit-deflate-frame, which the client did not offer' });
    expect(checkDeflateAnswer(c13(1), 'permessage-deflate; server_max_window_bits=7')).toEqual({ kind: 'invalid', reason: 'server_max_window_bits=7 is outside 8-15' });
  });

  it('sends consecutive slices of a corpus, wrapping at its end, and repeats a pattern to the length', () => {
    const e = CASES.find((c) => c.id === '12.1.18')!.echo!;
    const first = echoPayload(e, 0);
    const second = echoPayload(e, 1);
    expect([first.length, second.length]).toEqual([131072, 131072]);
    expect(new TextDecoder().decode(first.subarray(0, 2))).toBe('[\n');
    // 194056 bytes: the second message wraps to the start.
    expect(Array.from(second.subarray(194056 - 131072, 194056 - 131072 + 4))).toEqual(Array.from(first.subarray(0, 4)));
    expect(new TextDecoder().decode(echoPayload(CASES.find((c) => c.id === '9.1.1')!.echo!, 0).subarray(0, 23))).toBe('BAsd7&jh23BAsd7&jh23BAs');
    expect(Array.from(echoPayload(CASES.find((c) => c.id === '9.2.1')!.echo!, 0).subarray(0, 6))).toEqual([0x00, 0xfe, 0x23, 0xfa, 0xf0, 0x00]);
  });

  it('marks each UTF-8 sequence of 6.5-6.23 valid exactly when a strict decoder accepts it', () => {
    const strict = new TextDecoder('utf-8', { fatal: true });
    const accepts = (b: Uint8Array) => {
      try {
        strict.decode(b);
        return true;
      } catch {
        return false;
      }
    };
    const seqs = utf8Families().flatMap((f) => f.seqs);
    expect(seqs.length).toBe(145 - 13);
    for (const s of seqs) expect(s.valid, Buffer.from(s.bytes).toString('hex')).toBe(accepts(s.bytes));
  });

  it('selects cases by pattern, * matching any run of characters, in suite order', () => {
    expect(selectCases(['2.1']).map((c) => c.id)).toEqual(['2.1']);
    expect(selectCases(['6.4.*']).map((c) => c.id)).toEqual(['6.4.1', '6.4.2', '6.4.3', '6.4.4']);
    expect(selectCases(['w.*', '3.1']).map((c) => c.id)).toEqual(['3.1', 'w.1.1', 'w.1.2', 'w.1.3', 'w.1.4', 'w.1.5', 'w.1.6', 'w.1.7']);
    expect(selectCases(['*']).length).toBe(CASES.length);
    expect(selectCases(['9.*']).length).toBe(54);
    expect(selectCases(['8.*'])).toEqual([]);
  });

  it('selects, for any exact id, that case alone; for any pattern list, a subsequence of the suite', () => {
    fc.assert(
      fc.property(fc.constantFrom(...CASES.map((c) => c.id)), (id) => {
        expect(selectCases([id]).map((c) => c.id)).toEqual([id]);
      }),
    );
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 8 }), { maxLength: 4 }), (patterns) => {
        const picked = selectCases(patterns);
        let at = -1;
        for (const c of picked) {
          const i = CASES.indexOf(c);
          expect(i).toBeGreaterThan(at);
          at = i;
        }
      }),
    );
  });
});

describe('verdicts (autobahn case.py)', () => {
  it('judges the close in order: who closed, clean, code, who dropped TCP', () => {
    const echo = byId('1.1.1'); // client closes, 1000, clean
    expect(judgeClose(echo, facts({ closedByMe: true, wasClean: true, remoteCloseCode: 1000 })).verdict).toBe('OK');
    expect(judgeClose(echo, facts({ closedByMe: false, wasClean: true, remoteCloseCode: 1000 })).verdict).toBe('FAILED');
    expect(judgeClose(echo, facts({ closedByMe: true, wasClean: false, droppedByMe: true })).verdict).toBe('UNCLEAN');
    expect(judgeClose(echo, facts({ closedByMe: true, wasClean: true, remoteCloseCode: 1001 })).verdict).toBe('WRONG CODE');
    expect(judgeClose(echo, facts({ closedByMe: true, wasClean: true, remoteCloseCode: null })).verdict).toBe('OK');
    const rsv = byId('3.1'); // server fails with 1002, not necessarily cleanly
    expect(judgeClose(rsv, facts({ remoteCloseCode: 1002, wasClean: true })).verdict).toBe('OK');
    expect(judgeClose(rsv, facts({})).verdict).toBe('OK'); // a drop without a Close is accepted
    expect(judgeClose(rsv, facts({ remoteCloseCode: 1002, wasClean: false, droppedByMe: true })).verdict).toBe('FAILED BY CLIENT');
    expect(judgeClose(rsv, facts({ opened: false })).verdict).toBe('FAILED');
  });

  it('fails the behaviour when the wrong side closed a UTF-8 case, or a chapter 7 case got the wrong code', () => {
    expect(judge(byId('6.3.1'), [], facts({ closedByMe: true, failedByMe: true, wasClean: true, remoteCloseCode: 1001 })).behavior).toBe('FAILED');
    expect(judge(byId('6.3.1'), [], facts({ remoteCloseCode: 1007, wasClean: true }))).toMatchObject({ behavior: 'OK', behaviorClose: 'OK' });
    expect(judge(byId('7.7.1'), [], facts({ closedByMe: true, wasClean: true, remoteCloseCode: 1002 }))).toMatchObject({ behavior: 'FAILED', behaviorClose: 'WRONG CODE' });
    expect(judge(byId('7.13.1'), [], facts({ closedByMe: true, wasClean: true, remoteCloseCode: 4000 }))).toMatchObject({ behavior: 'INFORMATIONAL', behaviorClose: 'INFORMATIONAL' });
    const hello = new TextEncoder().encode('Hello, world!');
    expect(judge(byId('3.2'), [], facts({ remoteCloseCode: 1002 })).behavior).toBe('NON-STRICT');
    expect(judge(byId('3.2'), [{ type: 'message', binary: false, payload: hello }], facts({ remoteCloseCode: 1002 })).behavior).toBe('OK');
  });

  it('names the first way an echo differs from what was sent, for the client runner and --serve alike', () => {
    const e = { binary: true, length: 3, count: 2, source: { repeat: Uint8Array.of(0xfe) }, checkContent: true, waitSeconds: 10 };
    const sent = Uint8Array.of(1, 2, 3);
    expect(echoMismatch(e, 0, { binary: true, payload: Uint8Array.of(1, 2, 3) }, sent)).toBeNull();
    expect(echoMismatch(e, 1, { binary: false, payload: sent }, sent)).toBe('Message 2 came back as a text message; a binary one was sent.');
    expect(echoMismatch(e, 0, { binary: true, payload: Uint8Array.of(1, 2) }, sent)).toBe('Message 1 came back with 2 bytes; 3 were sent.');
    expect(echoMismatch(e, 0, { binary: true, payload: Uint8Array.of(1, 2, 4) }, sent)).toBe('Message 1 came back with other bytes than were sent.');
    expect(echoMismatch({ ...e, checkContent: false }, 0, { binary: true, payload: Uint8Array.of(9, 9, 9) }, sent)).toBeNull();
  });

  it('says why a chapter 7 case with the right events but the wrong close code failed once, not twice', () => {
    const r = judge(byId('7.7.1'), [], facts({ closedByMe: true, wasClean: true, remoteCloseCode: 1002 }));
    expect(r).toMatchObject({ behavior: 'FAILED', behaviorClose: 'WRONG CODE' });
    expect(r.why).toMatch(/The events matched, but /);
    expect(r.why.split('(Observed: ').length - 1).toBe(1);
  });

  it('counts a case as failed when its behaviour is FAILED or its close verdict is not a passing one', () => {
    expect(caseFailed({ behavior: 'OK', behaviorClose: 'UNCLEAN' })).toBe(true);
    expect(caseFailed({ behavior: 'NON-STRICT', behaviorClose: 'OK' })).toBe(false);
    expect(caseFailed({ behavior: 'INFORMATIONAL', behaviorClose: 'INFORMATIONAL' })).toBe(false);
    expect(summarize([{ behavior: 'OK', behaviorClose: 'OK' }, { behavior: 'OK', behaviorClose: 'WRONG CODE' }, { behavior: 'NON-STRICT', behaviorClose: 'OK' }]))
      .toEqual({ OK: 1, 'NON-STRICT': 1, INFORMATIONAL: 0, UNIMPLEMENTED: 0, FAILED: 1 });
  });

  it('explains any observed events and any close in a sentence, and never throws', () => {
    const event: fc.Arbitrary<Observed> = fc.oneof(
      fc.record({ type: fc.constant('message' as const), binary: fc.boolean(), payload: fc.uint8Array({ maxLength: 200 }) }),
      fc.record({ type: fc.constantFrom('ping' as const, 'pong' as const), payload: fc.uint8Array({ maxLength: 125 }) }),
      fc.record({ type: fc.constant('timeout' as const), tag: fc.constantFrom('A', 'B') }),
    );
    const closeFacts = fc.record({
      opened: fc.boolean(), closedByMe: fc.boolean(), failedByMe: fc.boolean(), droppedByMe: fc.boolean(), wasClean: fc.boolean(),
      notCleanReason: fc.option(fc.string()), remoteCloseCode: fc.option(fc.integer({ min: 0, max: 65535 })), remoteCloseReason: fc.option(fc.string()),
      localCloseCode: fc.option(fc.integer({ min: 0, max: 65535 })), serverViolation: fc.option(fc.string()),
    });
    fc.assert(
      fc.property(fc.constantFrom(...CASES), fc.array(event, { maxLength: 12 }), closeFacts, (c, received, f) => {
        const r = judge(c, received, f);
        expect(r.why.startsWith(c.rule)).toBe(true);
        expect(r.observed.length).toBeGreaterThan(0);
        expect(sameEvents(received, received)).toBe(true);
        if (!f.opened) expect(r.behaviorClose === 'FAILED' || r.behaviorClose === 'INFORMATIONAL').toBe(true);
      }),
      { numRuns: 300 },
    );
    expect(describeEvents([])).toBe('nothing');
    expect(describeEvents(Array.from({ length: 10 }, () => ({ type: 'pong' as const, payload: new Uint8Array(3) })))).toBe('10 × Pong');
  });

  it("names report files as Autobahn does (agent cleaned to [a-z0-9_], case dots as underscores)", () => {
    expect(cleanForFilename('  AutobahnServer/0.7 ')).toBe('autobahnserver_0_7');
    expect(cleanForFilename('ws 8.18')).toBe('ws_8_18');
  });
});
