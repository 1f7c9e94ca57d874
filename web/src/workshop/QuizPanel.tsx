// The presenter's room quiz panel: pick any lesson's question or type one, ask the room, watch
// the histogram fill (redrawn at most twice a second), reveal, put it away.
import { useMemo, useState } from 'react';
import { LESSONS } from '../lessons/data.ts';
import { quizzesOf } from '../lessons/model.ts';
import { askQuiz, endQuiz, revealQuiz } from './teaching-api.ts';
import { letter } from './quiz-model.ts';
import { Histogram, useRoomQuiz } from './QuizCard.tsx';

interface Pick {
  value: string;
  label: string;
  question: string;
  choices: string[];
  answer: number;
  source: string;
}

/** Every lesson's quiz questions, for the picker. */
function lessonQuestions(): { lesson: string; picks: Pick[] }[] {
  return LESSONS.map((l) => ({
    lesson: `${Number(l.number)}. ${l.title}`,
    picks: quizzesOf(l).map((q) => ({ value: `${l.id}#${q.index}`, label: q.question, question: q.question, choices: q.choices, answer: q.answer, source: `${l.id}#${q.index}` })),
  })).filter((g) => g.picks.length > 0);
}

/** The presenter's quiz controls and the live histogram. */
export function PresenterQuiz() {
  const { quiz } = useRoomQuiz();
  const groups = useMemo(lessonQuestions, []);
  const [pick, setPick] = useState('');
  const [question, setQuestion] = useState('');
  const [choices, setChoices] = useState(['', '', '', '']);
  const [answer, setAnswer] = useState(0);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const picked = groups.flatMap((g) => g.picks).find((p) => p.value === pick) ?? null;

  async function run<T>(p: Promise<{ ok: true; value: T } | { ok: false; error: string }>) {
    setBusy(true);
    const r = await p;
    setBusy(false);
    setProblem(r.ok ? null : r.error);
  }

  function ask() {
    if (picked) return run(askQuiz({ question: picked.question, choices: picked.choices, answer: picked.answer, source: picked.source }));
    const filled = choices.map((c) => c.trim());
    const kept = filled.filter(Boolean);
    const right = filled[answer] ? kept.indexOf(filled[answer]) : -1;
    return run(askQuiz({ question: question.trim(), choices: kept, answer: right < 0 ? 0 : right }));
  }

  return (
    <section className="lab-panel wk-panel wk-quiz" aria-label="Room quiz" data-testid="wk-quiz-panel">
      <h2>Room quiz</h2>
      {quiz && (
        <div className="wk-quiz-live" data-testid="wk-quiz-live">
          <p className="wk-quiz-q">
            <span className="muted">{quiz.id}:</span> {quiz.question}
          </p>
          <Histogram quiz={quiz} />
          <p className="wk-quiz-count" data-testid="wk-quiz-answered">
            {quiz.answered} of {quiz.participants} answered{quiz.revealed ? ' · revealed' : ''}
          </p>
          <div className="lab-actions">
            <button type="button" className="lab-btn lab-primary" disabled={busy || quiz.revealed} onClick={() => void run(revealQuiz())}>
              Reveal the answer
            </button>
            <button type="button" className="lab-btn" disabled={busy} onClick={() => void run(endQuiz())}>
              Put it away
            </button>
          </div>
        </div>
      )}
      <form
        className="wk-quiz-form"
        onSubmit={(e) => {
          e.preventDefault();
          void ask();
        }}
      >
        <label className="lab-field wk-wide">
          <span>Question</span>
          <select value={pick} onChange={(e) => setPick(e.target.value)} aria-label="Question" data-testid="wk-quiz-pick">
            <option value="">Type a new question…</option>
            {groups.map((g) => (
              <optgroup key={g.lesson} label={g.lesson}>
                {g.picks.map((p) => (
                  <option key={p.value} value={p.value}>
                    {p.label.length > 90 ? `${p.label.slice(0, 89)}…` : p.label}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
        </label>
        {picked ? (
          <ol className="wk-quiz-preview">
            {picked.choices.map((c, i) => (
              <li key={i} className={i === picked.answer ? 'right' : undefined}>
                <b>{letter(i)}</b> {c}
                {i === picked.answer ? ' (right)' : ''}
              </li>
            ))}
          </ol>
        ) : (
          <div className="wk-quiz-new">
            <label className="lab-field wk-wide">
              <span>Your question</span>
              <input value={question} maxLength={500} onChange={(e) => setQuestion(e.target.value)} placeholder="Who sends the masking key?" data-testid="wk-quiz-question" />
            </label>
            {choices.map((c, i) => (
              <label key={i} className="lab-field wk-choice">
                <span>
                  <input type="radio" name="wk-right" checked={answer === i} onChange={() => setAnswer(i)} aria-label={`${letter(i)} is right`} /> {letter(i)}
                </span>
                <input
                  value={c}
                  maxLength={200}
                  onChange={(e) => setChoices(choices.map((x, j) => (j === i ? e.target.value : x)))}
                  placeholder={i < 2 ? 'a choice' : 'optional'}
                  data-testid={`wk-quiz-choice-${i}`}
                />
              </label>
            ))}
          </div>
        )}
        <div className="lab-actions">
          <button type="submit" className="lab-btn lab-primary" disabled={busy || (!picked && (!question.trim() || choices.filter((c) => c.trim()).length < 2))} data-testid="wk-quiz-ask">
            {quiz && !quiz.revealed ? 'Ask this instead' : 'Ask the room'}
          </button>
        </div>
      </form>
      {problem && (
        <p className="lab-problem" role="alert">
          {problem}
        </p>
      )}
    </section>
  );
}

