// The room quiz as every page shows it: the hook that follows the question asked now (from the
// page's own event stream, and the server's answer when the page opened late), the histogram (the
// presenter's page and the projector), and the participant's card: answer once, see whether you
// were right when the presenter reveals. Kept apart from the presenter's picker so participants'
// pages do not load every lesson.
import { useEffect, useRef, useState } from 'react';
import { useThrottledSlice } from '../store/hooks.ts';
import { answerQuiz, getQuiz, type QuizView } from './teaching-api.ts';
import { letter, roomQuiz, shares, type RoomQuizState } from './quiz-model.ts';
import './quiz.css';

/** Redraws at most twice a second: the histogram of a room of 500 answering at once. */
export const QUIZ_REDRAW_MS = 500;

/** The quiz asked now, from the store's events (and the server's answer when the page opened late). */
export function useRoomQuiz(): { quiz: RoomQuizState | null; yours: number | null; setYours: (n: number) => void } {
  const store = useThrottledSlice('events', QUIZ_REDRAW_MS);
  const [fetched, setFetched] = useState<{ quiz: QuizView | null; yours: number | null } | null>(null);
  const quiz = roomQuiz(store.events, fetched?.quiz ?? null);
  const [yours, setYoursState] = useState<{ id: string; choice: number } | null>(null);
  useEffect(() => {
    let live = true;
    void getQuiz().then((r) => live && r.ok && setFetched(r.value));
    return () => {
      live = false;
    };
  }, []);
  // a new question, or a reveal: ask the server what this participant's recorded answer is (another tab may have answered)
  const key = quiz ? `${quiz.id}:${quiz.revealed}` : '';
  useEffect(() => {
    if (!quiz) return;
    let live = true;
    const t = setTimeout(() => void getQuiz().then((r) => live && r.ok && r.value.quiz?.id === quiz.id && r.value.yours !== null && setYoursState({ id: quiz.id, choice: r.value.yours })), Math.random() * 800);
    return () => {
      live = false;
      clearTimeout(t);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  const mine = quiz && yours?.id === quiz.id ? yours.choice : quiz && fetched?.quiz?.id === quiz.id ? fetched.yours : null;
  return { quiz, yours: mine, setYours: (n) => quiz && setYoursState({ id: quiz.id, choice: n }) };
}

export function Histogram({ quiz, large = false }: { quiz: RoomQuizState; large?: boolean }) {
  const pct = shares(quiz.counts);
  const max = Math.max(1, ...quiz.counts);
  return (
    <ol className={`wk-histogram${large ? ' large' : ''}`} data-testid="wk-histogram" aria-label="Answers so far">
      {quiz.choices.map((c, i) => (
        <li key={i} className={quiz.revealed && quiz.correct === i ? 'right' : quiz.revealed ? 'wrong' : undefined} data-count={quiz.counts[i]}>
          <span className="wk-h-label">
            <b>{letter(i)}</b> {c}
            {quiz.revealed && quiz.correct === i ? ' ✓' : ''}
          </span>
          <span className="wk-h-bar" aria-hidden="true">
            <span style={{ width: `${(quiz.counts[i] / max) * 100}%` }} />
          </span>
          <span className="wk-h-count num">
            {quiz.counts[i]} <span className="muted">({pct[i]}%)</span>
          </span>
        </li>
      ))}
    </ol>
  );
}

/** A participant's card: the question, one answer, and after the reveal whether it was right. */
export function ParticipantQuiz() {
  const { quiz, yours, setYours } = useRoomQuiz();
  const [problem, setProblem] = useState<string | null>(null);
  const sending = useRef(false);
  if (!quiz) return null;

  async function answer(i: number) {
    if (sending.current || !quiz) return;
    sending.current = true;
    const r = await answerQuiz(quiz.id, i);
    sending.current = false;
    if (!r.ok) return setProblem(r.error);
    setProblem(null);
    setYours(r.value.choice);
  }

  const verdict =
    quiz.revealed && quiz.correct !== null
      ? yours === null
        ? `You did not answer. The answer was ${letter(quiz.correct)}.`
        : yours === quiz.correct
          ? `Right: ${letter(quiz.correct)}.`
          : `Not this time: you said ${letter(yours)}, the answer was ${letter(quiz.correct)}.`
      : null;

  return (
    <section className="lab-panel wk-panel wk-quiz wk-quiz-card" aria-label="Room quiz" data-testid="wk-quiz-card" data-quiz={quiz.id}>
      <h2>Quiz from the presenter</h2>
      <p className="wk-quiz-q">{quiz.question}</p>
      <ol className="wk-quiz-choices">
        {quiz.choices.map((c, i) => (
          <li key={i}>
            <button
              type="button"
              className={`wk-choice-btn${yours === i ? ' chosen' : ''}${quiz.revealed && quiz.correct === i ? ' right' : ''}`}
              disabled={yours !== null || quiz.revealed}
              aria-pressed={yours === i}
              onClick={() => void answer(i)}
            >
              <b>{letter(i)}</b> {c}
            </button>
          </li>
        ))}
      </ol>
      <p className="wk-quiz-status" role="status" data-testid="wk-quiz-status" data-verdict={verdict === null ? '' : yours === quiz.correct ? 'right' : 'wrong'}>
        {verdict ?? (yours !== null ? `Your answer, ${letter(yours)}, is in. Wait for the reveal.` : 'Pick one: your first answer is the one counted.')}
      </p>
      {quiz.revealed && <Histogram quiz={quiz} />}
      {problem && (
        <p className="lab-problem" role="alert">
          {problem}
        </p>
      )}
    </section>
  );
}
