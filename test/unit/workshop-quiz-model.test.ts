// The room quiz as a page folds it from its events: the newest question, its tallies and reveal;
// a question put away is gone; a page that opened late starts from the server's answer and its
// later events still update it.
import { describe, expect, test } from 'vitest';
import { quizFromEvents, roomQuiz, shares } from '../../web/src/workshop/quiz-model.ts';
import type { QuizView } from '../../web/src/workshop/teaching-api.ts';

const base = { v: 1 as const, t: 1 };
const quiz = (seq: number, action: 'ask' | 'tally' | 'reveal' | 'end', id: string, counts: number[], extra: Record<string, unknown> = {}) => ({
  ...base, seq, type: 'quiz', action, quiz: id, question: action === 'ask' ? `question ${id}` : null, choices: action === 'ask' ? counts.map((_, i) => `c${i}`) : null,
  source: null, counts, answered: counts.reduce((a, b) => a + b, 0), participants: 5, correct: null, ...extra,
});

describe('the room quiz from events', () => {
  test('the newest question with its latest tally and its reveal', () => {
    const events = [quiz(1, 'ask', 'q1', [0, 0]), quiz(2, 'end', 'q1', [1, 0]), quiz(3, 'ask', 'q2', [0, 0, 0]), { ...base, seq: 4, type: 'frame' }, quiz(5, 'tally', 'q2', [1, 2, 0]), quiz(6, 'reveal', 'q2', [1, 3, 0], { correct: 1 })];
    expect(quizFromEvents(events)).toEqual({ id: 'q2', question: 'question q2', choices: ['c0', 'c1', 'c2'], source: null, counts: [1, 3, 0], answered: 4, participants: 5, revealed: true, correct: 1, ended: false });
  });

  test('a question put away is no longer shown', () => {
    expect(roomQuiz([quiz(1, 'ask', 'q1', [0, 0]), quiz(2, 'end', 'q1', [0, 0])], null)).toBe(null);
  });

  test("a page that opened after the question went out starts from the server's view; later tallies update it", () => {
    const fetched: QuizView = { id: 'q3', question: 'Q', choices: ['a', 'b'], source: null, counts: [1, 0], answered: 1, participants: 5, revealed: false, correct: null };
    expect(roomQuiz([quiz(9, 'tally', 'q3', [1, 1])], fetched)).toMatchObject({ id: 'q3', counts: [1, 1], answered: 2, revealed: false });
    expect(roomQuiz([quiz(9, 'reveal', 'q3', [1, 1], { correct: 0 })], fetched)).toMatchObject({ revealed: true, correct: 0 });
    expect(roomQuiz([quiz(9, 'end', 'q3', [1, 1])], fetched)).toBe(null);
    // an older question in the store does not hide the newer one the server reported
    expect(roomQuiz([quiz(1, 'ask', 'q2', [0, 0])], fetched)?.id).toBe('q3');
  });

  test('shares are whole percents of the answers', () => {
    expect(shares([1, 2, 1])).toEqual([25, 50, 25]);
    expect(shares([0, 0])).toEqual([0, 0]);
  });
});
