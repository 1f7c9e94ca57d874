// Client lifecycle: this page's own reconnecting client (web/src/reconnect) to /lab/echo through the
// chaos link. Reset or blackhole the link and watch the state machine and the timeline of attempts.
import { useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { ReconnectingClient, type ReconnectState, type SocketLike } from '../reconnect/client.ts';
import { backoffCeiling } from '../reconnect/backoff.ts';
import { LinkPanel } from './LinkPanel.tsx';
import { count } from './format.ts';

const STATES: { id: ReconnectState; x: number; y: number }[] = [
  { id: 'idle', x: 60, y: 60 },
  { id: 'connecting', x: 230, y: 60 },
  { id: 'open', x: 400, y: 60 },
  { id: 'waiting', x: 315, y: 160 },
  { id: 'stopped', x: 60, y: 160 },
];
/** from, to, label, where the label sits (x, y, anchor) */
const EDGES: [ReconnectState, ReconnectState, string, number, number, 'start' | 'middle' | 'end'][] = [
  ['idle', 'connecting', 'start()', 145, 52, 'middle'],
  ['connecting', 'open', 'open', 315, 52, 'middle'],
  ['open', 'waiting', 'close', 372, 124, 'start'],
  ['connecting', 'waiting', 'fail', 285, 100, 'start'],
  ['waiting', 'connecting', 'after delay', 240, 124, 'end'],
];

function StateDiagram({ state }: { state: ReconnectState }) {
  const at = (id: ReconnectState) => STATES.find((s) => s.id === id)!;
  return (
    <svg className="lab-states" viewBox="0 20 470 195" role="img" aria-label={`Reconnect state machine, now ${state}`}>
      <defs>
        <marker id="lab-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
          <path d="M 0 0 L 10 5 L 0 10 z" fill="currentColor" />
        </marker>
      </defs>
      {EDGES.map(([from, to, label, lx, ly, anchor]) => {
        const a = at(from);
        const b = at(to);
        const dx = b.x - a.x;
        const dy = b.y - a.y;
        const len = Math.hypot(dx, dy);
        const ox = (dx / len) * 52;
        const oy = (dy / len) * 22;
        const bend = from === 'waiting' ? -12 : from === 'connecting' && to === 'waiting' ? 12 : 0;
        return (
          <g key={`${from}-${to}`} className="lab-edge">
            <line x1={a.x + ox + bend} y1={a.y + oy} x2={b.x - ox + bend} y2={b.y - oy} markerEnd="url(#lab-arrow)" />
            <text x={lx} y={ly} textAnchor={anchor}>
              {label}
            </text>
          </g>
        );
      })}
      <text className="lab-note" x={60} y={200} textAnchor="middle">
        stop() from any state
      </text>
      {STATES.map((s) => (
        <g key={s.id} className={`lab-state${s.id === state ? ' on' : ''}`}>
          <rect x={s.x - 52} y={s.y - 20} width={104} height={40} rx={10} />
          <text x={s.x} y={s.y + 5} textAnchor="middle">
            {s.id}
          </text>
        </g>
      ))}
    </svg>
  );
}

export function LifecycleLab() {
  const tag = useMemo(() => `life${Math.random().toString(36).slice(2, 8)}`, []);
  const [baseMs, setBase] = useState(500);
  const [capMs, setCap] = useState(8000);
  const [stableMs, setStable] = useState(5000);
  const [echoes, setEchoes] = useState(0);
  const client = useMemo(
    () =>
      new ReconnectingClient({
        policy: { baseMs, capMs, stableMs },
        connect: () => new WebSocket(`${location.origin.replace(/^http/, 'ws')}/lab/echo?link=${tag}`) as unknown as SocketLike,
        onMessage: () => setEchoes((n) => n + 1),
      }),
    [tag, baseMs, capMs, stableMs],
  );
  useSyncExternalStore(client.subscribe, client.getVersion);
  const [now, setNow] = useState(() => performance.now());
  useEffect(() => {
    if (!client.subscriptions.includes('subscribe:prices')) client.addSubscription('subscribe:prices');
    const id = setInterval(() => setNow(performance.now()), 200);
    return () => {
      clearInterval(id);
      client.stop();
    };
  }, [client]);

  const attempts = client.attempts.slice(-12);
  const waitLeft = client.nextAt !== null ? Math.max(0, client.nextAt - now) : null;

  return (
    <div className="lab">
      <p className="lab-text">
        A connection will drop: a train goes under a hill, a laptop sleeps, a server restarts. A good client reconnects on its own — but
        not all at once and not as fast as it can, or a thousand clients that lost the same server come back in the same millisecond
        and knock it over again. The retry <em>n</em> in a row waits a random time in [0, min(cap, base × 2<sup>n</sup>)) (“full
        jitter”); a connection that stays up for the stable period resets the count; after every reconnect the client sends its
        subscriptions again, because the new connection knows nothing of the old one. This page runs that client (
        <code>web/src/reconnect</code>) against <code>/lab/echo</code> through the chaos link.
      </p>

      <div className="lab-grid">
        <section className="lab-panel" aria-label="Reconnecting client">
          <h3>
            State: <span data-testid="rc-state">{client.state}</span>
            {waitLeft !== null && <span className="lab-small muted"> — next attempt in {Math.ceil(waitLeft)} ms</span>}
          </h3>
          <StateDiagram state={client.state} />
          <div className="lab-fields">
            <label className="lab-field">
              <span>Base (ms)</span>
              <input type="number" min={10} value={baseMs} onChange={(e) => setBase(Math.max(10, Math.round(Number(e.target.value) || 10)))} />
            </label>
            <label className="lab-field">
              <span>Cap (ms)</span>
              <input type="number" min={10} value={capMs} onChange={(e) => setCap(Math.max(10, Math.round(Number(e.target.value) || 10)))} />
            </label>
            <label className="lab-field">
              <span>Stable after (ms)</span>
              <input type="number" min={0} value={stableMs} onChange={(e) => setStable(Math.max(0, Math.round(Number(e.target.value) || 0)))} />
            </label>
          </div>
          <div className="lab-actions">
            <button type="button" className="lab-btn lab-primary" disabled={client.state !== 'idle' && client.state !== 'stopped'} onClick={() => client.start()}>
              Connect
            </button>
            <button type="button" className="lab-btn" disabled={client.state !== 'open'} onClick={() => client.send(`hello ${Date.now()}`)}>
              Send
            </button>
            <button type="button" className="lab-btn" onClick={() => client.stop()}>
              Stop
            </button>
          </div>
          <p className="lab-small muted">
            Retry {client.retry} in a row; the next ceiling is {count(backoffCeiling(client.retry, client.policy))} ms. Echoes received: {count(echoes)}. Subscriptions
            re-sent on every open: {client.subscriptions.join(', ')}.
          </p>
        </section>
        <LinkPanel selector={{ tag }} title="Chaos link in front of this client" />
      </div>

      <section className="lab-panel" aria-label="Timeline of attempts">
        <h3>Attempts</h3>
        <table className="lab-table">
          <thead>
            <tr>
              <th>#</th>
              <th>retry</th>
              <th>waited</th>
              <th>ceiling</th>
              <th>outcome</th>
              <th>stayed open</th>
            </tr>
          </thead>
          <tbody>
            {attempts.map((a) => (
              <tr key={a.n}>
                <td className="num">{a.n}</td>
                <td className="num">{a.retry}</td>
                <td className="num">
                  <span className="lab-jitter" style={{ width: `${a.ceilingMs ? (a.delayMs / a.ceilingMs) * 100 : 0}%` }} />
                  {count(a.delayMs)} ms
                </td>
                <td className="num">{a.ceilingMs ? `${count(a.ceilingMs)} ms` : '—'}</td>
                <td className={`lab-outcome ${a.outcome}`}>{a.outcome}</td>
                <td className="num">{a.openedAt !== null ? `${count(Math.round((a.closedAt ?? now) - a.openedAt))} ms` : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </div>
  );
}
