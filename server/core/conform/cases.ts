// The cases of `wslab conform`, as data. Chapters 1-7 (here), 9-10 (cases-9.ts) and 12-13
// (cases-12-13.ts) follow Autobahn|Testsuite's numbering, steps
// and expectations (autobahntestsuite/case/caseN_N_N.py) one for one; chapter w.1 is wslab's own:
// rules Autobahn cannot test because its client always masks and never lies about lengths.
import { firstInvalidUtf8 } from '../wire/utf8.ts';
import type { ConformCase, ExpectedClose, Observed, Step } from './types.ts';
import { chapter9, chapter10 } from './cases-9.ts';
import { chapter12, chapter13 } from './cases-12-13.ts';

export { chapter9, chapter10, scaled } from './cases-9.ts';
export { chapter12, chapter13, checkDeflateAnswer, echoPayload, offerHeader, type DeflateAnswer } from './cases-12-13.ts';

const enc = new TextEncoder();
const text = (s: string): Uint8Array => enc.encode(s);
const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);
const fill = (byte: number, n: number): Uint8Array => new Uint8Array(n).fill(byte);
const hex = (h: string): Uint8Array => Uint8Array.from(h.match(/../g) ?? [], (x) => parseInt(x, 16));
const cat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};
const closeBody = (code: number, reason: Uint8Array = new Uint8Array(0)): Uint8Array => cat(bytes(code >>> 8, code & 0xff), reason);

const msg = (payload: Uint8Array, binary = false): Observed => ({ type: 'message', binary, payload });
const pong = (payload: Uint8Array): Observed => ({ type: 'pong', payload });
const timeout = (tag: string): Observed => ({ type: 'timeout', tag });

type FrameOpts = Omit<Extract<Step, { kind: 'frame' }>, 'kind' | 'opcode' | 'payload'>;
const frame = (opcode: number, payload?: Uint8Array, opts: FrameOpts = {}): Step => ({ kind: 'frame', opcode, payload, ...opts });
const sendClose = (payload: Uint8Array): Step => ({ kind: 'close', payload });
const wait = (seconds: number, tag?: string): Step => ({ kind: 'wait', seconds, tag });

/** The server must echo and the client closes normally once it has it. */
const CLEAN: ExpectedClose = { closedByMe: true, closeCode: [1000], requireClean: true };
/** The server must fail the connection with 1002 (a drop without a Close is accepted too). */
const FAIL_1002: ExpectedClose = { closedByMe: false, closeCode: [1002], requireClean: false };
/** The server must fail the connection with 1007 itself: if the client has to close, the server never noticed. */
const FAIL_1007: ExpectedClose = { closedByMe: false, closeCode: [1007], requireClean: false, closedByWrongEndpointIsFatal: true };

type Spec = Omit<ConformCase, 'end'> & { end?: ConformCase['end'] };
const make = (c: Spec): ConformCase => ({ end: { after: 'kill', seconds: 1 }, ...c });

const HELLO = text('Hello, world!');

// ---------------------------------------------------------------- 1: framing
function chapter1(): ConformCase[] {
  const out: ConformCase[] = [];
  const sizes = [0, 125, 126, 127, 128, 65535, 65536, 65536];
  for (const [sub, opcode, byte] of [[1, 1, 0x2a], [2, 2, 0xfe]] as const) {
    sizes.forEach((n, i) => {
      const payload = fill(byte, n);
      const chop = i === 7 ? 997 : undefined;
      const kind = opcode === 1 ? 'text' : 'binary';
      out.push(make({
        id: `1.${sub}.${i + 1}`,
        rfc: '5.2',
        description: `Send a ${kind} message with a payload of ${n} bytes${chop ? ', written in pieces of 997 bytes' : ''}.`,
        expectation: `The ${kind} message is echoed with the payload as sent; clean close with code 1000.`,
        rule: n < 126
          ? 'A payload of 0-125 bytes fits the 7-bit length field.'
          : n < 65536
            ? 'A payload of 126-65535 bytes uses the 16-bit extended length (length field 126).'
            : 'A payload of 65536 bytes or more uses the 64-bit extended length (length field 127).',
        steps: [frame(opcode, payload, { chop })],
        expected: { OK: [msg(payload, opcode === 2)] },
        expectedClose: CLEAN,
        end: { after: 'kill', seconds: n > 128 ? 10 : 1 },
      }));
    });
  }
  return out;
}

// ---------------------------------------------------------------- 2: pings and pongs
function chapter2(): ConformCase[] {
  const PONG_RULE = 'A Ping must be answered by a Pong with the same payload.';
  const ping = (id: string, payload: Uint8Array, what: string, chop?: number): ConformCase => make({
    id, rfc: '5.5.2', description: `Send a Ping with ${what}${chop ? ', written one byte at a time' : ''}.`,
    expectation: 'A Pong with the same payload; clean close with code 1000.',
    rule: PONG_RULE,
    steps: [frame(9, payload, { chop })],
    expected: { OK: [pong(payload)] }, expectedClose: CLEAN, end: { after: 'close', seconds: chop ? 2 : 1 },
  });
  const tenPings = (id: string, chop?: number): ConformCase => {
    const payloads = Array.from({ length: 10 }, (_, i) => text(`payload-${i}`));
    return make({
      id, rfc: '5.5.2', description: `Send 10 Pings with payloads${chop ? ', written one byte at a time' : ''}.`,
      expectation: 'Ten Pongs, one per Ping, in order (not required by the RFC, but expected); clean close with code 1000.',
      rule: PONG_RULE,
      steps: payloads.map((p) => frame(9, p, { chop })),
      expected: { OK: payloads.map(pong) }, expectedClose: CLEAN, end: { after: 'close', seconds: 3 },
    });
  };
  return [
    ping('2.1', new Uint8Array(0), 'no payload'),
    ping('2.2', HELLO, 'a small text payload'),
    ping('2.3', hex('00fffefdfcfb00ff'), 'a small binary (non UTF-8) payload'),
    ping('2.4', fill(0xfe, 125), 'a binary payload of 125 bytes'),
    make({
      id: '2.5', rfc: '5.5', description: 'Send a Ping with a binary payload of 126 bytes.',
      expectation: 'The connection is failed immediately (1002): control frames carry at most 125 bytes.',
      rule: 'Control frames (Close, Ping, Pong) must have a payload of 125 bytes or less.',
      steps: [frame(9, fill(0xfe, 126))], expected: { OK: [] }, expectedClose: FAIL_1002,
    }),
    ping('2.6', fill(0xfe, 125), 'a binary payload of 125 bytes', 1),
    make({
      id: '2.7', rfc: '5.5.3', description: 'Send an unsolicited Pong without payload, then close.',
      expectation: 'Nothing in reply to the Pong; clean close with code 1000.',
      rule: 'A Pong may be sent unsolicited (a heartbeat); it must not be answered.',
      steps: [frame(10), sendClose(closeBody(1000))], expected: { OK: [] }, expectedClose: CLEAN, end: { after: 'close', seconds: 1 },
    }),
    make({
      id: '2.8', rfc: '5.5.3', description: 'Send an unsolicited Pong with a payload, then close.',
      expectation: 'Nothing in reply to the Pong; clean close with code 1000.',
      rule: 'A Pong may be sent unsolicited (a heartbeat); it must not be answered.',
      steps: [frame(10, text('unsolicited pong payload')), sendClose(closeBody(1000))], expected: { OK: [] }, expectedClose: CLEAN, end: { after: 'close', seconds: 1 },
    }),
    make({
      id: '2.9', rfc: '5.5.3', description: 'Send an unsolicited Pong with a payload, then a Ping with a payload.',
      expectation: 'A Pong for the Ping only; clean close with code 1000.',
      rule: 'A Pong answers a Ping with the Ping\'s payload; an unsolicited Pong is ignored.',
      steps: [frame(10, text('unsolicited pong payload')), frame(9, text('ping payload'))],
      expected: { OK: [pong(text('ping payload'))] }, expectedClose: CLEAN, end: { after: 'close', seconds: 1 },
    }),
    tenPings('2.10'),
    tenPings('2.11', 1),
  ];
}

// ---------------------------------------------------------------- 3: reserved bits
function chapter3(): ConformCase[] {
  const RULE = 'RSV1-3 must be 0 unless an extension gave them a meaning; none was negotiated, so the server must fail the connection (1002).';
  const then = (id: string, rsv: number, how: { sync?: boolean; chop?: number }, what: string): ConformCase => make({
    id, rfc: '5.2', description: `Send a small text message, then the same with RSV = ${rsv}, then a Ping${what}.`,
    expectation: 'The first message is echoed, then the connection is failed (1002); no Pong arrives.',
    rule: RULE,
    steps: [frame(1, HELLO, how), frame(1, HELLO, { ...how, rsv }), frame(9, undefined, how)],
    expected: { OK: [msg(HELLO)], 'NON-STRICT': [] }, expectedClose: FAIL_1002,
  });
  const single = (id: string, opcode: number, rsv: number, payload: Uint8Array | undefined, what: string): ConformCase => make({
    id, rfc: '5.2', description: `Send ${what} with RSV = ${rsv}.`,
    expectation: 'The connection is failed immediately (1002).', rule: RULE,
    steps: [frame(opcode, payload, { rsv })], expected: { OK: [] }, expectedClose: FAIL_1002,
  });
  return [
    single('3.1', 1, 1, HELLO, 'a small text message'),
    then('3.2', 2, {}, ''),
    then('3.3', 3, { sync: true }, ', each frame written on its own'),
    then('3.4', 4, { chop: 1 }, ', written one byte at a time'),
    single('3.5', 2, 5, hex('00fffefdfcfb00ff'), 'a small binary message'),
    single('3.6', 9, 6, HELLO, 'a Ping'),
    single('3.7', 8, 7, undefined, 'a Close'),
  ];
}

// ---------------------------------------------------------------- 4: opcodes
function chapter4(): ConformCase[] {
  const RULE = (op: number) => `Opcode ${op} is reserved${op < 8 ? ' (non-control)' : ' (control)'}: the server must fail the connection (1002) on an opcode it does not know.`;
  const out: ConformCase[] = [];
  for (const [sub, ops] of [[1, [3, 4, 5, 6, 7]], [2, [11, 12, 13, 14, 15]]] as const) {
    ops.forEach((op, i) => {
      const id = `4.${sub}.${i + 1}`;
      if (i < 2) {
        const payload = i === 1 ? text('reserved opcode payload') : undefined;
        out.push(make({
          id, rfc: '5.2', description: `Send a frame with reserved opcode ${op}${payload ? ' and a payload' : ''}.`,
          expectation: 'The connection is failed immediately (1002).', rule: RULE(op),
          steps: [frame(op, payload)], expected: { OK: [] }, expectedClose: FAIL_1002,
        }));
      } else {
        const chop = i === 4 ? 1 : undefined;
        const payload = i === 2 ? undefined : HELLO;
        out.push(make({
          id, rfc: '5.2', description: `Send a small text message, then a frame with reserved opcode ${op}${payload ? ' and a payload' : ''}, then a Ping${chop ? ', written one byte at a time' : ''}.`,
          expectation: 'The message is echoed, then the connection is failed (1002); no Pong arrives.', rule: RULE(op),
          steps: [frame(1, HELLO, { chop }), frame(op, payload, { chop }), frame(9, undefined, { chop })],
          expected: { OK: [msg(HELLO)], 'NON-STRICT': [] }, expectedClose: FAIL_1002,
        }));
      }
    });
  }
  return out;
}

// ---------------------------------------------------------------- 5: fragmentation
function chapter5(): ConformCase[] {
  const f = (s: string) => text(s);
  const BAD_CONT = 'A continuation frame (opcode 0) is only valid inside a fragmented message; the server must fail the connection (1002).';
  const ctrl = (id: string, op: number, name: string): ConformCase => make({
    id, rfc: '5.4', description: `Send a ${name} in 2 fragments.`,
    expectation: 'The connection is failed immediately (1002): control frames must not be fragmented.',
    rule: 'Control frames must not be fragmented (FIN must be set); the server must fail the connection (1002).',
    steps: [frame(op, f('fragment1'), { fin: false }), frame(0, f('fragment2'))], expected: { OK: [] }, expectedClose: FAIL_1002,
  });
  const two = (id: string, how: { sync?: boolean; chop?: number }, what: string): ConformCase => make({
    id, rfc: '5.4', description: `Send a text message in 2 fragments${what}.`,
    expectation: 'The message is echoed whole; clean close with code 1000.',
    rule: 'A message may be split into fragments: the first frame carries the opcode, the rest are continuations, the last has FIN set.',
    steps: [frame(1, f('fragment1'), { fin: false, ...how }), frame(0, f('fragment2'), how)],
    expected: { OK: [msg(f('fragment1fragment2'))] }, expectedClose: CLEAN, end: { after: 'close', seconds: 1 },
  });
  const withPing = (id: string, how: { sync?: boolean; chop?: number }, what: string): ConformCase => make({
    id, rfc: '5.4', description: `Send a text message in 2 fragments with a Ping between them${what}.`,
    expectation: 'The Pong first, then the whole message; clean close with code 1000.',
    rule: 'Control frames may be injected in the middle of a fragmented message, and must be answered there.',
    steps: [frame(1, f('fragment1'), { fin: false, ...how }), frame(9, f('ping payload'), how), frame(0, f('fragment2'), how)],
    expected: { OK: [pong(f('ping payload')), msg(f('fragment1fragment2'))] }, expectedClose: CLEAN, end: { after: 'close', seconds: 1 },
  });
  const orphan = (id: string, fin: boolean, how: { sync?: boolean; chop?: number }, what: string): ConformCase => make({
    id, rfc: '5.4', description: `Send a continuation frame (FIN = ${fin ? 1 : 0}) with nothing to continue, then a text message${what}.`,
    expectation: 'The connection is failed immediately (1002).', rule: BAD_CONT,
    steps: [frame(0, f('non-continuation payload'), { fin, ...how }), frame(1, HELLO, how)], expected: { OK: [] }, expectedClose: FAIL_1002,
  });
  const twice = (id: string, firstFin: boolean): ConformCase => make({
    id, rfc: '5.4',
    description: `Send twice: a continuation (FIN = ${firstFin ? 1 : 0}) with nothing to continue, then a text fragment, then its last continuation.`,
    expectation: 'The connection is failed immediately (1002).', rule: BAD_CONT,
    steps: [0, 1].flatMap(() => [frame(0, f('fragment1'), { fin: firstFin }), frame(1, f('fragment2'), { fin: false }), frame(0, f('fragment3'))]),
    expected: { OK: [] }, expectedClose: FAIL_1002,
  });
  const frags = ['fragment1', 'fragment2', 'fragment3', 'fragment4', 'fragment5'].map(f);
  const pings = [f('pongme 1!'), f('pongme 2!')];
  const slow = (id: string, sync: boolean): ConformCase => make({
    id, rfc: '5.4',
    description: `Send a text message in 5 fragments with a Ping after the second, wait 1 s, then the rest with a Ping before the last${sync ? ', each frame written on its own' : ''}.`,
    expectation: 'Both Pongs as soon as each Ping arrives, then the whole message; clean close with code 1000.',
    rule: 'A server must answer Pings while a fragmented message is still arriving, not only after it ends.',
    steps: [
      frame(1, frags[0], { fin: false, sync }), frame(0, frags[1], { fin: false, sync }), frame(9, pings[0], { sync }),
      wait(1),
      frame(0, frags[2], { fin: false, sync }), frame(0, frags[3], { fin: false, sync }), frame(9, pings[1], { sync }), frame(0, frags[4], { sync }),
    ],
    expected: { OK: [pong(pings[0]), pong(pings[1]), msg(cat(...frags))] }, expectedClose: CLEAN, end: { after: 'close', seconds: 1 },
  });
  return [
    ctrl('5.1', 9, 'Ping'),
    ctrl('5.2', 10, 'Pong'),
    two('5.3', {}, ''),
    two('5.4', { sync: true }, ', each frame written on its own'),
    two('5.5', { chop: 1 }, ', written one byte at a time'),
    withPing('5.6', {}, ''),
    withPing('5.7', { sync: true }, ', each frame written on its own'),
    withPing('5.8', { chop: 1 }, ', written one byte at a time'),
    orphan('5.9', true, {}, ''),
    orphan('5.10', true, { sync: true }, ', each frame written on its own'),
    orphan('5.11', true, { chop: 1 }, ', written one byte at a time'),
    orphan('5.12', false, {}, ''),
    orphan('5.13', false, { sync: true }, ', each frame written on its own'),
    orphan('5.14', false, { chop: 1 }, ', written one byte at a time'),
    make({
      id: '5.15', rfc: '5.4', description: 'Send a text message in 2 fragments, then a continuation with nothing to continue, then a text frame.',
      expectation: 'The first message is echoed, then the connection is failed (1002).', rule: BAD_CONT,
      steps: [frame(1, frags[0], { fin: false }), frame(0, frags[1]), frame(0, frags[2], { fin: false }), frame(1, frags[3])],
      expected: { OK: [msg(cat(frags[0], frags[1]))], 'NON-STRICT': [] }, expectedClose: FAIL_1002,
    }),
    twice('5.16', false),
    twice('5.17', true),
    make({
      id: '5.18', rfc: '5.4', description: 'Send a text message in 2 fragments, both with opcode 1 (text).',
      expectation: 'The connection is failed immediately (1002).',
      rule: 'Inside a fragmented message every frame after the first must be a continuation (opcode 0); a new text frame is a protocol error (1002).',
      steps: [frame(1, frags[0], { fin: false }), frame(1, frags[1])], expected: { OK: [] }, expectedClose: FAIL_1002,
    }),
    slow('5.19', false),
    slow('5.20', true),
  ];
}

// ---------------------------------------------------------------- 6: UTF-8
const KAPPA = hex('cebae1bdb9cf83cebcceb5'); // "κόσμε"
const HELLO_UTF8 = text('Hello-µ@ßöäüàá-UTF-8!!');

/** The sequences of Markus Kuhn's UTF-8 decoder test, grouped as Autobahn's 6.5-6.23 (case6_x_x.py). */
export function utf8Families(): { title: string; seqs: { valid: boolean; bytes: Uint8Array }[] }[] {
  const V = (h: string) => ({ valid: true, bytes: hex(h) });
  const X = (h: string) => ({ valid: false, bytes: hex(h) });
  const range = (lo: number, hi: number, sep?: number): Uint8Array => {
    const out: number[] = [];
    for (let b = lo; b < hi; b++) {
      out.push(b);
      if (sep !== undefined) out.push(sep);
    }
    return Uint8Array.from(out);
  };
  const missing = ['c0', 'e080', 'f08080', 'f8808080', 'fc80808080', 'df', 'efbf', 'f7bfbf', 'fbbfbfbf', 'fdbfbfbfbf'];
  const nonChars: { valid: boolean; bytes: Uint8Array }[] = [V('efbfbe'), V('efbfbf')];
  for (const z1 of ['f0', 'f1', 'f2', 'f3', 'f4']) {
    for (const z2 of ['8f', '9f', 'af', 'bf']) {
      if (z1 === 'f4' && z2 !== '8f') continue;
      for (const z3 of ['be', 'bf']) {
        const zz = z1 + z2 + 'bf' + z3;
        if (zz !== 'f08fbfbe' && zz !== 'f08fbfbf') nonChars.push(V(zz));
      }
    }
  }
  const kappaHex = 'cebae1bdb9cf83cebcceb5';
  return [
    { title: 'Some valid UTF-8 sequences', seqs: [V('68656c6c6f24776f726c64'), V('68656c6c6fc2a2776f726c64'), V('68656c6c6fe282ac776f726c64'), V('68656c6c6ff0a4ada2776f726c64'), V(kappaHex)] },
    {
      title: 'All prefixes of a valid UTF-8 string that contains multi-byte code points',
      seqs: Array.from({ length: KAPPA.length }, (_, i) => ({ valid: firstInvalidUtf8(KAPPA.subarray(0, i + 1)) === -1, bytes: KAPPA.slice(0, i + 1) })),
    },
    { title: 'First possible sequence of a certain length', seqs: [V('00'), V('c280'), V('e0a080'), V('f0908080')] },
    { title: 'First possible sequence length 5/6 (invalid codepoints)', seqs: [X('f888808080'), X('fc8480808080')] },
    { title: 'Last possible sequence of a certain length', seqs: [V('7f'), V('dfbf'), V('efbfbf'), V('f48fbfbf')] },
    { title: 'Last possible sequence length 4/5/6 (invalid codepoints)', seqs: [X('f7bfbfbf'), X('fbbfbfbfbf'), X('fdbfbfbfbfbf')] },
    { title: 'Other boundary conditions', seqs: [V('ed9fbf'), V('ee8080'), V('efbfbd'), V('f48fbfbf'), X('f4908080')] },
    { title: 'Unexpected continuation bytes', seqs: [X('80'), X('bf'), X('80bf'), X('80bf80'), X('80bf80bf'), X('80bf80bf80'), X('80bf80bf80bf'), { valid: false, bytes: range(0x80, 0xbf) }] },
    { title: 'Lonely start characters', seqs: [[0xc0, 0xdf], [0xe0, 0xef], [0xf0, 0xf7], [0xf8, 0xfb], [0xfc, 0xfd]].map(([lo, hi]) => ({ valid: false, bytes: range(lo, hi, 0x20) })) },
    { title: 'Sequences with last continuation byte missing', seqs: missing.map(X) },
    { title: 'Concatenation of incomplete sequences', seqs: [X(missing.join(''))] },
    { title: 'Impossible bytes', seqs: [X('fe'), X('ff'), X('fefeffff')] },
    { title: 'Examples of an overlong ASCII character', seqs: [X('c0af'), X('e080af'), X('f08080af'), X('f8808080af'), X('fc80808080af')] },
    { title: 'Maximum overlong sequences', seqs: [X('c1bf'), X('e09fbf'), X('f08fbfbf'), X('f887bfbfbf'), X('fc83bfbfbfbf')] },
    { title: 'Overlong representation of the NUL character', seqs: [X('c080'), X('e08080'), X('f0808080'), X('f880808080'), X('fc8080808080')] },
    { title: 'Single UTF-16 surrogates', seqs: [X('eda080'), X('edadbf'), X('edae80'), X('edafbf'), X('edb080'), X('edbe80'), X('edbfbf')] },
    {
      title: 'Paired UTF-16 surrogates',
      seqs: ['eda080edb080', 'eda080edbfbf', 'edadbfedb080', 'edadbfedbfbf', 'edae80edb080', 'edae80edbfbf', 'edafbfedb080', 'edafbfedbfbf'].map(X),
    },
    { title: 'Non-character code points (valid UTF-8)', seqs: nonChars },
    { title: 'Unicode specials (i.e. replacement char)', seqs: [V('efbfb9'), V('efbfba'), V('efbfbb'), V('efbfbc'), V('efbfbd'), V('efbfbe'), V('efbfbf')] },
  ];
}

function chapter6(): ConformCase[] {
  const VALID = 'A text message must be valid UTF-8, and the server must accept every valid sequence, whole or split anywhere between frames.';
  const INVALID = 'A text message must be valid UTF-8: the server must fail the connection with 1007 as soon as the bytes cannot be UTF-8.';
  const valid = (id: string, description: string, steps: Step[], payload: Uint8Array): ConformCase => make({
    id, rfc: '8.1', description, expectation: 'The message is echoed; clean close with code 1000.', rule: VALID,
    steps, expected: { OK: [msg(payload)] }, expectedClose: CLEAN, end: { after: 'close', seconds: 1 },
  });
  const byteFrames = (p: Uint8Array): Step[] => Array.from(p, (b, i) => frame(i === 0 ? 1 : 0, bytes(b), { fin: i === p.length - 1 }));
  const BAD = cat(KAPPA, hex('eda080'), text('edited'));
  const BAD2 = cat(KAPPA, hex('f4908080'), text('edited'));
  const out: ConformCase[] = [
    valid('6.1.1', 'Send a text message of length 0.', [frame(1, new Uint8Array(0))], new Uint8Array(0)),
    valid('6.1.2', 'Send a text message in 3 fragments, each of length 0.', [frame(1, undefined, { fin: false }), frame(0, undefined, { fin: false }), frame(0)], new Uint8Array(0)),
    valid('6.1.3', 'Send a text message in 3 fragments, the first and last empty.', [frame(1, undefined, { fin: false }), frame(0, text('middle frame payload'), { fin: false }), frame(0)], text('middle frame payload')),
    valid('6.2.1', 'Send a valid UTF-8 text message in one frame.', [frame(1, HELLO_UTF8)], HELLO_UTF8),
    valid('6.2.2', 'Send a valid UTF-8 text message in 2 fragments, split on a code point boundary.',
      [frame(1, text('Hello-µ@ßöä'), { fin: false }), frame(0, text('üàá-UTF-8!!'))], HELLO_UTF8),
    valid('6.2.3', 'Send a valid UTF-8 text message in fragments of 1 byte, so fragments end inside code points.', byteFrames(HELLO_UTF8), HELLO_UTF8),
    valid('6.2.4', 'Send "κόσμε" in fragments of 1 byte, so fragments end inside code points.', byteFrames(KAPPA), KAPPA),
    make({
      id: '6.3.1', rfc: '8.1', description: 'Send an invalid UTF-8 text message (a UTF-16 surrogate, ED A0 80) in one frame.',
      expectation: 'The connection is failed (1007).', rule: INVALID,
      steps: [frame(1, BAD)], expected: { OK: [] }, expectedClose: FAIL_1007,
    }),
    make({
      id: '6.3.2', rfc: '8.1', description: 'Send the same invalid UTF-8 text message in fragments of 1 byte.',
      expectation: 'The connection is failed (1007).', rule: INVALID,
      steps: byteFrames(BAD), expected: { OK: [] }, expectedClose: FAIL_1007,
    }),
  ];
  // 6.4: fail fast. The invalid byte (0x90 after F4: above U+10FFFF) is byte 12; the server should
  // fail at it, not wait for the message's end.
  const FAST = 'A server should fail the connection (1007) as soon as the bytes received so far cannot be valid UTF-8, not only when the message ends; failing at the end is NON-STRICT.';
  const fast = (id: string, description: string, parts: Step[][]): ConformCase => make({
    id, rfc: '8.1', description, expectation: 'The connection is failed (1007) right after the invalid part, before the last part is sent.', rule: FAST,
    steps: [...parts[0], wait(1, 'A'), ...parts[1], wait(1, 'B'), ...parts[2]],
    expected: { OK: [timeout('A')], 'NON-STRICT': [timeout('A'), timeout('B')] }, expectedClose: FAIL_1007,
  });
  const p1 = BAD2.subarray(0, 11);
  const p2 = BAD2.subarray(11, 15);
  const p3 = BAD2.subarray(15);
  out.push(
    fast('6.4.1', 'Send an invalid UTF-8 text message in 3 frames: valid, then the frame that makes it invalid (F4 90 80 80), then the rest, 1 s apart.',
      [[frame(1, p1, { fin: false })], [frame(0, p2, { fin: false })], [frame(0, p3)]]),
    fast('6.4.2', 'As 6.4.1, but the second frame holds only the one byte that makes the text invalid.',
      [[frame(1, BAD2.subarray(0, 12), { fin: false })], [frame(0, BAD2.subarray(12, 13), { fin: false })], [frame(0, BAD2.subarray(13))]]),
    fast('6.4.3', 'As 6.4.1, but in one frame whose payload is written in 3 parts, 1 s apart.',
      [[{ kind: 'frameStart', opcode: 1, length: BAD2.length }, { kind: 'data', bytes: p1 }], [{ kind: 'data', bytes: p2 }], [{ kind: 'data', bytes: p3 }]]),
    fast('6.4.4', 'As 6.4.2, but in one frame whose payload is written in 3 parts, 1 s apart.',
      [[{ kind: 'frameStart', opcode: 1, length: BAD2.length }, { kind: 'data', bytes: BAD2.subarray(0, 12) }], [{ kind: 'data', bytes: BAD2.subarray(12, 13) }], [{ kind: 'data', bytes: BAD2.subarray(13) }]]),
  );
  utf8Families().forEach((family, fi) => {
    family.seqs.forEach((s, si) => {
      const id = `6.${fi + 5}.${si + 1}`;
      const h = Array.from(s.bytes, (b) => b.toString(16).padStart(2, '0')).join('');
      const desc = `${family.title}: send a text message of ${h.length > 40 ? `${s.bytes.length} bytes (${h.slice(0, 40)}…)` : `0x${h}`} in one frame.`;
      out.push(s.valid
        ? make({ id, rfc: '8.1', description: desc, expectation: 'The message is echoed; clean close with code 1000.', rule: VALID, steps: [frame(1, s.bytes)], expected: { OK: [msg(s.bytes)] }, expectedClose: CLEAN, end: { after: 'kill', seconds: 0.5 } })
        : make({ id, rfc: '8.1', description: desc, expectation: 'The connection is failed (1007): the payload is not valid UTF-8.', rule: INVALID, steps: [frame(1, s.bytes)], expected: { OK: [] }, expectedClose: FAIL_1007, end: { after: 'kill', seconds: 0.5 } }));
    });
  });
  return out;
}

// ---------------------------------------------------------------- 7: close handling
function chapter7(): ConformCase[] {
  const N = closeBody(1000);
  const AFTER = 'After a Close frame nothing more is processed: the server answers the Close and ignores what follows.';
  const c = (id: string, rfc: string, description: string, expectation: string, rule: string, steps: Step[], expectedClose: ExpectedClose, extra: Partial<Spec> = {}): ConformCase =>
    make({ id, rfc, description, expectation, rule, steps, expected: { OK: [] }, expectedClose, suppressClose: true, post: 'wrongCode', ...extra });
  const out: ConformCase[] = [
    make({
      id: '7.1.1', rfc: '5.5.1', description: 'Send a text message, then close once it is echoed.', expectation: 'The message is echoed; clean close with code 1000.',
      rule: 'The closing handshake: one side sends Close, the other answers Close, then the server ends the TCP connection.',
      steps: [frame(1, text('Hello World!'))], expected: { OK: [msg(text('Hello World!'))] }, expectedClose: CLEAN, post: 'wrongCode',
    }),
    c('7.1.2', '5.5.1', 'Send two Close frames.', 'Clean close with code 1000; the second Close is ignored.', AFTER, [sendClose(N), frame(8)], CLEAN),
    c('7.1.3', '5.5.1', 'Send a Ping after the Close.', 'Clean close with code 1000; the Ping is not answered.', AFTER, [sendClose(N), frame(9)], CLEAN),
    c('7.1.4', '5.5.1', 'Send a text message after the Close.', 'Clean close with code 1000; the message is not echoed.', AFTER, [sendClose(N), frame(1, text('Hello World!'))], CLEAN),
    c('7.1.5', '5.5.1', 'Send a message fragment, then the Close, then the last fragment.', 'Clean close with code 1000; nothing is echoed.', AFTER,
      [frame(1, text('fragment1'), { fin: false }), sendClose(N), frame(0, text('fragment2'))], CLEAN),
    make({
      id: '7.1.6', rfc: '5.5.1', description: 'Send a 256 KiB text message, then a small one, then a Close, then a Ping.',
      expectation: 'Informational: either the small message is echoed before the Close is processed, or not.',
      rule: 'A server may process a Close before it has echoed messages still in flight; the RFC leaves the order open.',
      steps: [frame(1, fill(0x42, 256 * 1024)), frame(1, text('Hello World!')), sendClose(N), frame(9)],
      expected: { OK: [msg(text('Hello World!'))], 'NON-STRICT': [] }, expectedClose: CLEAN, suppressClose: true, post: 'informational',
    }),
    c('7.3.1', '5.5.1', 'Send a Close with an empty payload (no code, no reason).', 'Clean close; the server answers with code 1000 or none.',
      'A Close frame may have an empty body.', [sendClose(new Uint8Array(0))], CLEAN),
    c('7.3.2', '5.5.1', 'Send a Close with a payload of 1 byte.', 'The server fails the connection (1002).',
      'A Close body is empty or starts with a 2-byte code, so a 1-byte body is a protocol error (1002).', [sendClose(text('a'))], { closedByMe: true, closeCode: [1002], requireClean: false }),
    c('7.3.3', '5.5.1', 'Send a Close with code 1000 and no reason.', 'Clean close with code 1000.', 'A Close body may hold just a status code.', [sendClose(N)], CLEAN),
    c('7.3.4', '5.5.1', 'Send a Close with code 1000 and a reason.', 'Clean close with code 1000.', 'A Close body may hold a code and a UTF-8 reason.', [sendClose(closeBody(1000, text('Hello World!')))], CLEAN),
    c('7.3.5', '5.5', 'Send a Close with code 1000 and a reason of 123 bytes (the maximum).', 'Clean close with code 1000.',
      'A Close body (2-byte code plus reason) may be 125 bytes at most, so a 123-byte reason is the longest allowed.', [sendClose(closeBody(1000, fill(0x2a, 123)))], CLEAN),
    c('7.3.6', '5.5', 'Send a Close with code 1000 and a reason of 124 bytes (126 bytes in all).', 'The server fails the connection (1002).',
      'Control frames carry at most 125 bytes, so a Close with a 124-byte reason is a protocol error (1002).', [sendClose(closeBody(1000, fill(0x2a, 124)))], { closedByMe: true, closeCode: [1002], requireClean: false }),
    c('7.5.1', '5.5.1', 'Send a Close with code 1000 and a reason that is not valid UTF-8.', 'The server fails the connection (1002 or 1007).',
      'A Close reason must be valid UTF-8; the server fails the connection (1007, or 1002).', [sendClose(closeBody(1000, cat(KAPPA, hex('eda080'), text('edited'))))],
      { closedByMe: true, closeCode: [1002, 1007], requireClean: false }),
  ];
  [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999].forEach((code, i) => {
    out.push(c(`7.7.${i + 1}`, '7.4.1', `Send a Close with the valid code ${code}.`, `Clean close with code 1000 or ${code}.`,
      `${code} is a code an endpoint may send, so the server answers the Close normally (with 1000 or the same code).`, [sendClose(closeBody(code))],
      { closedByMe: true, closeCode: [1000, code], requireClean: true }));
  });
  [0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999].forEach((code, i) => {
    out.push(c(`7.9.${i + 1}`, '7.4.1', `Send a Close with the invalid code ${code}.`, 'The server fails the connection (1002) or drops TCP.',
      `${code} may never be sent in a Close frame (${code < 1000 ? '0-999 are unused' : code <= 1006 ? 'reserved or local-only' : 'reserved for future RFCs'}), so the server fails the connection (1002).`,
      [sendClose(closeBody(code))], { closedByMe: true, closeCode: [1002], requireClean: false }));
  });
  for (const [i, code] of [5000, 65535].entries()) {
    out.push(c(`7.13.${i + 1}`, '7.4.2', `Send a Close with code ${code}.`, 'Informational: the RFC does not say what a server does with it.',
      `Code ${code} lies outside every range RFC 6455 defines; what a server answers is up to it.`, [sendClose(closeBody(code))],
      { closedByMe: true, closeCode: [1000, code, 1002], requireClean: false }, { post: 'informational' }));
  }
  return out;
}

// ---------------------------------------------------------------- w.1: wslab's own
function chapterW(): ConformCase[] {
  const w = (id: string, rfc: string, description: string, rule: string, steps: Step[], codes = [1002]): ConformCase => make({
    id, rfc, description, expectation: `The connection is failed immediately (${codes.join(' or ')}).`, rule, steps,
    expected: { OK: [] }, expectedClose: { closedByMe: false, closeCode: codes, requireClean: false }, post: 'wrongCode',
  });
  return [
    w('w.1.1', '5.1', 'Send a small text message without masking it.',
      'Every frame a client sends must be masked; a server must fail the connection (1002) on an unmasked one.', [frame(1, HELLO, { unmasked: true })]),
    w('w.1.2', '5.1', 'Send a Ping without masking it.',
      'Every frame a client sends must be masked, control frames included; no Pong may answer an unmasked Ping.', [frame(9, HELLO, { unmasked: true })]),
    w('w.1.3', '5.1', 'Send a Close (code 1000) without masking it.',
      'Every frame a client sends must be masked, even a Close: the server fails the connection (1002) instead of closing normally.', [frame(8, closeBody(1000), { unmasked: true })]),
    w('w.1.4', '5.5', 'Send a Ping whose header declares a 64-bit length of 65536 bytes, but send only 125.',
      'A control frame may not declare more than 125 bytes; the server must fail the connection (1002) from the header alone, without waiting for a payload that never comes.',
      [frame(9, fill(0x2a, 125), { lengthOverride: 65536, lengthBits: 64 })]),
    w('w.1.5', '5.5', 'Send a Close whose header declares a 16-bit length of 126 bytes, but send only 2.',
      'A control frame may not declare more than 125 bytes; the server must fail the connection (1002) from the header alone.',
      [frame(8, closeBody(1000), { lengthOverride: 126, lengthBits: 16 })]),
    w('w.1.6', '5.2', 'Send a binary frame whose 64-bit length has its most significant bit set.',
      'The most significant bit of a 64-bit length must be 0; the server must fail the connection (1002, or 1009 for a length it cannot accept) from the header alone.',
      [frame(2, fill(0x2a, 8), { lengthOverride: 2 ** 63, lengthBits: 64 })], [1002, 1009]),
    w('w.1.7', '10.4', 'Send a binary frame declaring 1 TiB (2^40 bytes), then nothing more.',
      'A server must refuse a frame larger than it accepts (1009) as soon as it reads the length, instead of buffering toward it.',
      [frame(2, fill(0x2a, 8), { lengthOverride: 2 ** 40, lengthBits: 64 })], [1009, 1002]),
  ];
}

/**
 * The default `--scale`: chapter 9's messages (9.1-9.6) and round trips (9.7, 9.8) and the messages
 * of chapters 12-13 are Autobahn's times this, so that a whole run stays within minutes.
 */
export const DEFAULT_SCALE = 1 / 64;

/** Every case at a scale (1 = Autobahn's sizes), in Autobahn's order, then wslab's own chapter. */
export function buildCases(scale: number = DEFAULT_SCALE): ConformCase[] {
  return [
    ...chapter1(), ...chapter2(), ...chapter3(), ...chapter4(), ...chapter5(), ...chapter6(), ...chapter7(),
    ...chapter9(scale), ...chapter10(), ...chapter12(scale), ...chapter13(scale), ...chapterW(),
  ];
}

/** Every case at the default scale. */
export const CASES: readonly ConformCase[] = buildCases();

/**
 * Cases matching any of the patterns, in suite order. A pattern is a case id where `*` matches
 * any run of characters (Autobahn's config style): "6.*", "1.1.1", "w.*", "*".
 */
export function selectCases(patterns: readonly string[], cases: readonly ConformCase[] = CASES): ConformCase[] {
  const res = patterns.map((p) => new RegExp('^' + p.trim().replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*') + '$'));
  return cases.filter((c) => res.some((re) => re.test(c.id)));
}
