// The capstone's live run inside its lesson: the steps with the event that proved each, the
// browser's own view of its socket, and the sequence diagram drawn from those events alone.
import { useCallback, useEffect, useState, useSyncExternalStore } from 'react';
import type { WslabEvent } from '../../../../server/core/events/schema.ts';
import { SequenceDiagram } from '../../diagram/SequenceDiagram.tsx';
import { StoryRun, STORY_HEARTBEAT_MS, STORY_MISSES } from './runner.ts';
import { STEPS, storyEvents } from './story.ts';
import './capstone.css';

const READY = ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'];

export function CapstoneRun() {
  const [run, setRun] = useState(() => new StoryRun());
  useEffect(() => () => run.dispose(), [run]);
  useSyncExternalStore(run.subscribe, run.getVersion);
  // the browser's readyState is not an event: look at it twice a second while a socket exists
  const [, tick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => tick((n) => n + 1), 500);
    return () => clearInterval(t);
  }, []);
  const ctx = run.ctx;
  const pick = useCallback((events: readonly WslabEvent[]) => storyEvents(events, ctx), [ctx]);
  const busy = run.status === 'running';
  const next = STEPS[run.acted];
  const rs = run.readyState;
  const proofOf = new Map(run.proofs.map((p) => [p.step, p]));

  return (
    <section className="capstone" aria-label="The whole story, live" data-testid="capstone">
      <p className="capstone-setup muted">
        One real WebSocket from this page to <code>/lab/chat</code> through the chaos link (tag <code>{run.tag}</code>), with a ping every {STORY_HEARTBEAT_MS / 1000} s and
        termination after {STORY_MISSES} missed pongs. Every line below is ticked by an event the server published, never by the button.
      </p>
      <div className="capstone-actions">
        <button type="button" className="lab-btn lab-primary" disabled={busy || run.finished} onClick={() => void run.runAll()} data-testid="capstone-run">
          Run the whole story
        </button>
        <button type="button" className="lab-btn" disabled={busy || run.finished} onClick={() => void run.step()} data-testid="capstone-step">
          {next ? `Next step: ${next.title}` : 'Next step'}
        </button>
        <button type="button" className="lab-btn" disabled={busy} onClick={() => setRun(new StoryRun())}>
          Start over
        </button>
        {run.finished && (
          <button type="button" className="lab-btn" onClick={() => void run.restore()}>
            Restore the link
          </button>
        )}
      </div>
      <p className="capstone-browser" data-testid="capstone-browser">
        The browser says: {rs === null ? 'no socket yet' : `readyState ${rs} (${READY[rs]})`}
        {run.finished && rs === 1 && ' — the server gave up on this connection, but nothing told the browser. Restore the link and it hears the close.'}
      </p>
      {run.problem && (
        <p className="lab-problem" role="alert">
          {run.problem}
        </p>
      )}
      <ol className="capstone-steps">
        {STEPS.map((s, i) => {
          const proof = proofOf.get(s.id);
          const state = proof ? 'done' : i === run.proofs.length && (busy || run.acted > i) ? 'waiting' : 'pending';
          return (
            <li key={s.id} className={`capstone-step is-${state}`} data-step={s.id} data-state={state} data-seq={proof?.seq ?? ''} data-drawn={s.drawn}>
              <span className="capstone-mark" aria-hidden="true">
                {proof ? '✓' : state === 'waiting' ? '…' : i + 1}
              </span>
              <span className="capstone-title">{s.title}</span>
              <span className="capstone-says">{s.says}</span>
              <span className="capstone-proof">{proof ? `event #${proof.seq} (${proof.type})` : state === 'waiting' ? 'waiting for its event' : ''}</span>
            </li>
          );
        })}
      </ol>
      <SequenceDiagram key={run.tag} pick={pick} initialWindow={300} title="The story, drawn from the event stream" emptyHint="Nothing yet: press Run the whole story, or Next step." fitToPanel />
    </section>
  );
}
