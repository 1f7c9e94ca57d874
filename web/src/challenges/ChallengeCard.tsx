// One challenge: its goal, hints one at a time, the reference solution behind a click, and
// whether the server has seen it done.
import { useState } from 'react';
import type { ChallengeView } from './model.ts';
import { learnerId } from './learner.ts';

export function ChallengeCard({ c }: { c: ChallengeView }) {
  const [hints, setHints] = useState(0);
  const learner = learnerId() ?? 'YOUR_ID';
  const fill = (s: string) => s.replaceAll('YOUR_ID', learner);
  return (
    <li className={`challenge ${c.solved ? 'solved' : ''}`} data-challenge={c.id} data-solved={c.solved ? 'true' : 'false'}>
      <div className="challenge-head">
        <span className="challenge-state" aria-hidden="true">
          {c.solved ? '✓' : '○'}
        </span>
        <h3 className="challenge-title">{c.title}</h3>
        <code className="challenge-id">{c.id}</code>
        <span className="challenge-status">{c.solved ? `solved${c.solvedAt ? ` at ${new Date(c.solvedAt).toLocaleTimeString()}` : ''}` : 'not yet'}</span>
      </div>
      <p className="challenge-goal">{c.goal}</p>
      {hints > 0 && (
        <ol className="challenge-hints">
          {c.hints.slice(0, hints).map((h) => (
            <li key={h}>{fill(h)}</li>
          ))}
        </ol>
      )}
      <div className="challenge-actions">
        {hints < c.hints.length && (
          <button type="button" onClick={() => setHints(hints + 1)}>
            {hints === 0 ? 'Hint' : 'Another hint'}
          </button>
        )}
        <details className="challenge-solution">
          <summary>Solution</summary>
          <ol>
            {c.solution.map((s) => (
              <li key={s}>
                <code>{fill(s)}</code>
              </li>
            ))}
          </ol>
        </details>
      </div>
    </li>
  );
}
