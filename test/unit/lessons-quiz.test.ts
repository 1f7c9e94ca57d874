// Quizzes that measure (web/src/lessons/quiz.ts): choices shuffled per learner and stable for
// that learner, the first answer recorded, one retry before the reveal, and "predict, then check"
// quizzes whose measurement is read off a craft API answer with the codec.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { answer, choiceOrder, craftBody, FRESH, measure, newLearnerId, parseCheck, recorded, restore } from '../../web/src/lessons/quiz.ts';
import { parseLessons, quizzesOf, type QuizBlock } from '../../web/src/lessons/model.ts';
import type { CraftResult } from '../../server/core/api/playground.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = join(ROOT, 'lessons');
const lessons = parseLessons(Object.fromEntries(readdirSync(dir).filter((f) => f.endsWith('.md')).map((f) => [f, readFileSync(join(dir, f), 'utf8')])));
const quizzes = lessons.flatMap((l) => quizzesOf(l).map((q) => ({ lesson: l.id, q })));

describe('shuffled choices', () => {
  test('an order is a permutation, the same for the same learner, lesson and question', () => {
    const a = choiceOrder(4, '0123456789abcdef', 'frames-and-opcodes', 1);
    expect([...a].sort()).toEqual([0, 1, 2, 3]);
    expect(choiceOrder(4, '0123456789abcdef', 'frames-and-opcodes', 1)).toEqual(a);
  });

  test('different learners see different orders, and the right answer is spread over the positions', () => {
    const learners = Array.from({ length: 200 }, (_, i) => newLearnerId(new Uint8Array([i, i >> 8, 7, 7, 7, 7, 7, 7])));
    expect(new Set(learners).size).toBe(200);
    const orders = new Set(learners.map((l) => choiceOrder(3, l, 'handshake', 0).join('')));
    expect(orders.size).toBe(6); // all 3! orders occur
    // where the right answer lands for one learner across every quiz of the curriculum
    const positions = [0, 0, 0, 0];
    for (const { lesson, q } of quizzes) positions[choiceOrder(q.choices.length, learners[0], lesson, q.index).indexOf(q.answer)]++;
    const shown = positions.slice(0, 3);
    // 45 quizzes: no position holds more than two thirds of the right answers (it was 35 of 42 at position 2)
    for (const n of shown) expect(n).toBeLessThan((quizzes.length * 2) / 3);
    expect(positions.reduce((a, b) => a + b)).toBe(quizzes.length);
  });

  test('a learner id is 16 hex digits', () => {
    expect(newLearnerId(new Uint8Array([0, 1, 2, 255, 16, 32, 64, 128, 9]))).toBe('000102ff10204080');
  });
});

describe('first answer recorded, one retry, then the reveal', () => {
  test('right at once: revealed, recorded right', () => {
    const r = answer(FRESH, 2, 2);
    expect(r).toEqual({ state: { tries: [2], revealed: true }, verdict: 'right' });
    expect(recorded(r.state)).toBe(2);
  });

  test('wrong first: a retry with nothing revealed; right second: revealed, but the first answer stays recorded', () => {
    const first = answer(FRESH, 0, 2);
    expect(first).toEqual({ state: { tries: [0], revealed: false }, verdict: 'retry' });
    const second = answer(first.state, 2, 2);
    expect(second).toEqual({ state: { tries: [0, 2], revealed: true }, verdict: 'right' });
    expect(recorded(second.state)).toBe(0);
  });

  test('wrong twice: revealed as wrong; answers after the reveal change nothing', () => {
    const two = answer(answer(FRESH, 0, 2).state, 1, 2);
    expect(two).toEqual({ state: { tries: [0, 1], revealed: true }, verdict: 'wrong' });
    expect(answer(two.state, 2, 2)).toEqual({ state: two.state, verdict: 'wrong' });
  });

  test('a stored first answer comes back revealed; none comes back fresh', () => {
    expect(restore(1)).toEqual({ tries: [1], revealed: true });
    expect(restore(undefined)).toEqual(FRESH);
  });
});

describe('predict, then check', () => {
  const checks = quizzes.filter((x): x is { lesson: string; q: QuizBlock & { check: NonNullable<QuizBlock['check']> } } => x.q.check !== undefined);

  test('at least three quizzes are checked on the live server, and each right choice names the measured value', () => {
    expect(checks.map((c) => `${c.lesson}#${c.q.index}:${c.q.check.measure}=${c.q.check.expect}`)).toEqual([
      'frames-and-opcodes#1:sent-header=8',
      'frames-and-opcodes#2:close-code=1002',
      'data-types#2:close-code=1007',
      'ghosts-and-heartbeats#2:reply-frame=7',
    ]);
    for (const { q } of checks) expect(q.choices[q.answer]).toContain(String(q.check.expect));
  });

  test('the craft body carries the frames as hex, masked unless the lesson says otherwise', () => {
    const body = craftBody(checks[0].q.check);
    expect(body.frames).toEqual([{ opcode: 1, fin: true, mask: true, payloadHex: '78'.repeat(300) }]);
    expect(craftBody(checks[1].q.check).frames).toEqual([{ opcode: 1, fin: true, mask: false, payloadHex: '48656c6c6f' }]);
    expect(craftBody(checks[2].q.check).frames[0].payloadHex).toBe('c328');
  });

  const result = (over: Partial<CraftResult>): CraftResult => ({ conn: 'c1', status: 101, sentHex: '', streamOffset: 0, frames: [], violation: null, closed: true, ...over });
  const frame = { offset: 0, fin: true, rsv1: false, rsv2: false, rsv3: false, masked: false, maskingKey: null, payloadHex: '', text: null, closeCode: null, closeReason: null };

  test('measures: the sent header via the codec, the reply frame size, the close code', () => {
    const sent = '81fe012c' + '01020304' + '00'.repeat(300);
    expect(measure(checks[0].q.check, result({ sentHex: sent }))).toMatchObject({ value: 8 });
    expect(measure(checks[1].q.check, result({ frames: [{ ...frame, opcode: 8, opcodeName: 'CLOSE', payloadLength: 2, headerLength: 2, closeCode: 1002 }] }))).toEqual({
      value: 1002,
      detail: 'the server closed with 1002',
    });
    expect(measure(checks[3].q.check, result({ frames: [{ ...frame, opcode: 10, opcodeName: 'PONG', payloadLength: 5, headerLength: 2 }] }))).toMatchObject({ value: 7 });
    expect(measure(checks[1].q.check, result({ status: 403 }))).toEqual({ error: 'the upgrade was answered 403, not 101' });
    expect(measure(checks[1].q.check, result({}))).toEqual({ error: 'the server sent no close frame' });
  });

  test('a malformed check is refused with a sentence', () => {
    expect(parseCheck({ frames: [{ opcode: 1 }], measure: 'speed', expect: 1 })).toMatch(/^check: measure must be one of/);
    expect(parseCheck({ frames: [], measure: 'close-code', expect: 1 })).toBe('check: frames must be a list of 1 to 4 frames');
    expect(parseCheck({ frames: [{ opcode: 1, text: 'x', repeat: 5000 }], measure: 'close-code', expect: 1 })).toBe('check: frame 1: payload over 4096 bytes');
    expect(parseCheck({ frames: [{ opcode: 16 }], measure: 'close-code', expect: 1 })).toBe('check: frame 1: opcode must be 0-15');
  });
});
