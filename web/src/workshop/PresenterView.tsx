// The presenter's side: where to join, the totals, the controls that break the network on purpose
// (for everyone or one participant), and the roster — every participant with their connections,
// live from the event store. Sized to be read off a projector.
import { useState } from 'react';
import { Page } from '../shell/Page.tsx';
import { useThrottledSlice } from '../store/hooks.ts';
import { Figure } from '../labs/Figure.tsx';
import { presenterAction, type PresenterBody } from './api.ts';
import { ago, describeEffect, describeEvent, displayPath, rosterRows, rttText, totals, type RosterConn } from './model.ts';
import type { Room } from './room.ts';
import { useNow } from './useNow.ts';
import { JoinQr, RecordButton, RemoveButton } from './RoomTools.tsx';
import { TeachingPanels } from './TeachingPanels.tsx';
import '../labs/labs.css';
import '../connection/connection.css';

export function PresenterView({ room, presenterKey }: { room: Room; presenterKey: string }) {
  const store = useThrottledSlice('conns', 250);
  const now = useNow(1000, () => room.serverNow());
  const state = room.state!;
  const rows = rosterRows(state.participants, store.conns.values(), room.snapshot, now);
  const sum = totals(rows);
  const [removal, setRemoval] = useState<{ ok: boolean; text: string } | null>(null);
  const onRemoved = (text: string, ok: boolean) => {
    setRemoval({ ok, text });
    void room.refresh();
  };

  return (
    <Page title="Workshop · presenter">
      <div className="wk-join-row">
        <p className="wk-join-banner" data-testid="wk-join">
          {state.joinUrls.length ? (
            <>
              Join at <strong>{state.joinUrls[0]}</strong>
              {state.joinUrls.length > 1 && <span className="muted"> (or {state.joinUrls.slice(1).join(', ')})</span>}
            </>
          ) : (
            <>
              Only this machine can join: restart with <code>--host 0.0.0.0</code> to let the room in.
            </>
          )}
        </p>
        {state.joinUrls.length > 0 && <JoinQr url={state.joinUrls[0]} />}
      </div>

      <div className="lab-figures wk-totals">
        <Figure label="participants" value={String(sum.participants)} testId="wk-participants" tone="accent" />
        <Figure label="live connections" value={String(sum.liveConns)} testId="wk-live" tone="ok" />
        <Figure label="no live connection" value={String(sum.away)} testId="wk-away" tone={sum.away ? 'danger' : undefined} />
        <Figure label="missing pongs" value={String(sum.missing)} testId="wk-missing" tone={sum.missing ? 'danger' : undefined} />
        <Figure
          label={state.heartbeat?.intervalMs ? `heartbeat, ${state.heartbeat.maxMisses} misses` : 'room heartbeat'}
          value={state.heartbeat ? (state.heartbeat.intervalMs ? `${state.heartbeat.intervalMs} ms` : 'off') : 'default'}
          testId="wk-room-heartbeat"
        />
        <Figure label="effects in force" value={String(state.effects.length)} testId="wk-effects" tone={state.effects.length ? 'danger' : undefined} />
      </div>

      <Controls room={room} presenterKey={presenterKey} now={now} />
      {removal && (
        <p className={removal.ok ? 'wk-result' : 'lab-problem'} role={removal.ok ? 'status' : 'alert'} data-testid="wk-remove-result">
          {removal.text}
        </p>
      )}
      <TeachingPanels room={room} presenterKey={presenterKey} />

      <section className="lab-panel wk-panel" aria-label="Roster">
        <h2>Roster</h2>
        {rows.length === 0 ? (
          <p className="muted">Nobody has joined yet.</p>
        ) : (
          <div className="wk-roster-scroll">
            <table className="wk-roster" data-testid="wk-roster">
              <thead>
                <tr>
                  <th scope="col">participant</th>
                  <th scope="col">conn</th>
                  <th scope="col">path</th>
                  <th scope="col">state</th>
                  <th scope="col" className="num-col">in</th>
                  <th scope="col" className="num-col">out</th>
                  <th scope="col">active</th>
                  <th scope="col" className="num-col">RTT</th>
                  <th scope="col">missed · heartbeat</th>
                </tr>
              </thead>
              {rows.map((r) => (
                <tbody key={r.id} data-participant={r.id}>
                  {r.conns.length === 0 ? (
                    <tr>
                      <th scope="row" className="wk-who">
                        <span className="wk-name">{r.name}</span>
                        <RemoveButton id={r.id} name={r.name} presenterKey={presenterKey} onDone={onRemoved} />
                      </th>
                      <td colSpan={8} className="muted">
                        no connection
                      </td>
                    </tr>
                  ) : (
                    r.conns.map((c, i) => (
                      <tr key={c.conn} className={c.state === 'closed' ? 'wk-closed' : undefined}>
                        {i === 0 && (
                          <th scope="row" rowSpan={r.conns.length} className="wk-who">
                            <span className="wk-name">{r.name}</span>
                        <RemoveButton id={r.id} name={r.name} presenterKey={presenterKey} onDone={onRemoved} />
                          </th>
                        )}
                        <ConnCells c={c} />
                      </tr>
                    ))
                  )}
                </tbody>
              ))}
            </table>
          </div>
        )}
      </section>

      <RecordButton presenterKey={presenterKey} />
    </Page>
  );
}

function ConnCells({ c }: { c: RosterConn }) {
  return (
    <>
      <td className="num">{c.conn}</td>
      <td className="wk-path" title={c.path}>
        {displayPath(c.path)}
      </td>
      <td>
        <span className={`conn-state ${c.state === 'open' ? 'open' : 'closed'}`}>{c.state === 'closed' ? c.closeText : c.state}</span>
      </td>
      <td className="num num-col">{c.framesIn}</td>
      <td className="num num-col">{c.framesOut}</td>
      <td>{ago(c.idleMs)}</td>
      <td className="num num-col">{rttText(c.rtt)}</td>
      <td className={c.missed > 0 && c.state !== 'closed' ? 'wk-missing' : undefined}>
        {c.intervalMs ? `${c.missed}/${c.maxMisses} · ${c.intervalMs} ms` : 'off'}
      </td>
    </>
  );
}

/** The buttons that break the network on purpose, for everyone or one participant. */
function Controls({ room, presenterKey, now }: { room: Room; presenterKey: string; now: number }) {
  const state = room.state!;
  const [target, setTarget] = useState('');
  const [seconds, setSeconds] = useState(10);
  const [latency, setLatency] = useState(300);
  const [interval, setIntervalMs] = useState(1000);
  const [misses, setMisses] = useState(2);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const participant = target || undefined;
  const who = participant ? (state.participants.find((p) => p.id === participant)?.name ?? participant) : 'everyone';

  async function run(body: PresenterBody) {
    setBusy(true);
    const r = await presenterAction(presenterKey, { ...body, ...(participant && { participant }) } as PresenterBody);
    setBusy(false);
    if (!r.ok) return setResult({ ok: false, text: r.error });
    const skipped = r.value.skipped ? ` ${r.value.skipped} of their connections do not go through the chaos link and were left alone.` : '';
    setResult({ ok: true, text: describeEvent(r.value.event, null) + skipped });
    await room.refresh();
  }

  const int = (v: string, min: number, max: number) => Math.max(min, Math.min(max, Math.round(Number(v) || min)));

  return (
    <section className="lab-panel wk-panel wk-controls" aria-label="Presenter controls">
      <h2>Break the network on purpose</h2>
      <div className="lab-fields">
        <label className="lab-field">
          <span>For</span>
          <select value={target} onChange={(e) => setTarget(e.target.value)} aria-label="Target">
            <option value="">everyone</option>
            {state.participants.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <label className="lab-field">
          <span>For how long (s)</span>
          <input type="number" min={1} max={600} value={seconds} onChange={(e) => setSeconds(int(e.target.value, 1, 600))} />
        </label>
        <label className="lab-field">
          <span>Latency each way (ms)</span>
          <input type="number" min={0} max={60000} step={50} value={latency} onChange={(e) => setLatency(int(e.target.value, 0, 60000))} />
        </label>
        <label className="lab-field">
          <span>Heartbeat every (ms)</span>
          <input type="number" min={50} step={50} value={interval} onChange={(e) => setIntervalMs(int(e.target.value, 50, 3_600_000))} />
        </label>
        <label className="lab-field">
          <span>Misses allowed</span>
          <input type="number" min={1} max={100} value={misses} onChange={(e) => setMisses(int(e.target.value, 1, 100))} />
        </label>
      </div>
      <div className="lab-actions">
        <button type="button" className="lab-btn lab-danger" disabled={busy} onClick={() => void run({ action: 'blackhole', seconds })}>
          Blackhole {who} for {seconds} s
        </button>
        <button type="button" className="lab-btn" disabled={busy} onClick={() => void run({ action: 'latency', latencyMs: latency, seconds })}>
          Add {latency} ms
        </button>
        <button type="button" className="lab-btn lab-danger" disabled={busy} onClick={() => void run({ action: 'reset' })}>
          Reset (RST)
        </button>
        <button type="button" className="lab-btn" disabled={busy} onClick={() => void run({ action: 'restore' })}>
          Restore
        </button>
        <span className="wk-sep" aria-hidden="true" />
        <button type="button" className="lab-btn lab-primary" disabled={busy} onClick={() => void run({ action: 'heartbeat', intervalMs: interval, maxMisses: misses })}>
          Heartbeat on
        </button>
        <button type="button" className="lab-btn" disabled={busy} onClick={() => void run({ action: 'heartbeat', intervalMs: 0 })}>
          Heartbeat off
        </button>
      </div>
      {result && (
        <p className={result.ok ? 'wk-result' : 'lab-problem'} role={result.ok ? 'status' : 'alert'} data-testid="wk-result">
          {result.text}
        </p>
      )}
      {state.effects.length > 0 && (
        <ul className="wk-effects" data-testid="wk-effects-list">
          {state.effects.map((e, i) => (
            <li key={i}>{describeEffect(e, null, now, 'You')}</li>
          ))}
        </ul>
      )}
    </section>
  );
}
