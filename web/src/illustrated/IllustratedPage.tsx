// /illustrated: one WebSocket session from TCP connect to close, every byte annotated, in the style
// of The Illustrated TLS 1.3 Connection. The bytes are the committed trace (trace.json, made by
// server/cli/illustrated-trace.ts from what the tap saw); "Run it live" plays the same session on
// this server and marks which bytes changed, and why RFC 6455 makes them change.
import { useMemo, useState } from 'react';
import { Page } from '../shell/Page.tsx';
import { apiCall } from '../http.ts';
import type { Trace } from '../../../server/core/illustrated/trace.ts';
import { annotateTrace, compareLive, type AnnotatedRecord, type LiveDifference, type Span } from './annotate.ts';
import { STORY } from './story.ts';
import TRACE from './trace.json';
import './illustrated.css';

const hex2 = (b: number) => b.toString(16).padStart(2, '0');

function SpanDetail({ span }: { span: Span }) {
  return (
    <div className="ill-detail" data-testid="field-explanation">
      <h4>
        {span.name} <span className="ill-range">{span.end - span.start === 1 ? `byte ${span.start}` : `bytes ${span.start}–${span.end - 1}`}</span>
      </h4>
      <p className="ill-value">
        <code>{span.value}</code>
      </p>
      {span.bits && (
        <table className="ill-bits">
          <tbody>
            {span.bits.map((b) => (
              <tr key={b.name}>
                <td>{b.name}</td>
                <td>
                  <code>{b.value.toString(2).padStart(b.bits, '0')}</code>
                </td>
                <td>{b.meaning}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p>{span.explain}</p>
      {span.random && <p className="ill-random">Changes on every connection: {span.random}.</p>}
      <a href={span.link.href} target="_blank" rel="noreferrer">
        {span.link.label}
      </a>
    </div>
  );
}

function Card({ index, rec, live, diffs }: { index: number; rec: AnnotatedRecord; live: AnnotatedRecord | null; diffs: LiveDifference[] }) {
  const [open, setOpen] = useState<number | null>(null);
  const story = STORY[index];
  const dir = rec.record.dir === 'client' ? 'client → server' : 'server → client';
  const shown = live ?? rec;
  return (
    <section className={`ill-card ill-${rec.record.dir}`} data-testid="ill-card">
      <header>
        <span className="ill-dir">{dir}</span>
        <h3>{story?.title ?? rec.record.kind}</h3>
        {rec.bytes.length > 0 && <span className="ill-count">{rec.bytes.length} bytes</span>}
      </header>
      <p>{story?.text}</p>
      {shown.spans.length > 0 && (
        <div className="ill-bytes" role="list">
          {shown.spans.map((s, i) => (
            <button
              type="button"
              key={i}
              role="listitem"
              className={`ill-span ill-c${i % 6}${open === i ? ' ill-open' : ''}${live && diffs.some((d) => d.span === s.name) ? ' ill-changed' : ''}`}
              title={s.name}
              aria-expanded={open === i}
              data-field={s.name}
              onClick={() => setOpen(open === i ? null : i)}
            >
              <span className="ill-hex">{Array.from(shown.bytes.subarray(s.start, s.end), hex2).join(' ')}</span>
              <span className="ill-cap">{rec.record.kind !== 'http' ? s.name : /line$|^End of head$/.test(s.name) ? s.value : `${s.name}: ${s.value}`}</span>
            </button>
          ))}
        </div>
      )}
      {open !== null && shown.spans[open] && <SpanDetail span={shown.spans[open]} />}
      {live && diffs.length > 0 && (
        <ul className="ill-diffs">
          {diffs.map((d, i) => (
            <li key={i} className={d.why ? '' : 'ill-unexpected'}>
              {d.span}: {d.why ?? 'differs, and nothing in the RFC says it should'}
            </li>
          ))}
        </ul>
      )}
      {live && diffs.length === 0 && rec.bytes.length > 0 && <p className="ill-same">Live: the same bytes.</p>}
    </section>
  );
}

export function IllustratedPage() {
  const committed = useMemo(() => annotateTrace((TRACE as Trace).records), []);
  const [live, setLive] = useState<AnnotatedRecord[] | null>(null);
  const [status, setStatus] = useState<string>('');
  const comparison = useMemo(() => (live ? compareLive(committed, live) : null), [committed, live]);

  const run = async () => {
    setStatus('Running the session against this server…');
    const res = await apiCall<Trace>('POST', '/__wslab/illustrated/run');
    if (!res.ok) {
      setStatus(`The live run failed: ${res.error}`);
      return;
    }
    try {
      setLive(annotateTrace(res.value.records));
      setStatus('');
    } catch (err) {
      setStatus(`The live run's bytes do not decode: ${(err as Error).message}`);
    }
  };

  const reasons = comparison ? [...new Set(comparison.differences.map((d) => d.why).filter((w) => w !== null))] : [];
  return (
    <Page
      title="The illustrated connection"
      lead="One WebSocket session from TCP connect to close, every byte annotated: the handshake, a masked text message and its echo, a fragmented message with a ping between the fragments, a compressed message, and the closing handshake. Click any group of bytes for what it means."
    >
      <div className="ill-toolbar">
        <button type="button" className="ill-run" onClick={run}>
          Run it live
        </button>
        {live && (
          <button type="button" onClick={() => setLive(null)}>
            Show the committed trace
          </button>
        )}
        <span className="ill-status" role="status">
          {status}
        </span>
      </div>
      {comparison && (
        <div className="ill-summary" data-testid="live-summary" data-unexpected={comparison.unexpected.length}>
          <p>
            {comparison.unexpected.length === 0
              ? `Live run: all ${committed.length} records match the committed trace byte for byte, except these (dashed outline below):`
              : `Live run: ${comparison.unexpected.length} difference(s) the RFC does not explain, marked in red below. Expected differences:`}
          </p>
          <ul>
            {reasons.map((r) => (
              <li key={r}>{r}</li>
            ))}
          </ul>
          <p>The server's frames, the DEFLATE output and every unmasked payload are identical.</p>
        </div>
      )}
      <p className="ill-note">
        The committed bytes come from wslab's own client and server with a fixed key and fixed masking keys, so they never change; a real client must pick both at random.
        Regenerate them with <code>node bin/run-ts.js server/cli/illustrated-trace.ts</code>.
      </p>
      {committed.map((rec, i) => (
        <Card key={i} index={i} rec={rec} live={live?.[i] ?? null} diffs={comparison?.differences.filter((d) => d.record === i) ?? []} />
      ))}
    </Page>
  );
}
