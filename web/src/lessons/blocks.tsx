// The embedded blocks of a lesson, drawn as components: a link into a live view, a mermaid
// diagram, a decoded frame, a coding exercise (quizzes: QuizView.tsx).
import { lazy, Suspense, useEffect, useMemo, useRef, useState } from 'react';
import { Link } from 'react-router';
import { renderDiagram } from '../diagram/mermaid.ts';
import { decodeHref, type DecodeBlock, type LabBlock } from './model.ts';
import { summarizeDecode } from './decode-summary.ts';

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
