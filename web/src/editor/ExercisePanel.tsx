// A lesson's coding exercise: instructions, the learner's code in monaco (loaded lazily, with a
// plain listing until it arrives), and the checks, run in a Web Worker and graded. Everything
// the learner's program produces (output, error messages, what it sent) is shown as text.
import { lazy, Suspense, useCallback, useEffect, useRef, useState } from 'react';
import Markdown from 'react-markdown';
import remarkGfm from 'remark-gfm';
import { recordPassed } from '../lessons/progress.ts';
import { findExercise, type Exercise } from './exercises.ts';
import { grade, type CheckResult, type Grade } from './grade.ts';
import { runCode, TIMEOUT_MS } from './run.ts';
import { loadCode, saveCode } from './storage.ts';
import type { EditorHandle, Marker } from './CodeEditor.tsx';
import './exercise.css';

// monaco is the heavy part: its own chunk, fetched when this panel mounts.
const CodeEditor = lazy(() => import('./CodeEditor.tsx'));

const MARK: Record<CheckResult['status'] | 'pending', string> = { pass: '✓', fail: '✗', 'not-run': '–', pending: '·' };

function markerOf(g: Grade | null): Marker | null {
  if (!g || g.line === undefined) return null;
  const thrown = g.checks.find((c) => c.error?.line === g.line);
  return { line: g.line, message: g.banner ?? thrown?.problems[0] ?? 'error' };
}

export function ExercisePanel({ id }: { id: string }) {
  const exercise = findExercise(id);
  if (!exercise) {
    return (
      <section className="exercise">
        <p className="exercise-banner" role="alert">
          There is no exercise named “{id}”.
        </p>
      </section>
    );
  }
  return <ExerciseView exercise={exercise} />;
}

function ExerciseView({ exercise }: { exercise: Exercise }) {
  const [code, setCode] = useState(() => loadCode(exercise.id, exercise.starter));
  const [running, setRunning] = useState(false);
  const [result, setResult] = useState<Grade | null>(null);
  const [runs, setRuns] = useState(0);
  const [hints, setHints] = useState(0);
  const [solution, setSolution] = useState(false);
  const editor = useRef<EditorHandle | null>(null);
  const latest = useRef({ code, running });
  latest.current = { code, running };
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  const change = useCallback(
    (text: string) => {
      setCode(text);
      saveCode(exercise.id, text, exercise.starter);
    },
    [exercise],
  );

  /** Puts text in the editor as one undoable edit (or in the listing, before monaco is up). */
  const replace = (text: string) => {
    if (editor.current) editor.current.replace(text);
    else change(text);
  };

  const run = useCallback(async () => {
    if (latest.current.running) return;
    setRunning(true);
    const outcome = await runCode(latest.current.code, exercise.checks);
    if (!mounted.current) return;
    const g = grade(exercise, outcome);
    setResult(g);
    setRuns((n) => n + 1);
    setRunning(false);
    if (g.allPassed) recordPassed(exercise.id);
  }, [exercise]);

  const onReady = useCallback((h: EditorHandle | null) => {
    editor.current = h;
  }, []);

  const headingId = `exercise-${exercise.id}`;
  return (
    <section className="exercise" data-exercise={exercise.id} aria-labelledby={headingId}>
      <h3 id={headingId} className="exercise-title">
        <span className="quiz-tag">Exercise</span> {exercise.title}
      </h3>
      <div className="exercise-instructions">
        <Markdown remarkPlugins={[remarkGfm]} skipHtml>
          {exercise.instructions}
        </Markdown>
      </div>

      <div className="exercise-editor">
        <Suspense
          fallback={
            <div className="exercise-fallback" aria-busy="true">
              <p className="muted">Loading the editor…</p>
              <pre>{code}</pre>
            </div>
          }
        >
          <CodeEditor initial={code} label={`Code for the exercise: ${exercise.title}`} marker={markerOf(result)} onChange={change} onRun={run} onReady={onReady} />
        </Suspense>
      </div>

      <div className="exercise-actions">
        <button type="button" className="exercise-run" onClick={run} disabled={running}>
          {running ? 'Running…' : 'Run checks'}
        </button>
        <button type="button" onClick={() => replace(exercise.starter)} title="Puts the starter code back (Ctrl+Z in the editor undoes it)">
          Reset to starter
        </button>
        <button type="button" onClick={() => setHints((n) => n + 1)} disabled={hints >= exercise.hints.length}>
          Show hint ({Math.min(hints + 1, exercise.hints.length)} of {exercise.hints.length})
        </button>
        <button type="button" onClick={() => setSolution(true)} disabled={runs === 0 || solution} title={runs === 0 ? 'Run the checks once first' : undefined}>
          Show solution
        </button>
        <span className="exercise-keys muted">Ctrl+Enter runs · Ctrl+M makes Tab leave the editor</span>
      </div>

      {hints > 0 && (
        <ol className="exercise-hints">
          {exercise.hints.slice(0, hints).map((h, i) => (
            <li key={i}>
              <Markdown skipHtml>{h}</Markdown>
            </li>
          ))}
        </ol>
      )}

      <Results exercise={exercise} result={result} running={running} />

      {solution && (
        <div className="exercise-solution">
          <p>
            <strong>A reference solution.</strong> Yours may differ and still pass: the checks look at what is sent, not how.
          </p>
          <pre>{exercise.solution}</pre>
          <button type="button" onClick={() => replace(exercise.solution)} title="Ctrl+Z in the editor brings your code back">
            Put it in the editor
          </button>
        </div>
      )}
    </section>
  );
}

function Results({ exercise, result, running }: { exercise: Exercise; result: Grade | null; running: boolean }) {
  const rows = result?.checks ?? exercise.checks.map((c) => ({ id: c.id, title: c.title, status: 'pending' as const, problems: [], why: c.why, logs: [] }));
  return (
    <div className="exercise-results" aria-busy={running}>
      <p className={`exercise-score ${result ? (result.allPassed ? 'pass' : 'fail') : ''}`} role="status">
        {result
          ? result.allPassed
            ? `All ${result.total} checks pass. Exercise done ✓`
            : `${result.passed} of ${result.total} checks pass`
          : `${exercise.checks.length} checks, not run yet. The code runs in a Web Worker and is stopped after ${TIMEOUT_MS / 1000} s.`}
      </p>
      {result?.banner && (
        <p className="exercise-banner" role="alert">
          {result.banner}
        </p>
      )}
      {result && result.logs.length > 0 && (
        <div className="exercise-output">
          <p className="muted">Your code printed while loading:</p>
          <pre className="exercise-log">{result.logs.map((l) => l.text).join('\n')}</pre>
        </div>
      )}
      <ol className="exercise-checks">
        {rows.map((c) => (
          <li key={c.id} className={`exercise-check ${c.status}`} data-check={c.id} data-status={c.status}>
            <span className="exercise-mark" aria-hidden="true">
              {MARK[c.status]}
            </span>
            <div className="exercise-check-body">
              <span className="exercise-check-title">{c.title}</span> <code className="exercise-check-id">{c.id}</code>
              {c.status !== 'pass' && c.status !== 'pending' && (
                <ul className="exercise-problems">
                  {c.problems.map((p, i) => (
                    <li key={i}>{p}</li>
                  ))}
                </ul>
              )}
              {c.status === 'fail' && c.why && <p className="exercise-why">{c.why}</p>}
              {c.logs.length > 0 && <pre className="exercise-log">{c.logs.map((l) => l.text).join('\n')}</pre>}
            </div>
          </li>
        ))}
      </ol>
    </div>
  );
}
