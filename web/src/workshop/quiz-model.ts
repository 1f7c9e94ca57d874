// The room quiz as a page knows it: the question asked now and its counts, folded from the
// `quiz` events in the store (newest wins), else from GET /__wslab/workshop/quiz when the page
// opened after the question went out. Pure: no React, no DOM, no fetch.
import type { EventOf } from '../../../server/core/events/schema.ts';
import type { QuizView } from './teaching-api.ts';

export interface RoomQuizState extends QuizView {
  ended: boolean;
}

/** The newest quiz in `events` with everything its later tally, reveal or end events say; null when none. */
export function quizFromEvents(events: readonly { type: string; seq: number }[]): RoomQuizState | null {
  let state: RoomQuizState | null = null;
  const later: EventOf<'quiz'>[] = [];
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i];
    if (e.type !== 'quiz') continue;
    const q = e as EventOf<'quiz'>;
    if (q.action !== 'ask') {
      later.push(q);
      continue;
    }
    state = {
      id: q.quiz,
      question: q.question ?? '',
      choices: q.choices ?? [],
      source: q.source,
      counts: q.counts,
      answered: q.answered,
      participants: q.participants,
      revealed: false,
      correct: null,
      ended: false,
    };
    break;
  }
  if (!state) return null;
  for (let i = later.length - 1; i >= 0; i--) {
    const e = later[i];
    if (e.quiz !== state.id) continue;
    state.counts = e.counts;
    state.answered = e.answered;
    state.participants = e.participants;
    if (e.action === 'reveal') {
      state.revealed = true;
      state.correct = e.correct;
    }
    if (e.action === 'end') state.ended = true;
  }
  return state;
}

/** The store's view when it saw the question asked; otherwise what the server said when asked. */
export function roomQuiz(events: readonly { type: string; seq: number }[], fetched: QuizView | null): RoomQuizState | null {
  const fromEvents = quizFromEvents(events);
  const num = (id: string) => Number(id.slice(1));
  if (fromEvents && (!fetched || num(fromEvents.id) >= num(fetched.id))) {
    return fromEvents.ended ? null : fromEvents;
  }
  if (!fetched) return null;
  // a quiz fetched before the store saw its question: its later events still update it
  const state: RoomQuizState = { ...fetched, ended: false };
  for (const e of events) {
    if (e.type !== 'quiz' || (e as EventOf<'quiz'>).quiz !== fetched.id) continue;
    const q = e as EventOf<'quiz'>;
    state.counts = q.counts;
    state.answered = q.answered;
    if (q.action === 'reveal') [state.revealed, state.correct] = [true, q.correct];
    if (q.action === 'end') return null;
  }
  return state;
}

/** "A", "B", ... */
export const letter = (i: number) => String.fromCharCode(65 + i);

/** Each bar's share of the answers, whole percent. */
export function shares(counts: readonly number[]): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => (total === 0 ? 0 : Math.round((c / total) * 100)));
}
