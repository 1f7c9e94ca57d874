// Same feed, four transports: the page receives one feed by short polling, long polling,
// server-sent events and a WebSocket at once, and shows what each costs on the wire (the server's
// byte counts) and how late each update arrives (server clock → page clock).
import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { TimeChart } from '../charts/TimeChart.tsx';
import { TransportsRun } from './transports/run.ts';
import {
  busiest,
  bytesPerUpdate,
  connectionCount,
  latencyChart,
  meanLatency,
  steadyBytesPerUpdate,
  TRANSPORTS,
  type Tally,
  type Transport,
  type TransportTotals,
} from './transports/model.ts';
import { bytes, count } from './format.ts';

interface About {
  name: string;
  color: string;
  text: string;
}

const ABOUT: Record<Transport, About> = {
  poll: {
    name: 'Short polling',
    color: 'var(--warn)',
    text: 'The page asks on a timer whether anything is new and the server answers straight away, often with an empty list. Every ask is a whole request and response, and news sits on the server until the next ask.',
  },
  long: {
    name: 'Long polling',
    color: 'var(--danger)',
    text: 'The page asks and the server keeps the request waiting until it has news (or 25 s pass), then answers; the page asks again at once. News leaves immediately, but each update still pays for a full request and response.',
  },
  sse: {
    name: 'Server-sent events',
    color: 'var(--accent)',
    text: 'One GET whose response never ends: the server appends each update as a small text event carrying an id. Headers are paid once, and after a drop the browser reconnects by itself and says where it stopped (Last-Event-ID).',
  },
  ws: {
    name: 'WebSocket',
    color: 'var(--ok)',
    text: 'One HTTP upgrade, then the connection carries frames in both directions. Each update is a text frame with a 2-byte header, and the page could answer on the same connection.',
  },
};

const EMPTY: TransportTotals = { requests: 0, updates: 0, empty: 0, requestBytes: 0, responseBytes: 0, setupBytes: 0, open: 0, connections: [], moreConnections: 0 };

function ms(v: number | null): string {
  if (v === null) return '—';
  return v < 10 ? `${v.toFixed(2)} ms` : v < 100 ? `${v.toFixed(1)} ms` : `${Math.round(v)} ms`;
}

function perUpdate(v: number | null): string {
  return v === null ? '—' : `${count(Math.round(v))} B`;
}

function useRun(run: TransportsRun | null): void {
  useSyncExternalStore(run?.subscribe ?? noSubscribe, run?.getVersion ?? zero);
}
const noSubscribe = () => () => {};
const zero = () => 0;

export function TransportsLab() {
  const [pollMs, setPollMs] = useState(250);
  const [run, setRun] = useState<TransportsRun | null>(null);
  const current = useRef<TransportsRun | null>(null);
  useRun(run);

  // leaving the page stops the run: no request keeps going without its view
  useEffect(() => () => void current.current?.stop(), []);

  const running = run?.active ?? false;
  async function start() {
    await current.current?.stop();
    const next = new TransportsRun(pollMs);
    current.current = next;
    setRun(next);
    await next.start();
  }

  const stats = run?.stats?.transports;
  const totals = (k: Transport) => stats?.[k] ?? EMPTY;
  const tallies = run?.tallies;
  const max = Math.max(1, ...TRANSPORTS.map((k) => bytesPerUpdate(totals(k)) ?? 0));

  return (
    <div className="lab tx-lab">
      <p className="lab-text">
        The server makes a small update about twice a second, at irregular moments. Start opens four receivers in this page at once,
        from the same sequence number. Bytes are what the server&apos;s sockets counted both ways — request lines, headers, chunk and
        frame headers included — not payload sizes.
      </p>

      <section className="lab-panel tx-controls" aria-label="Run">
        <button type="button" className="lab-btn lab-primary" disabled={run?.state === 'starting' || run?.state === 'stopping'} onClick={() => void (running ? run!.stop() : start())}>
          {running ? 'Stop' : 'Start'}
        </button>
        <label className="lab-field lab-inline">
          <span>Poll every (ms)&nbsp;</span>
          <input type="number" min={100} max={10000} step={50} value={pollMs} disabled={running} onChange={(e) => setPollMs(Math.max(100, Math.min(10_000, Math.round(Number(e.target.value) || 100))))} />
        </label>
        <span className="lab-small muted tx-status" data-testid="tx-status">
          {run === null
            ? 'Not running.'
            : `${run.state}; feed at seq ${run.server?.head ?? '—'}${run.server ? `, an update every ${run.server.periodMs} ms on average` : ''}; held by the server now: ${run.server ? `${run.server.held.long} long poll(s), ${run.server.held.sse} event stream(s), ${run.server.held.ws} WebSocket(s)` : '—'}`}
        </span>
        <span className="lab-small muted tx-hint">
          Try polling every 7000 ms: the server announces <code>Keep-Alive: timeout=5</code> and closes a connection idle for about 6 s (Node
          adds a second of grace), so each poll then needs a new one.
        </span>
      </section>

      {run?.problem && (
        <p className="lab-problem" role="alert">
          {run.problem}
        </p>
      )}

      <div className="tx-grid">
        {TRANSPORTS.map((k) => (
          <TransportCard key={k} k={k} totals={totals(k)} tally={tallies?.[k] ?? null} />
        ))}
      </div>

      <div className="lab-charts">
        <section className="lab-panel" aria-label="Bytes per update">
          <h3>Bytes on the wire per update</h3>
          <div className="lab-bars">
            {TRANSPORTS.map((k) => {
              const v = bytesPerUpdate(totals(k));
              return (
                <div className="lab-bar-row" key={k}>
                  <span className="lab-bar-label">{ABOUT[k].name}</span>
                  <span className="lab-bar" style={{ width: `${((v ?? 0) / max) * 100}%`, background: ABOUT[k].color }} />
                  <span className="num">{perUpdate(v)}</span>
                </div>
              );
            })}
          </div>
          <p className="lab-small muted">
            Everything both ways, divided by the updates delivered: empty polls count, and so does opening a stream until enough
            updates have shared its cost (the cards show the figure without it).
          </p>
        </section>
        <section className="lab-panel" aria-label="Latency">
          <h3>Latency per update</h3>
          <TimeChart
            title="Milliseconds from the server having each update to this page receiving it, per transport"
            yLabel="ms"
            x={{ label: 'update seq', format: (v) => `#${v}` }}
            data={tallies ? latencyChart(tallies, TRANSPORTS) : [[], [], [], [], []]}
            series={TRANSPORTS.map((k) => ({ label: ABOUT[k].name, color: ABOUT[k].color, unit: 'ms', points: true }))}
          />
          <p className="lab-small muted">
            Server clock when it had the update → page clock when the message arrived. Both run on this machine and read the same
            system clock, so the figures are real to within about a millisecond; the push transports&apos; sub-millisecond values carry
            that uncertainty.
          </p>
        </section>
      </div>
    </div>
  );
}

function TransportCard({ k, totals, tally }: { k: Transport; totals: TransportTotals; tally: Tally | null }) {
  const about = ABOUT[k];
  const top = busiest(totals);
  const conns = connectionCount(totals);
  const reused = top !== null && top.requests > 1;
  const stream = k === 'sse' || k === 'ws';
  return (
    <section className="lab-panel tx-card" aria-label={about.name} style={{ borderTopColor: about.color }}>
      <h3>{about.name}</h3>
      <div className="tx-big">
        <div>
          <span className="tx-big-value" data-testid={`${k}-bpu`}>
            {perUpdate(bytesPerUpdate(totals))}
          </span>
          <span className="tx-big-label">per update</span>
        </div>
        <div>
          <span className="tx-big-value" data-testid={`${k}-latency`}>
            {ms(tally ? meanLatency(tally) : null)}
          </span>
          <span className="tx-big-label">mean latency</span>
        </div>
      </div>
      <p className="lab-small tx-about">{about.text}</p>
      <dl className="tx-figures">
        <dt>updates</dt>
        <dd data-testid={`${k}-updates`}>{tally ? count(tally.received) : '—'}</dd>
        <dt title={stream ? 'a stream makes one request to open, and one more per reconnect' : undefined}>HTTP requests</dt>
        <dd data-testid={`${k}-requests`}>{count(totals.requests)}</dd>
        <dt title={k === 'long' ? 'long polls that timed out with nothing' : undefined}>empty answers</dt>
        <dd data-testid={`${k}-empty`}>{stream ? 'n/a' : count(totals.empty)}</dd>
        <dt>page → server</dt>
        <dd>{bytes(totals.requestBytes)}</dd>
        <dt>server → page</dt>
        <dd>{bytes(totals.responseBytes)}</dd>
        <dt title="the request and response head (SSE) or the handshake (WebSocket) left out">per update, after setup</dt>
        <dd>{stream ? perUpdate(steadyBytesPerUpdate(totals)) : 'n/a'}</dd>
        <dt>latency, last</dt>
        <dd>{ms(tally?.lastLatency ?? null)}</dd>
        <dt>latency, worst</dt>
        <dd>{ms(tally && tally.received ? tally.latencyMax : null)}</dd>
      </dl>
      <div className="tx-conns">
        <span className="lab-small" data-testid={`${k}-reuse`} data-reused={reused ? 'true' : 'false'}>
          {conns === 0
            ? 'TCP connections: none yet'
            : `${count(conns)} TCP connection${conns === 1 ? '' : 's'} for ${count(totals.requests)} request${totals.requests === 1 ? '' : 's'}${reused ? `: ${top!.conn} carried ${count(top!.requests)}` : ''}`}
        </span>
        <ul className="tx-conn-list" data-testid={`${k}-connections`} aria-label="connections (id:remote port ×requests)">
          {totals.connections.map((c) => (
            <li key={c.conn} className={c.open ? 'open' : undefined} title={`remote port ${c.remotePort}; ${c.requests} request(s)${c.open ? '; open now' : ''}`}>
              {c.conn}:{c.remotePort} ×{c.requests}
            </li>
          ))}
          {totals.moreConnections > 0 && <li>+{totals.moreConnections} more</li>}
        </ul>
      </div>
      <div className="tx-payload">
        <span className="lab-small muted">last message, as received</span>
        <code data-testid={`${k}-payload`}>{tally?.lastPayload ?? '—'}</code>
      </div>
      {tally?.problem && <p className="lab-small tx-problem">{tally.problem}</p>}
    </section>
  );
}
