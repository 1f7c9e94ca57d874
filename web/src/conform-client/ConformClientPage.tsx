// /conform/client: this browser's own WebSocket as the client under test. The server plays
// Autobahn's fuzzing server (wslab conform --serve, mounted at /__wslab/conform/serve): for each
// case it sends what the case says and the page echoes every message back; the server judges how
// the browser reacted. A page cannot send Pings or choose how frames are split, so these cases
// are about what the browser does with what a server sends.
import { useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { Page } from '../shell/Page.tsx';
import { apiCall } from '../http.ts';
import { CHAPTERS, SERVED, SERVE_PATH, caseJudged, newAgent, runOne, type ServedResult } from './run.ts';
import './conform-client.css';

const PASSING = new Set(['OK', 'NON-STRICT', 'INFORMATIONAL', 'UNIMPLEMENTED']);
const failed = (r: ServedResult) => r.behavior === 'FAILED' || !PASSING.has(r.behaviorClose);
const tone = (r: ServedResult) => (failed(r) ? 'failed' : r.behavior === 'OK' && r.behaviorClose === 'OK' ? 'ok' : 'soft');

export function ConformClientPage() {
  const [params] = useSearchParams();
  const initial = (params.get('chapters') ?? '1,2,3,4,5,6,7').split(',').filter((c) => CHAPTERS.some((x) => x.id === c));
  const [chosen, setChosen] = useState<Set<string>>(new Set(initial));
  const [results, setResults] = useState<Map<string, ServedResult>>(new Map());
  const [running, setRunning] = useState<string | null>(null);
  const [state, setState] = useState<'idle' | 'running' | 'done' | 'stopped'>('idle');
  const [error, setError] = useState<string | null>(null);
  const [agent, setAgent] = useState<string | null>(null);
  const stop = useRef(false);

  const cases = SERVED.filter((c) => chosen.has(c.chapter));
  const done = cases.filter((c) => results.has(c.id)).length;
  const list = cases.map((c) => results.get(c.id)).filter((r): r is ServedResult => r !== undefined);
  const counts = {
    OK: list.filter((r) => !failed(r) && r.behavior === 'OK').length,
    'NON-STRICT': list.filter((r) => !failed(r) && r.behavior === 'NON-STRICT').length,
    INFORMATIONAL: list.filter((r) => !failed(r) && r.behavior === 'INFORMATIONAL').length,
    FAILED: list.filter(failed).length,
  };

  async function run() {
    const name = newAgent();
    setAgent(name);
    setResults(new Map());
    setError(null);
    setState('running');
    stop.current = false;
    for (const c of cases) {
      if (stop.current) {
        setState('stopped');
        setRunning(null);
        return;
      }
      setRunning(c.id);
      await runOne(c.n, name);
      await caseJudged(c.n, name);
      const got = await apiCall<{ results: ServedResult[] }>('GET', `${SERVE_PATH}/results?agent=${encodeURIComponent(name)}&case=${c.n}`);
      if (!got.ok) {
        setError(`The server did not give case ${c.id}'s verdict: ${got.error}`);
        continue;
      }
      const r = got.value.results[0];
      if (r) setResults((m) => new Map(m).set(r.id, r));
    }
    setRunning(null);
    setState('done');
  }

  const toggle = (id: string) =>
    setChosen((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  return (
    <Page
      title="Test this browser's WebSocket"
      lead={
        <>
          The server plays the fuzzing server of Autobahn|Testsuite: for each case it sends what the case says (invalid frames included), this page
          echoes every message back with the browser's own <code>WebSocket</code>, and the server judges how the browser reacted. A page cannot send
          Pings or split its own frames, so these cases test what a browser does with what a server sends. To test a server instead, see{' '}
          <Link to="/conform">Conformance</Link>; to test another client, run <code>wslab conform --serve</code>.
        </>
      }
    >
      <fieldset className="cc-chapters" disabled={state === 'running'}>
        <legend>Chapters</legend>
        {CHAPTERS.map((ch) => (
          <label key={ch.id}>
            <input type="checkbox" checked={chosen.has(ch.id)} onChange={() => toggle(ch.id)} /> {ch.id}. {ch.title}{' '}
            <span className="cc-muted">({SERVED.filter((c) => c.chapter === ch.id).length})</span>
          </label>
        ))}
      </fieldset>
      <div className="cc-bar">
        {state === 'running' ? (
          <button type="button" onClick={() => (stop.current = true)}>
            Stop
          </button>
        ) : (
          <button type="button" className="primary" onClick={() => void run()} disabled={cases.length === 0}>
            Run {cases.length} case{cases.length === 1 ? '' : 's'}
          </button>
        )}
        <progress max={cases.length || 1} value={done} aria-label="Cases judged" />
        <span data-testid="cc-progress">
          {done} of {cases.length} judged
          {state === 'done' ? '' : running ? ` · running ${running}` : ''}
        </span>
      </div>
      <p className="cc-summary" data-testid="cc-summary" data-state={state}>
        {Object.entries(counts).map(([k, v]) => (
          <span key={k} className={`cc-chip cc-${k === 'FAILED' ? 'failed' : k === 'OK' ? 'ok' : 'soft'}`}>
            {v} {k}
          </span>
        ))}
        {agent && <span className="cc-muted">reported as “{agent}”</span>}
      </p>
      {error && <p className="cc-error">{error}</p>}
      <ol className="cc-cases">
        {cases.map((c) => {
          const r = results.get(c.id);
          return (
            <li key={c.id} className={`cc-case ${r ? `cc-${tone(r)}` : c.id === running ? 'cc-running' : ''}`} data-case={c.id} data-behavior={r?.behavior ?? ''} data-close={r?.behaviorClose ?? ''}>
              <div className="cc-head">
                <span className="cc-id">{c.id}</span>
                <span className="cc-verdict">{r ? `${r.behavior}${r.behaviorClose !== r.behavior ? ` · close ${r.behaviorClose}` : ''}` : c.id === running ? 'running…' : ''}</span>
                <span className="cc-rfc">RFC 6455 §{c.rfc}</span>
              </div>
              <p className="cc-desc">{c.description}</p>
              {r && (
                <details open={failed(r) || r.behavior !== 'OK'}>
                  <summary>Why</summary>
                  <p className="cc-why">{r.why}</p>
                  <p className="cc-muted">
                    Expected: {r.expected}. Observed: {r.observed}. {r.durationMs} ms.
                  </p>
                  <pre className="cc-wire">{r.wire.map((w) => `${String(w.t).padStart(5)} ms ${w.dir === 'tx' ? 'server →' : w.dir === 'rx' ? '→ server' : '        '} ${w.text}`).join('\n')}</pre>
                </details>
              )}
            </li>
          );
        })}
      </ol>
    </Page>
  );
}
