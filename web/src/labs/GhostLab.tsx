// Ghost connections and heartbeats: spawn simulated clients through the chaos link, send some into
// a tunnel (blackhole), and watch what the server believes against what is really alive.
import { useEffect, useState } from 'react';
import { TimeChart } from '../charts/TimeChart.tsx';
import { blackholeSims, clearSims, measureCosts, setSimHeartbeat, simStats, spawnSims, type Costs } from './api.ts';
import { useLabStream } from './stream.ts';
import { bytes, count } from './format.ts';
import { Figure } from './Figure.tsx';

export function GhostLab() {
  const stream = useLabStream();
  const [n, setN] = useState(200);
  const [holes, setHoles] = useState(100);
  const [hbOn, setHbOn] = useState(true);
  const [interval, setIntervalMs] = useState(1000);
  const [misses, setMisses] = useState(2);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [costs, setCosts] = useState<Costs | null>(null);
  const [initial, setInitial] = useState<{ clients: number; alive: number; believed: number } | null>(null);

  useEffect(() => {
    void simStats().then((r) => {
      if (!r.ok) return;
      setInitial(r.value);
      if (r.value.heartbeat) {
        setHbOn(r.value.heartbeat.intervalMs > 0);
        if (r.value.heartbeat.intervalMs > 0) setIntervalMs(r.value.heartbeat.intervalMs);
        setMisses(r.value.heartbeat.maxMisses);
      }
    });
  }, []);

  const last = stream.lastSim ?? (initial ? { ...initial, blackholed: 0, stateBytes: 0, rss: 0, heapUsed: 0 } : null);
  const ghosts = last ? last.believed - last.alive : 0;

  async function run(fn: () => Promise<{ ok: boolean; error?: string }>) {
    setBusy(true);
    const r = await fn();
    setProblem(r.ok ? null : (r.error ?? 'failed'));
    setBusy(false);
  }

  const hbMs = hbOn ? interval : 0;
  const sim = stream.sim;

  return (
    <div className="lab">
      <p className="lab-text">
        A phone that drives into a tunnel sends no FIN and no RST: it is simply gone. TCP on the server keeps the socket, the app keeps
        its state, and the user still counts as online — a <strong>ghost connection</strong>. Spawn simulated clients (real sockets,
        each through the chaos link), blackhole some, and watch the two lines part. Heartbeats (a ping every interval, terminate after
        the allowed misses) bring them back together: each ghost goes after <em>interval × misses</em>, plus up to one interval.
      </p>

      <div className="lab-grid">
        <section className="lab-panel" aria-label="Clients">
          <h3>Simulated clients</h3>
          <div className="lab-fields">
            <label className="lab-field">
              <span>How many</span>
              <input type="number" min={1} max={5000} value={n} onChange={(e) => setN(Math.max(1, Math.min(5000, Math.round(Number(e.target.value) || 1))))} />
            </label>
            <button type="button" className="lab-btn lab-primary" disabled={busy} onClick={() => void run(() => spawnSims(n, hbMs, misses))}>
              Spawn {count(n)}
            </button>
          </div>
          <div className="lab-fields">
            <label className="lab-field">
              <span>Into the tunnel</span>
              <input type="number" min={1} value={holes} onChange={(e) => setHoles(Math.max(1, Math.round(Number(e.target.value) || 1)))} />
            </label>
            <button type="button" className="lab-btn" disabled={busy} onClick={() => void run(() => blackholeSims({ count: holes }))}>
              Blackhole {count(holes)}
            </button>
            <button type="button" className="lab-btn" disabled={busy} onClick={() => void run(() => blackholeSims({ all: true }))}>
              Blackhole all
            </button>
          </div>
          <div className="lab-actions">
            <button type="button" className="lab-btn" disabled={busy} onClick={() => void run(() => blackholeSims({ all: true, on: false }))}>
              Out of the tunnel
            </button>
            <button type="button" className="lab-btn lab-danger" disabled={busy} onClick={() => void run(() => clearSims())}>
              Remove all clients
            </button>
          </div>
          <p className="lab-small muted">
            Leaving the tunnel after the server gave up: the link answers with RST, as the server&apos;s kernel would to a phone it forgot.
          </p>
        </section>

        <section className="lab-panel" aria-label="Heartbeat">
          <h3>Server heartbeat</h3>
          <label className="lab-check">
            <input type="checkbox" checked={hbOn} onChange={(e) => setHbOn(e.target.checked)} /> Heartbeats on
          </label>
          <div className="lab-fields">
            <label className="lab-field">
              <span>Ping every (ms)</span>
              <input type="number" min={50} step={50} value={interval} disabled={!hbOn} onChange={(e) => setIntervalMs(Math.max(50, Math.round(Number(e.target.value) || 50)))} />
            </label>
            <label className="lab-field">
              <span>Misses allowed</span>
              <input type="number" min={1} max={100} value={misses} disabled={!hbOn} onChange={(e) => setMisses(Math.max(1, Math.min(100, Math.round(Number(e.target.value) || 1))))} />
            </label>
          </div>
          <button type="button" className="lab-btn lab-primary" disabled={busy} onClick={() => void run(() => setSimHeartbeat(hbMs, misses))}>
            Apply to every ghost-lab connection
          </button>
          <p className="lab-small muted">
            {hbOn ? `A ghost is found within ${count(interval * misses)}–${count(interval * (misses + 1))} ms.` : 'Off: nothing will ever notice a ghost.'}
          </p>
        </section>
      </div>

      {problem && (
        <p className="lab-problem" role="alert">
          {problem}
        </p>
      )}

      <div className="lab-figures" aria-live="polite">
        <Figure label="Server believes online" value={last ? count(last.believed) : '—'} testId="believed" tone="accent" />
        <Figure label="Really alive" value={last ? count(last.alive) : '—'} testId="alive" tone="ok" />
        <Figure label="Ghosts" value={last ? count(Math.max(0, ghosts)) : '—'} testId="ghosts" tone={ghosts > 0 ? 'danger' : undefined} />
        <Figure label="Blackholed clients" value={last ? count(last.blackholed) : '—'} testId="blackholed" />
        <Figure label="App state held for them" value={last ? bytes(last.stateBytes) : '—'} testId="state" />
        <Figure label="Server RSS" value={last && last.rss ? bytes(last.rss) : '—'} testId="rss" />
      </div>

      <div className="lab-charts">
        <section className="lab-panel">
          <h3>Online: believed vs really alive</h3>
          <TimeChart
            title="Connections the server believes in and clients really alive, over time"
            yLabel="connections"
            data={sim.data([2, 1])}
            series={[
              { label: 'believed by the server', color: 'var(--accent)' },
              { label: 'really alive', color: 'var(--ok)' },
            ]}
          />
        </section>
        <section className="lab-panel">
          <h3>Server memory</h3>
          <TimeChart
            title="Server process memory over time"
            yLabel="MiB"
            data={[sim.t.slice(), sim.cols[3].slice(), sim.cols[4].slice()]}
            series={[
              { label: 'RSS', color: 'var(--warn)', unit: 'MiB' },
              { label: 'JS heap used', color: 'var(--accent)', unit: 'MiB' },
            ]}
          />
        </section>
        <section className="lab-panel">
          <h3>State the lab holds for its clients</h3>
          {/* its own chart and scale: a few MiB of state are invisible beside a process's hundreds */}
          <TimeChart
            title="App state held for the simulated clients over time"
            yLabel="KiB"
            data={[sim.t.slice(), sim.cols[5].slice()]}
            series={[{ label: 'ghost-lab state', color: 'var(--danger)', unit: 'KiB' }]}
          />
        </section>
      </div>

      <section className="lab-panel lab-costs" aria-label="Why this is not polling">
        <h3>Why a heartbeat is not polling</h3>
        <p className="lab-text">
          A poll is a whole HTTP request and response — request line, cookies, user agent, the response&apos;s headers — every time,
          whether anything changed or not. A heartbeat is one ping frame and one pong frame on a connection that is already open. Both
          figures below are measured: a real GET with the headers Chromium sends, against this server, and the last ping + pong the tap
          saw cross a lab socket.
        </p>
        <button type="button" className="lab-btn" onClick={() => void measureCosts().then((r) => (r.ok ? setCosts(r.value) : setProblem(r.error)))}>
          Measure both
        </button>
        {costs && <CostBars costs={costs} />}
      </section>
    </div>
  );
}

function CostBars({ costs }: { costs: Costs }) {
  const poll = costs.pollBytes;
  const pair = costs.pingPongBytes;
  const max = Math.max(poll, pair ?? 0);
  return (
    <div className="lab-bars">
      <div className="lab-bar-row">
        <span className="lab-bar-label">HTTP poll</span>
        <span className="lab-bar" style={{ width: `${(poll / max) * 100}%` }} />
        <span className="num" data-testid="poll-bytes">
          {count(poll)} B
        </span>
        <span className="lab-small muted">
          ({count(costs.poll.requestBytes)} request + {count(costs.poll.responseBytes)} response)
        </span>
      </div>
      <div className="lab-bar-row">
        <span className="lab-bar-label">ping + pong</span>
        {pair === null ? (
          <span className="lab-small muted">no ping seen yet: spawn a client with heartbeats on, wait one interval, measure again</span>
        ) : (
          <>
            <span className="lab-bar lab-bar-ok" style={{ width: `${Math.max(0.5, (pair / max) * 100)}%` }} />
            <span className="num" data-testid="pingpong-bytes">
              {pair} B
            </span>
            <span className="lab-small muted">
              (ping {costs.ping!.headerHex} + {costs.ping!.payloadLength} B, pong {costs.pong!.headerHex} + {costs.pong!.payloadLength} B; the pong is masked)
            </span>
          </>
        )}
      </div>
      {pair !== null && costs.ping && costs.ping.payloadLength > 0 && (
        <p className="lab-small" data-testid="pingpong-why">
          This lab&apos;s pings carry a counter, <code>{pingText(costs.ping.payloadHex)}</code> ({costs.ping.payloadLength} B), and a pong echoes its ping&apos;s payload
          (RFC 6455 §5.5.3), so it crosses twice: 8 + 2 × {costs.ping.payloadLength} = {8 + 2 * costs.ping.payloadLength} B. An empty ping and its pong are 8 B.
        </p>
      )}
      {pair !== null && <p className="lab-small">One poll costs as much as {Math.round(poll / pair)} heartbeats — and a poll every second is far more often than a heartbeat needs to be.</p>}
      <details>
        <summary>The poll as it crossed the wire</summary>
        <pre className="lab-pre">{costs.poll.request + costs.poll.response}</pre>
      </details>
    </div>
  );
}

/** A ping payload as text (the lab's are ASCII, e.g. hb:3). */
function pingText(hex: string): string {
  let out = '';
  for (let i = 0; i + 1 < hex.length; i += 2) out += String.fromCharCode(parseInt(hex.slice(i, i + 2), 16));
  return out;
}
