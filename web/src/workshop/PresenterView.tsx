// The presenter's side: where to join, the totals, the controls that break the network on purpose
// (for everyone or one participant), and the roster — every participant with their connections,
// live from the event store. Sized to be read off a projector, and for a room of 500: the page
// redraws on a clock (at most twice a second, whatever the room sends), the totals are one pass
// over the roster per redraw, and the roster draws only the rows near where it is scrolled.
import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { Page } from '../shell/Page.tsx';
import { getStore } from '../store/store.ts';
import { Figure } from '../labs/Figure.tsx';
import { presenterAction, type PresenterBody, type RoomState } from './api.ts';
import { describeEffect, describeEvent, rosterRows, totals, type Totals } from './model.ts';
import type { Room } from './room.ts';
import { MessageRate, PRESENTER_TICK_MS, stateCounts, type StateCounts } from './roster-window.ts';
import { Roster } from './Roster.tsx';
import { JoinQr, RecordButton } from './RoomTools.tsx';
import { TeachingPanels } from './TeachingPanels.tsx';
import '../labs/labs.css';
import '../connection/connection.css';

/**
 * Re-renders the caller at most once every `ms`: on the next beat after one of `sources` changed,
 * or every `idleMs` anyway (ages and countdowns move on their own). However many events arrive,
 * a source's change only sets a flag.
 */
function useBeat(ms: number, idleMs: number, sources: readonly ((fn: () => void) => () => void)[]): number {
  const [beat, setBeat] = useState(0);
  useEffect(() => {
    let dirty = true;
    let last = performance.now();
    const offs = sources.map((subscribe) => subscribe(() => (dirty = true)));
    const id = setInterval(() => {
      const now = performance.now();
      if (!dirty && now - last < idleMs) return;
      dirty = false;
      last = now;
      setBeat((b) => b + 1);
    }, ms);
    return () => {
      clearInterval(id);
      for (const off of offs) off();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [ms, idleMs, ...sources]);
  return beat;
}

export const PresenterView = memo(function PresenterView({ room, presenterKey }: { room: Room; presenterKey: string }) {
  const store = getStore();
  const beat = useBeat(PRESENTER_TICK_MS, 1000, [store.subscribe, room.subscribe]);
  const now = room.serverNow();
  const state = room.state!;
  const rate = useRef(new MessageRate()).current;
  // recomputed once per beat (and on the presenter's own actions), never per event
  const { rows, sum, states, perSecond } = useMemo(() => {
    const rows = rosterRows(state.participants, store.conns.values(), room.snapshot, now);
    const r = rate.update(store.events, performance.now());
    return { rows, sum: totals(rows), states: stateCounts(rows), perSecond: Math.round(r.c2s) };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [beat, state]);
  const [removal, setRemoval] = useState<{ ok: boolean; text: string } | null>(null);
  const onRemoved = useCallback(
    (text: string, ok: boolean) => {
      setRemoval({ ok, text });
      void room.refresh();
    },
    [room],
  );

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

      <RoomTotals sum={sum} states={states} perSecond={perSecond} heartbeat={state.heartbeat} effects={state.effects.length} />

      <Controls room={room} presenterKey={presenterKey} now={now} />
      {removal && (
        <p className={removal.ok ? 'wk-result' : 'lab-problem'} role={removal.ok ? 'status' : 'alert'} data-testid="wk-remove-result">
          {removal.text}
        </p>
      )}
      <TeachingPanels room={room} presenterKey={presenterKey} />

      <section className="lab-panel wk-panel" aria-label="Roster">
        <h2>Roster</h2>
        {rows.length === 0 ? <p className="muted">Nobody has joined yet.</p> : <Roster rows={rows} presenterKey={presenterKey} onRemoved={onRemoved} />}
      </section>

      <RecordButton presenterKey={presenterKey} />
    </Page>
  );
});

/**
 * The room's totals. Drawn only when the presenter page redraws (at most twice a second) and one
 * of them changed; each draw leaves a `wk-aggregates` performance mark and counts itself in
 * data-renders, so a test can prove the bound.
 */
const RoomTotals = memo(function RoomTotals({
  sum,
  states,
  perSecond,
  heartbeat,
  effects,
}: {
  sum: Totals;
  states: StateCounts;
  perSecond: number;
  heartbeat: RoomState['heartbeat'];
  effects: number;
}) {
  const el = useRef<HTMLDivElement>(null);
  const renders = useRef(0);
  useLayoutEffect(() => {
    renders.current++;
    el.current?.setAttribute('data-renders', String(renders.current));
    performance.mark('wk-aggregates');
  });
  return (
    <div ref={el} className="wk-aggregates" data-testid="wk-aggregates">
      <div className="lab-figures wk-totals">
        <Figure label="participants" value={String(sum.participants)} testId="wk-participants" tone="accent" />
        <Figure label="live connections" value={String(sum.liveConns)} testId="wk-live" tone="ok" />
        <Figure label="no live connection" value={String(sum.away)} testId="wk-away" tone={sum.away ? 'danger' : undefined} />
        <Figure label="missing pongs" value={String(sum.missing)} testId="wk-missing" tone={sum.missing ? 'danger' : undefined} />
        <Figure label="messages/s sent" value={String(perSecond)} testId="wk-rate" />
        <Figure
          label={heartbeat?.intervalMs ? `heartbeat, ${heartbeat.maxMisses} misses` : 'room heartbeat'}
          value={heartbeat ? (heartbeat.intervalMs ? `${heartbeat.intervalMs} ms` : 'off') : 'default'}
          testId="wk-room-heartbeat"
        />
        <Figure label="effects in force" value={String(effects)} testId="wk-effects" tone={effects ? 'danger' : undefined} />
      </div>
      <p className="lab-small muted wk-states" data-testid="wk-states">
        Connections: {states.open} open · {states.connecting} connecting · {states.closing} closing · {states.closed} closed in the last 30 s
      </p>
    </div>
  );
});

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
  // a room of 500 is 500 options: built again only when the room's list changes, not on each redraw
  const options = useMemo(
    () =>
      state.participants.map((p) => (
        <option key={p.id} value={p.id}>
          {p.name}
        </option>
      )),
    [state.participants],
  );
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
            {options}
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
