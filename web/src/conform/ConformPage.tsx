// /conform: run `wslab conform`'s cases against a WebSocket echo server from this page. The server
// opens the connections (POST /__wslab/conform); each case arrives on the run's NDJSON stream as
// it is judged and ticks its cell in a grid by chapter. Opening a case shows its rule, RFC
// section, expected and observed in words, the runner's log, its frames (drawn with the
// inspector's frame detail) and the lesson that teaches the rule. ?run=ID reopens a run.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { Page } from '../shell/Page.tsx';
import { apiCall } from '../http.ts';
import type { ConformCaseView, ConformRunInfo } from '../../../server/core/api/conform.ts';
import { FrameDetail } from '../inspect/FrameDetail.tsx';
import { formatT, framePreview, frameName, messageOpcodeOf, type FrameEvent } from '../inspect/model.ts';
import { chapterOf, countTones, lessonFor, readLines, rfcHref, rfcLabel, toneOf, TONE_LABEL, type ChapterInfo, type Tone } from './model.ts';
import '../inspect/inspect.css';
import './conform.css';

const DEFAULT_CHAPTERS = new Set(['1', '2', '3', '4', '5', '6', '7', 'w']);

function defaultUrl(): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/lab/echo`;
}

/** This server's echo lab without ?deflate=1: it offers no permessage-deflate there. */
function isPlainLabEcho(url: string): boolean {
  return url.replace(/\/$/, '') === defaultUrl();
}

function Counts({ n }: { n: Record<Tone, number> }) {
  const order: Tone[] = ['ok', 'non-strict', 'info', 'failed'];
  return (
    <span className="cf-counts">
      {order
        .filter((t) => n[t] > 0)
        .map((t) => (
          <span key={t} className={`cf-count tone-${t}`}>
            {n[t]} {TONE_LABEL[t]}
          </span>
        ))}
      {n.pending > 0 && <span className="cf-count tone-pending">{n.pending} to run</span>}
    </span>
  );
}

function Frames({ frames, dropped }: { frames: FrameEvent[]; dropped: number }) {
  const [open, setOpen] = useState<number | null>(null);
  const index = open === null ? -1 : frames.findIndex((f) => f.seq === open);
  if (frames.length === 0) return <p className="muted">No WebSocket frame crossed the connection.</p>;
  return (
    <>
      <ol className="cf-frames" aria-label="Frames of this case">
        {frames.map((f) => (
          <li key={f.seq}>
            <button type="button" className={`cf-frame${open === f.seq ? ' selected' : ''}`} aria-expanded={open === f.seq} onClick={() => setOpen(open === f.seq ? null : f.seq)}>
              <span className="cf-ft">{formatT(f.t).slice(2)}</span>
              <span className={`dir-badge ${f.dir}`}>{f.dir === 'c2s' ? 'wslab →' : '← server'}</span>
              <span className={`op-badge op-${frameName(f).toLowerCase()}`}>{frameName(f)}</span>
              <span className="cf-flen">{f.payloadLength.toLocaleString('en-US')} B</span>
              <span className="cf-fprev">{framePreview(f)}</span>
            </button>
          </li>
        ))}
      </ol>
      {dropped > 0 && <p className="muted">{dropped} later frames are not kept.</p>}
      {index >= 0 && <FrameDetail frame={frames[index]!} messageOpcode={messageOpcodeOf(frames, index)} onShowConnection={() => {}} onClose={() => setOpen(null)} />}
    </>
  );
}

function CaseDetail({ c, onClose }: { c: ConformCaseView; onClose: () => void }) {
  const lesson = lessonFor(c.rfc, c.id);
  const tone = toneOf(c);
  const ref = useRef<HTMLElement>(null);
  // one column (narrow screens): the case opens under the grid, so bring it into view
  useEffect(() => {
    if (window.matchMedia('(max-width: 1099px)').matches) ref.current?.scrollIntoView({ block: 'start' });
  }, []);
  return (
    <section ref={ref} className={`cf-detail tone-${tone}`} aria-label={`Case ${c.id}`} data-testid="case-detail">
      <header className="cf-detail-head">
        <h2>
          Case {c.id} <span className={`cf-verdict tone-${tone}`}>{c.behavior}</span> <span className="cf-close-verdict">close: {c.behaviorClose}</span>
        </h2>
        <button type="button" className="icon-button" onClick={onClose} aria-label="Close the case">
          ×
        </button>
      </header>
      <p>{c.description}</p>
      <dl className="cf-facts">
        <dt>Rule</dt>
        <dd>
          {c.rule}{' '}
          <a href={rfcHref(c.rfc)} target="_blank" rel="noreferrer">
            {rfcLabel(c.rfc)}
          </a>
        </dd>
        <dt>Expected</dt>
        <dd>{c.expected}</dd>
        <dt>Observed</dt>
        <dd>{c.observed}</dd>
        <dt>Why</dt>
        <dd>{c.why}</dd>
        <dt>Time</dt>
        <dd>{c.durationMs} ms</dd>
        <dt>Learn</dt>
        <dd>
          <Link to={lesson.href}>{lesson.label}</Link>
        </dd>
      </dl>
      <h3>Frames</h3>
      <Frames frames={c.frames} dropped={c.framesDropped} />
      <details className="cf-wire">
        <summary>The runner's log ({c.wire.length} lines)</summary>
        <pre>
          {c.wire.map((w) => `${String(w.t).padStart(6)} ms ${w.dir === 'tx' ? '→' : w.dir === 'rx' ? '←' : '·'} ${w.text}`).join('\n')}
        </pre>
      </details>
    </section>
  );
}

export function ConformPage() {
  const [params, setParams] = useSearchParams();
  const runId = params.get('run');
  const [chapters, setChapters] = useState<ChapterInfo[] | null>(null);
  const [picked, setPicked] = useState<Set<string>>(DEFAULT_CHAPTERS);
  const [url, setUrl] = useState(defaultUrl);
  const [run, setRun] = useState<ConformRunInfo | null>(null);
  const [results, setResults] = useState<Map<string, ConformCaseView>>(new Map());
  const [error, setError] = useState<string | null>(null);
  const [openId, setOpenId] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const follow = useRef<AbortController | null>(null);

  useEffect(() => {
    void apiCall<{ chapters: ChapterInfo[] }>('GET', '/__wslab/conform/cases').then((r) => {
      if (r.ok) setChapters(r.value.chapters);
      else setError(r.error);
    });
  }, []);

  // follow the run named in the URL: its past cases first, then each as it is judged
  useEffect(() => {
    follow.current?.abort();
    if (!runId) return;
    const ctl = new AbortController();
    follow.current = ctl;
    setResults(new Map());
    (async () => {
      const res = await fetch(`/__wslab/conform/${encodeURIComponent(runId)}/stream`, { signal: ctl.signal });
      if (!res.ok) {
        const body = (await res.json().catch(() => null)) as { error?: string } | null;
        setError(body?.error ?? `HTTP ${res.status}`);
        return;
      }
      const batch = new Map<string, ConformCaseView>();
      await readLines(res, (line) => {
        if (line.type === 'case') {
          batch.set(line.case.id, line.case);
          setResults(new Map(batch));
        } else setRun(line.run);
      });
    })().catch((err: Error) => {
      if (err.name !== 'AbortError') setError(`The run's stream broke off: ${err.message}`);
    });
    return () => ctl.abort();
  }, [runId]);

  const start = useCallback(async () => {
    if (!chapters) return;
    setError(null);
    setStarting(true);
    const patterns = chapters.filter((c) => picked.has(c.chapter)).map((c) => `${c.chapter}.*`);
    const r = await apiCall<ConformRunInfo>('POST', '/__wslab/conform', { url: url.trim(), cases: patterns });
    setStarting(false);
    if (!r.ok) return setError(r.error);
    setRun(r.value);
    setOpenId(null);
    setParams({ run: r.value.id });
  }, [chapters, picked, url, setParams]);

  const cancel = useCallback(async () => {
    if (!run) return;
    const r = await apiCall<ConformRunInfo>('DELETE', `/__wslab/conform/${run.id}`);
    if (!r.ok) setError(r.error);
  }, [run]);

  // the grid shows the run's cases, or (before a run) every case of the chosen chapters
  const grid = useMemo(() => {
    if (!chapters) return [];
    const inRun = run ? new Set(run.cases.map((c) => c.id)) : null;
    return chapters
      .map((ch) => ({ ...ch, cases: ch.cases.filter((c) => (inRun ? inRun.has(c.id) : picked.has(ch.chapter))) }))
      .filter((ch) => ch.cases.length > 0);
  }, [chapters, run, picked]);
  const allIds = useMemo(() => grid.flatMap((ch) => ch.cases.map((c) => c.id)), [grid]);
  const running = run?.status === 'running';
  const nextId = running ? allIds.find((id) => !results.has(id)) : undefined;
  const opened = openId ? results.get(openId) : undefined;

  return (
    <Page
      title="Conformance"
      lead={
        <>
          Run Autobahn|Testsuite's cases (and wslab's own) against a WebSocket echo server, and see which rule of RFC 6455 (or, in chapters 12 and 13,
          of RFC 7692: permessage-deflate) each one checks. The same cases run from a terminal with <code>wslab conform URL</code>.
        </>
      }
    >
      <form
        className="cf-form"
        onSubmit={(e) => {
          e.preventDefault();
          void start();
        }}
      >
        <label className="cf-url">
          <span>Echo server URL</span>
          <input type="text" value={url} onChange={(e) => setUrl(e.target.value)} spellCheck={false} autoComplete="off" inputMode="url" aria-describedby="cf-url-note" />
        </label>
        <p id="cf-url-note" className="cf-note">
          The wslab server connects from itself, not from this browser: the URL must be reachable from the machine wslab runs on (ws:// or wss:// only). The default is this
          server's own echo lab. To test the WebSocket client of this browser instead, <Link to="/conform/client">test this browser</Link>.
        </p>
        <fieldset className="cf-chapters">
          <legend>Chapters</legend>
          {(chapters ?? []).map((ch) => (
            <label key={ch.chapter} className="cf-chapter-pick">
              <input
                type="checkbox"
                checked={picked.has(ch.chapter)}
                disabled={running}
                onChange={(e) => {
                  const next = new Set(picked);
                  if (e.target.checked) next.add(ch.chapter);
                  else next.delete(ch.chapter);
                  setPicked(next);
                }}
              />
              <span>
                {ch.chapter}. {ch.title} <span className="muted">({ch.cases.length})</span>
              </span>
            </label>
          ))}
        </fieldset>
        {(picked.has('12') || picked.has('13')) && (
          <p className="cf-note" data-testid="cf-deflate-note">
            Chapters 12 and 13 compress every message (RFC 7692): a server that does not accept permessage-deflate gets UNIMPLEMENTED in each of their cases.
            {isPlainLabEcho(url) && (
              <>
                {' '}
                This server's echo lab accepts it at{' '}
                <button type="button" className="cf-link" onClick={() => setUrl(`${defaultUrl()}?deflate=1`)}>
                  /lab/echo?deflate=1
                </button>
                .
              </>
            )}
          </p>
        )}
        <div className="cf-actions">
          <button type="submit" className="cf-btn cf-primary" disabled={running || starting || !chapters || picked.size === 0}>
            {running ? 'Running…' : 'Run the cases'}
          </button>
          {running && (
            <button type="button" className="cf-btn" onClick={() => void cancel()}>
              Cancel
            </button>
          )}
          {run && (
            <span className="cf-progress" role="status" aria-live="polite">
              {run.status === 'running' ? `${results.size} of ${run.cases.length} cases` : run.status === 'cancelled' ? `cancelled after ${results.size} cases` : `${results.size} cases run`}{' '}
              against <code>{run.url}</code>
            </span>
          )}
        </div>
      </form>
      {error && (
        <p className="cf-error" role="alert">
          {error}
        </p>
      )}
      {run?.stopped && <p className="cf-stopped">{run.stopped}</p>}
      <div className={`cf-body${opened ? ' with-detail' : ''}`}>
        <div className="cf-grid" data-testid="case-grid">
          <p className="cf-total">
            <Counts n={countTones(allIds, results)} />
          </p>
          {grid.map((ch) => (
            <section key={ch.chapter} className="cf-chapter" aria-label={`Chapter ${ch.chapter}: ${ch.title}`}>
              <h2>
                {ch.chapter}. {ch.title} <Counts n={countTones(ch.cases.map((c) => c.id), results)} />
              </h2>
              <ul className="cf-cells">
                {ch.cases.map((c) => {
                  const r = results.get(c.id);
                  const tone: Tone = r ? toneOf(r) : c.id === nextId ? 'running' : 'pending';
                  return (
                    <li key={c.id}>
                      <button
                        type="button"
                        className={`cf-cell tone-${tone}${openId === c.id ? ' selected' : ''}`}
                        disabled={!r}
                        title={`${c.id} §${c.rfc}: ${c.description}${r ? ` — ${r.behavior} / ${r.behaviorClose}` : ''}`}
                        aria-label={`${c.id}: ${TONE_LABEL[tone]}`}
                        onClick={() => setOpenId(openId === c.id ? null : c.id)}
                      >
                        {c.id.slice(chapterOf(c.id).length + 1)}
                      </button>
                    </li>
                  );
                })}
              </ul>
            </section>
          ))}
        </div>
        {opened && <CaseDetail key={opened.id} c={opened} onClose={() => setOpenId(null)} />}
      </div>
    </Page>
  );
}
