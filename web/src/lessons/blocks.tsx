// The embedded blocks of a lesson, drawn as components: a link into a live view, a quiz, a
// mermaid diagram, a decoded frame, a coding exercise.
import { lazy, Suspense, useEffect, useId, useMemo, useRef, useState } from 'react';
import { Link } from 'react-router';
import { renderDiagram } from '../diagram/mermaid.ts';
import { decodeHref, type DecodeBlock, type LabBlock, type QuizBlock } from './model.ts';
import { summarizeDecode } from './decode-summary.ts';
import { recordAnswer } from './progress.ts';

// The exercise panel (and, inside it, the monaco editor) is a separate chunk: only a lesson
// with an exercise block pays for it.
const ExercisePanel = lazy(() => import('../editor/ExercisePanel.tsx').then((m) => ({ default: m.ExercisePanel })));

export function LabLink({ block }: { block: LabBlock }) {
  return (
    <p className="lesson-lab">
      <Link className="lesson-lab-link" to={block.page}>
        <span aria-hidden="true">▶</span> {block.label}
      </Link>
      <code className="lesson-lab-path">{block.page}</code>
    </p>
  );
}

export function Quiz({ block, lessonId, chosen }: { block: QuizBlock; lessonId: string; chosen: number | undefined }) {
  const name = useId();
  const [pick, setPick] = useState<number | undefined>(chosen);
  const [shown, setShown] = useState(chosen !== undefined);
  const right = shown && pick === block.answer;
  const check = () => {
    if (pick === undefined) return;
    setShown(true);
    recordAnswer(lessonId, block.index, pick);
  };
  return (
    <fieldset className="quiz" data-quiz={block.index}>
      <legend>
        <span className="quiz-tag">Quiz</span> {block.question}
      </legend>
      <div className="quiz-choices">
        {block.choices.map((c, i) => {
          const mark = shown ? (i === block.answer ? 'right' : i === pick ? 'wrong' : '') : '';
          return (
            <label key={i} className={`quiz-choice ${mark}`}>
              <input
                type="radio"
                name={name}
                checked={pick === i}
                onChange={() => {
                  setPick(i);
                  setShown(false);
                }}
              />
              <span>{c}</span>
              {mark === 'right' && <span className="quiz-mark"> ✓</span>}
              {mark === 'wrong' && <span className="quiz-mark"> ✗</span>}
            </label>
          );
        })}
      </div>
      <button type="button" className="quiz-check" onClick={check} disabled={pick === undefined}>
        Check
      </button>
      {shown && pick !== undefined && (
        <div className={`quiz-result ${right ? 'right' : 'wrong'}`} role="status">
          <strong>{right ? 'Right.' : 'Not quite.'}</strong> {block.explain}
        </div>
      )}
    </fieldset>
  );
}

export function Mermaid({ text }: { text: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    renderDiagram(text)
      .then((svg) => {
        if (!live || !ref.current) return;
        ref.current.replaceChildren(svg);
      })
      .catch((err: unknown) => live && setError(String((err as Error)?.message ?? err)));
    return () => {
      live = false;
    };
  }, [text]);
  return (
    <figure className="lesson-diagram">
      <div ref={ref} className="seq-canvas lesson-diagram-canvas" role="img" aria-label="Diagram">
        {error ? null : <span className="muted">Drawing the diagram…</span>}
      </div>
      {error && (
        <>
          <p className="muted">The diagram could not be drawn ({error}); its source:</p>
          <pre className="lesson-code">{text}</pre>
        </>
      )}
    </figure>
  );
}

export function Decode({ block }: { block: DecodeBlock }) {
  const s = useMemo(() => summarizeDecode(block), [block]);
  return (
    <figure className={`lesson-decode ${s.verdict}`}>
      <div className="lesson-decode-head">
        <code className="lesson-decode-hex">{block.hex}</code>
        <span className="lesson-decode-dir">{block.dir === 'client' ? 'client → server' : 'server → client'}</span>
      </div>
      <ul className="lesson-decode-lines">
        {s.lines.map((l, i) => (
          <li key={i}>
            <code>{l}</code>
          </li>
        ))}
        {s.violation && (
          <li className="lesson-decode-violation">
            <strong>Violation → close {s.violation.closeCode}</strong> at byte {s.violation.offset}: {s.violation.reason}
          </li>
        )}
        {s.incomplete && (
          <li>
            Incomplete: {s.incomplete.needed} more byte{s.incomplete.needed === 1 ? '' : 's'} needed.
          </li>
        )}
        {s.error && <li>{s.error}</li>}
      </ul>
      {block.note && <figcaption>{block.note}</figcaption>}
      <Link className="lesson-decode-link" to={decodeHref(block)}>
        Draw it bit by bit in /decode →
      </Link>
    </figure>
  );
}

export function Exercise({ id }: { id: string }) {
  return (
    <Suspense
      fallback={
        <section className="exercise" aria-busy="true">
          <p className="muted">Loading the exercise…</p>
        </section>
      }
    >
      <ExercisePanel id={id} />
    </Suspense>
  );
}
