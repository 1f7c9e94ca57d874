// A lesson's quiz as the learner meets it: choices in the learner's own shuffled order, the first
// answer recorded, one retry before the explanation, and for "predict, then check" quizzes a
// button that sends the frames to this server and shows what it answered (quiz.ts holds the rules).
import { useId, useMemo, useState } from 'react';
import { craft, type CraftFrame } from '../ws/api.ts';
import type { QuizBlock } from './model.ts';
import { answer, choiceOrder, craftBody, measure, recorded, restore, type Attempt, type Verdict } from './quiz.ts';
import { learnerId } from './learner.ts';
import { recordAnswer } from './progress.ts';
import './quiz.css';

type Live = { state: 'idle' } | { state: 'running' } | { state: 'done'; value: number; detail: string } | { state: 'failed'; error: string };

function LiveCheck({ block }: { block: QuizBlock & { check: NonNullable<QuizBlock['check']> } }) {
  const [live, setLive] = useState<Live>({ state: 'idle' });
  const run = async () => {
    setLive({ state: 'running' });
    const body = craftBody(block.check);
    const res = await craft(body.frames as unknown as CraftFrame[], body.waitMs);
    if ('error' in res) return setLive({ state: 'failed', error: res.error });
    const m = measure(block.check, res.value);
    setLive('error' in m ? { state: 'failed', error: m.error } : { state: 'done', ...m });
  };
  return (
    <div className="quiz-live" data-testid="quiz-live">
      <button type="button" className="quiz-live-run" onClick={() => void run()} disabled={live.state === 'running'}>
        {live.state === 'done' ? 'Send it again' : 'Check it on this server'}
      </button>
      {live.state === 'running' && <span className="muted"> sending to /lab/raw…</span>}
      {live.state === 'done' && (
        <p className="quiz-live-result" role="status">
          Measured on this server: <strong data-testid="quiz-live-value">{live.value}</strong> ({live.detail}).
        </p>
      )}
      {live.state === 'failed' && (
        <p className="quiz-live-result failed" role="status">
          The check could not run: {live.error}.
        </p>
      )}
    </div>
  );
}

const SAYS: Record<Verdict, string> = {
  right: 'Right.',
  retry: 'Not quite. Think again and try once more; the first answer is the one that counts.',
  wrong: 'Not quite.',
};

export function Quiz({ block, lessonId, chosen }: { block: QuizBlock; lessonId: string; chosen: number | undefined }) {
  const name = useId();
  const order = useMemo(() => choiceOrder(block.choices.length, learnerId(), lessonId, block.index), [block, lessonId]);
  const [attempt, setAttempt] = useState<Attempt>(() => restore(chosen));
  const [pick, setPick] = useState<number | undefined>(() => (chosen === undefined ? undefined : chosen));
  const [verdict, setVerdict] = useState<Verdict | null>(() => (chosen === undefined ? null : chosen === block.answer ? 'right' : 'wrong'));
  const check = () => {
    if (pick === undefined || attempt.revealed) return;
    const next = answer(attempt, pick, block.answer);
    if (attempt.tries.length === 0) recordAnswer(lessonId, block.index, recorded(next.state)!);
    setAttempt(next.state);
    setVerdict(next.verdict);
  };
  const shown = attempt.revealed;
  const tried = new Set(attempt.tries);
  const predict = block.check !== undefined;
  return (
    <fieldset className={`quiz${predict ? ' quiz-predict' : ''}`} data-quiz={block.index} data-tries={attempt.tries.length}>
      <legend>
        <span className="quiz-tag">{predict ? 'Predict, then check' : 'Quiz'}</span> {block.question}
      </legend>
      <div className="quiz-choices">
        {order.map((i) => {
          const mark = shown ? (i === block.answer ? 'right' : tried.has(i) ? 'wrong' : '') : tried.has(i) ? 'tried' : '';
          return (
            <label key={i} className={`quiz-choice ${mark}`} data-choice={i}>
              <input type="radio" name={name} checked={pick === i} disabled={shown || tried.has(i)} onChange={() => setPick(i)} />
              <span>{block.choices[i]}</span>
              {mark === 'right' && <span className="quiz-mark"> ✓</span>}
              {(mark === 'wrong' || mark === 'tried') && <span className="quiz-mark"> ✗</span>}
            </label>
          );
        })}
      </div>
      {!shown && (
        <button type="button" className="quiz-check" onClick={check} disabled={pick === undefined || tried.has(pick)}>
          {attempt.tries.length === 0 ? (predict ? 'Lock in my prediction' : 'Check') : 'Try again'}
        </button>
      )}
      {verdict && (
        <div className={`quiz-result ${verdict}`} role="status">
          <strong>{SAYS[verdict]}</strong> {shown && block.explain}
          {shown && attempt.tries[0] !== block.answer && <span className="quiz-first"> Recorded: your first answer.</span>}
        </div>
      )}
      {predict && attempt.tries.length > 0 && <LiveCheck block={block as QuizBlock & { check: NonNullable<QuizBlock['check']> }} />}
    </fieldset>
  );
}
