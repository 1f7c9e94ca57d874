// The chaos link's conditions for one selection (a tag, a connection), changed live.
import { useEffect, useState } from 'react';
import { resetLink, setLink, type LinkConditions, type LinkSelector } from './api.ts';

/**
 * `live`: the conditions the link itself last reported (link events); the fields follow them, so
 * the panel shows what the link does, including changes made elsewhere (another control, the API).
 */
export function LinkPanel({ selector, title = 'Chaos link', disabled = false, live = null }: { selector: LinkSelector; title?: string; disabled?: boolean; live?: LinkConditions | null }) {
  const [c, setC] = useState<LinkConditions>(live ?? { latencyMs: 0, jitterMs: 0, c2sBytesPerSec: 0, s2cBytesPerSec: 0, blackhole: false, pauseClient: false, pauseServer: false });
  const liveKey = live ? JSON.stringify(live) : null;
  useEffect(() => {
    if (live) setC({ ...live });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [liveKey]);
  const [problem, setProblem] = useState<string | null>(null);

  async function change(next: Partial<LinkConditions>) {
    const merged = { ...c, ...next };
    setC(merged);
    const r = await setLink(selector, next);
    setProblem(r.ok ? null : r.error);
  }

  const num = (key: 'latencyMs' | 'jitterMs' | 'c2sBytesPerSec' | 's2cBytesPerSec', label: string, step: number) => (
    <label className="lab-field">
      <span>{label}</span>
      <input
        type="number"
        min={0}
        step={step}
        value={c[key]}
        disabled={disabled}
        onChange={(e) => setC({ ...c, [key]: Math.max(0, Math.round(Number(e.target.value) || 0)) })}
        onBlur={() => void change({ [key]: c[key] })}
        onKeyDown={(e) => e.key === 'Enter' && void change({ [key]: c[key] })}
      />
    </label>
  );

  const flag = (key: 'blackhole' | 'pauseClient' | 'pauseServer', label: string) => (
    <label className="lab-check">
      <input type="checkbox" checked={c[key]} disabled={disabled} onChange={(e) => void change({ [key]: e.target.checked })} />
      {label}
    </label>
  );

  return (
    <section className="lab-panel" aria-label={title}>
      <h3>{title}</h3>
      <div className="lab-fields">
        {num('latencyMs', 'Latency each way (ms)', 10)}
        {num('jitterMs', 'Jitter + (ms)', 10)}
        {num('s2cBytesPerSec', 'Down: server → client (B/s, 0 = ∞)', 1000)}
        {num('c2sBytesPerSec', 'Up: client → server (B/s, 0 = ∞)', 1000)}
      </div>
      <div className="lab-flags">
        {flag('blackhole', 'Blackhole (no FIN, no RST)')}
        {flag('pauseServer', 'Stop reading the server')}
        {flag('pauseClient', 'Stop reading the client')}
        <button type="button" className="lab-btn lab-danger" disabled={disabled} onClick={() => void resetLink(selector).then((r) => setProblem(r.ok ? null : r.error))}>
          Reset (RST)
        </button>
      </div>
      {problem && (
        <p className="lab-problem" role="alert">
          {problem}
        </p>
      )}
    </section>
  );
}
