// Head-of-line blocking: a bulk message and a small urgent one, on one WebSocket or on two, each
// through a throttled chaos link connection, timed until /lab/hol acknowledges them. The bytes are
// real and cross the link in order; the page only times them (hol/run.ts) and draws what came back.
import { useEffect, useRef, useState } from 'react';
import { Link } from 'react-router';
import { Figure } from './Figure.tsx';
import { bytes, count } from './format.ts';
import { runHol } from './hol/run.ts';
import { BULK_SIZES, frameBytes, msLabel, outcome, settingsProblem, sizeLabel, timeline, transferMs, type HolMode, type HolRun, type Timeline } from './hol/model.ts';
import { HOL_MAX_PAYLOAD } from '../../../server/core/labs/hol.ts';
import './hol.css';

/** runs kept on the page (the timeline and the table) */
const MAX_RUNS = 6;

const MODE_NAME: Record<HolMode, string> = { one: 'one connection', two: 'two connections' };

export function HolLab() {
  const [bulkBytes, setBulkBytes] = useState(1024 * 1024);
  const [rate, setRate] = useState(500_000);
  const [runs, setRuns] = useState<HolRun[]>([]);
  const [busy, setBusy] = useState(false);
  const abort = useRef<AbortController | null>(null);
  const counter = useRef(0);

  // leaving the page ends a run: its sockets close and their link connections with them
  useEffect(() => () => abort.current?.abort(), []);

  const problem = settingsProblem({ mode: 'one', bulkBytes, bytesPerSec: rate });

  async function start(mode: HolMode) {
    if (busy || problem) return;
    const controller = new AbortController();
    abort.current = controller;
    setBusy(true);
    const n = ++counter.current;
    const put = (run: HolRun) => setRuns((list) => [...list.filter((r) => r.n !== run.n), run].slice(-MAX_RUNS));
    await runHol(n, { mode, bulkBytes, bytesPerSec: rate }, controller.signal, put);
    if (abort.current === controller) abort.current = null;
    setBusy(false);
  }

  const last = runs.length ? runs[runs.length - 1] : null;
  const o = last ? outcome(last) : null;
  const ideal = transferMs(bulkBytes, rate);

  return (
    <div className="lab hol-lab">
      <p className="lab-text">
        The page sends a bulk message and, right behind it, 10 urgent bytes through the chaos link at the rate you set; the lab answers each
        with a few bytes, so only the way up is slow. <strong>One connection</strong> is one ordered byte stream, and the urgent message
        waits in it. With <strong>two connections</strong> it has a stream of its own.
      </p>

      <section className="lab-panel hol-controls" aria-label="Run">
        <label className="lab-field">
          <span>Bulk message</span>
          <select value={bulkBytes} disabled={busy} onChange={(e) => setBulkBytes(Number(e.target.value))}>
            {BULK_SIZES.map((b) => (
              <option key={b} value={b}>
                {sizeLabel(b)}
              </option>
            ))}
          </select>
        </label>
        <label className="lab-field">
          <span>Link rate up, each connection (B/s)</span>
          <input type="number" min={10_000} max={10_000_000} step={50_000} value={rate} disabled={busy} onChange={(e) => setRate(Math.round(Number(e.target.value) || 0))} />
        </label>
        <div className="lab-actions">
          <button type="button" className="lab-btn lab-primary" disabled={busy || problem !== null} onClick={() => void start('one')}>
            Run on one connection
          </button>
          <button type="button" className="lab-btn lab-primary" disabled={busy || problem !== null} onClick={() => void start('two')}>
            Run on two connections
          </button>
        </div>
        <p className="lab-small muted hol-expect" data-testid="hol-expect">
          {problem ??
            `${sizeLabel(bulkBytes)} in one masked frame is ${count(frameBytes(bulkBytes))} bytes on the wire: about ${(ideal / 1000).toFixed(2)} s at ${count(rate)} B/s. ${busy ? 'Running…' : ''}`}
        </p>
      </section>

      {last?.problem && (
        <p className="lab-problem" role="alert">
          Run #{last.n}: {last.problem}
        </p>
      )}

      <section className="lab-panel" aria-label="Timeline">
        <h3>Timeline: from send() to the acknowledgement</h3>
        <TimelineView t={timeline(runs)} />
      </section>

      <div aria-live="polite">
        <p className="lab-small hol-run-title" data-testid="hol-last-run">
          {last ? `Run #${last.n}, ${MODE_NAME[last.settings.mode]}: ${sizeLabel(last.bulk.bytes)} bulk, then ${last.urgent.bytes || 10} B urgent, at ${count(last.settings.bytesPerSec)} B/s${last.state === 'running' ? ' (running)' : ''}` : 'No run yet.'}
        </p>
        <div className="lab-figures">
          <Figure label="urgent message acknowledged after" value={msLabel(last?.urgent.ackMs ?? null)} testId="hol-urgent" tone={o ? (o.queued ? 'danger' : 'ok') : undefined} />
          <Figure label="bulk message acknowledged after" value={msLabel(last?.bulk.ackMs ?? null)} testId="hol-bulk" tone="accent" />
          <Figure label="link rate up (B/s), each connection" value={last ? count(last.settings.bytesPerSec) : '—'} testId="hol-rate" />
          <Figure label="the bulk frame needs at that rate" value={last ? msLabel(transferMs(last.bulk.bytes, last.settings.bytesPerSec)) : '—'} testId="hol-ideal" />
          <Figure label="urgent vs bulk, at the server" value={o ? (o.queued ? 'after' : 'before') : '—'} testId="hol-order" tone={o ? (o.queued ? 'danger' : 'ok') : undefined} />
          <Figure label="waiting in this page after send()" value={last && last.bufferedAfterSend ? bytes(last.bufferedAfterSend) : '—'} testId="hol-buffered" />
        </div>
      </div>

      <section className="lab-panel" aria-label="Runs">
        <h3>Runs</h3>
        <RunsTable runs={runs} />
      </section>

      <section className="lab-panel hol-notes">
        <h3>What this shows, and what it does not</h3>
        <p className="lab-text">
          Frames of one WebSocket message are never interleaved with another data message, and TCP hands bytes over strictly in order, so
          on one connection the 10 bytes can only arrive after every byte of the bulk frame has crossed. Open a run&apos;s connection in the
          inspector: the frames reached the server one after the other, as sent. Two connections are the application-level version of what
          QUIC streams (WebTransport) give inside one connection: independent streams, so a small message does not wait for a big one.
        </p>
        <p className="lab-text">
          Be careful with the second run&apos;s numbers: the chaos link throttles each TCP connection on its own, so here the two
          connections get the rate twice over. On a real shared bottleneck they would draw from the same bandwidth (10 bytes take a sliver
          of it), and the urgent message would still not queue behind the bulk one, since it is not in the same byte stream. Nor does the
          link lose packets: the other kind of head-of-line blocking, later bytes stalled behind a lost packet until TCP resends it, is
          not simulated here. The lab endpoint accepts messages up to {sizeLabel(HOL_MAX_PAYLOAD)}; a larger one is refused with close
          code 1009.
        </p>
      </section>
    </div>
  );
}

function TimelineView({ t }: { t: Timeline }) {
  if (t.rows.length === 0) return <p className="lab-small muted">Run the experiment: each run adds a pair of bars here.</p>;
  return (
    <div className="hol-timeline" data-testid="hol-timeline">
      {t.rows.map((row) => (
        <div className="hol-run" key={row.n}>
          <span className="hol-run-name">
            #{row.n} · {MODE_NAME[row.mode]}
          </span>
          {row.bars.map((bar) => (
            <div className="hol-row" key={bar.kind}>
              <span className="hol-label">{bar.label}</span>
              <span className="hol-track">
                <span className="hol-ideal" style={{ left: `${row.idealPercent}%` }} title="the time the bulk frame needs at the link rate" />
                {bar.percent !== null ? (
                  <span className={`hol-bar hol-${bar.kind}${bar.kind === 'urgent' ? (bar.queued ? ' hol-queued' : ' hol-free') : ''}`} style={{ width: `${bar.percent}%` }} />
                ) : (
                  <span className="hol-pending">on its way…</span>
                )}
              </span>
              <span className="hol-ms">{msLabel(bar.ms)}</span>
            </div>
          ))}
        </div>
      ))}
      <div className="hol-row hol-axis" aria-hidden="true">
        <span />
        <span className="hol-track">
          {t.ticks.map((ms) => (
            <span key={ms} className="hol-tick" style={{ left: `${(ms / t.scaleMs) * 100}%` }}>
              {ms === 0 ? '0' : ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`}
            </span>
          ))}
        </span>
        <span />
      </div>
      <p className="lab-small muted">The dashed line marks the time the bulk frame needs at the link rate (the link lets a 50 ms burst through at once, so a run may beat it by that much); all runs share one scale.</p>
    </div>
  );
}

function RunsTable({ runs }: { runs: HolRun[] }) {
  if (runs.length === 0) return <p className="lab-small muted">No runs yet.</p>;
  return (
    <table className="lab-table hol-table">
      <thead>
        <tr>
          <th>run</th>
          <th>connections</th>
          <th>bulk size</th>
          <th>link rate up</th>
          <th>urgent acknowledged</th>
          <th>bulk acknowledged</th>
          <th>server order</th>
          <th>frames in the inspector</th>
        </tr>
      </thead>
      <tbody>
        {[...runs].reverse().map((r) => {
          const conns = [...new Set([r.bulk.conn, r.urgent.conn].filter(Boolean))];
          const o = outcome(r);
          return (
            <tr key={r.n} data-testid={`hol-run-${r.n}`}>
              <td>{r.n}</td>
              <td>{r.settings.mode === 'one' ? 1 : 2}</td>
              <td>{sizeLabel(r.bulk.bytes)}</td>
              <td>{count(r.settings.bytesPerSec)} B/s</td>
              <td data-testid={`hol-run-${r.n}-urgent`}>{msLabel(r.urgent.ackMs)}</td>
              <td data-testid={`hol-run-${r.n}-bulk`}>{msLabel(r.bulk.ackMs)}</td>
              <td>{o === null ? (r.state === 'failed' ? 'failed' : '…') : o.queued ? 'urgent after bulk' : 'urgent first'}</td>
              <td>
                {conns.map((c, i) => (
                  <span key={c}>
                    {i > 0 && ', '}
                    <Link to={`/inspect?conn=${encodeURIComponent(c)}`}>{c}</Link>
                  </span>
                ))}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
