// One connection's server heartbeat, changed in place: interval, misses allowed, or off. It calls
// POST /__wslab/heartbeat {conn, intervalMs, maxMisses} and shows the setting the server reports
// in its heartbeat events, so the control always says what the server really does.
import { useEffect, useId, useState } from 'react';
import { apiCall } from '../http.ts';
import { useStoreSelector } from '../store/hooks.ts';
import { getStore } from '../store/store.ts';
import { describeSetting, formFrom, heartbeatRequest, settingFromEvents, type HeartbeatForm, type HeartbeatSetting } from './heartbeat.ts';

interface Described extends HeartbeatSetting {
  missed: number;
}

export function HeartbeatControl({ conn, disabled = false }: { conn: string; disabled?: boolean }) {
  const id = useId();
  useStoreSelector((s) => s.conns.get(conn)?.heartbeats.length ?? 0, [conn]);
  const fromEvents = settingFromEvents(getStore().conns.get(conn)?.heartbeats ?? []);
  const [fetched, setFetched] = useState<Described | null>(null);
  const current: Described | null = fromEvents ?? fetched;
  const [form, setForm] = useState<HeartbeatForm | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  // Without a heartbeat event yet, ask the server what this connection has.
  useEffect(() => {
    if (fromEvents) return;
    let cancelled = false;
    void apiCall<{ connections: { conn: string; heartbeat: Described | null }[] }>('GET', '/__wslab/connections').then((res) => {
      if (cancelled || !res.ok) return;
      const hb = res.value.connections.find((c) => c.conn === conn)?.heartbeat;
      if (hb) setFetched(hb);
    });
    return () => {
      cancelled = true;
    };
  }, [conn]); // eslint-disable-line react-hooks/exhaustive-deps

  const shown = form ?? (current ? formFrom(current) : { on: true, intervalS: '1', misses: '2' });
  const edit = (patch: Partial<HeartbeatForm>) => setForm({ ...shown, ...patch });

  const apply = async () => {
    const req = heartbeatRequest(conn, shown);
    if (!req.ok) {
      setError(req.error);
      return;
    }
    setBusy(true);
    const res = await apiCall<Described & { conn: string }>('POST', '/__wslab/heartbeat', req.body);
    setBusy(false);
    if (!res.ok) {
      setError(res.error);
      return;
    }
    setError(null);
    setFetched({ intervalMs: res.value.intervalMs, maxMisses: res.value.maxMisses, missed: res.value.missed });
    setForm(null);
  };

  return (
    <form
      className="hb-control"
      aria-label={`Server heartbeat of ${conn}`}
      data-testid="heartbeat-control"
      onSubmit={(e) => {
        e.preventDefault();
        void apply();
      }}
    >
      <fieldset disabled={disabled || busy}>
        <legend>Server heartbeat</legend>
        <label className="hb-check">
          <input type="checkbox" checked={shown.on} onChange={(e) => edit({ on: e.target.checked })} /> ping
        </label>
        <label className="hb-field">
          every
          <input id={`${id}-i`} value={shown.intervalS} onChange={(e) => edit({ intervalS: e.target.value })} inputMode="decimal" size={5} disabled={!shown.on} aria-label="Interval in seconds" /> s
        </label>
        <label className="hb-field">
          give up after
          <input value={shown.misses} onChange={(e) => edit({ misses: e.target.value })} inputMode="numeric" size={3} aria-label="Missed pongs allowed" /> missed
        </label>
        <button type="submit" className="pg-btn">
          {busy ? 'Applying…' : 'Apply'}
        </button>
      </fieldset>
      <p className="hb-now" aria-live="polite">
        {current ? (
          <>
            Now: {describeSetting(current)}
            {current.intervalMs > 0 && current.missed > 0 ? ` · ${current.missed} missed so far` : ''}.
          </>
        ) : (
          'Asking the server…'
        )}
      </p>
      {error && (
        <p className="pg-problem" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
