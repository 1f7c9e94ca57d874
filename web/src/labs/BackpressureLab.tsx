// Backpressure: a producer faster than its consumer, the buffers in between, and what the server
// can do about it. Every figure shown is the one the server measured (flow events).
import { useState } from 'react';
import { TimeChart } from '../charts/TimeChart.tsx';
import { changeFlow, setLink, startFlow, stopFlow, type FlowConfig, type Strategy } from './api.ts';
import { useLabStream, type LinkView, type Series } from './stream.ts';
import { bytes, count } from './format.ts';
import { Figure } from './Figure.tsx';
import { LinkPanel } from './LinkPanel.tsx';
import { DEFAULT_FLOW } from '../../../server/core/labs/flow.ts';

const STRATEGIES: { id: Strategy; label: string; explain: string }[] = [
  { id: 'none', label: 'None', explain: 'send everything; the buffers grow' },
  { id: 'drop-newest', label: 'Drop newest', explain: 'bounded queue; when full, new messages are dropped' },
  { id: 'drop-oldest', label: 'Drop oldest', explain: 'bounded queue; when full, the oldest queued message goes' },
  { id: 'coalesce', label: 'Coalesce', explain: 'latest value wins per key; sent as one batch when there is room' },
  { id: 'pause', label: 'Pause producer', explain: 'stop producing above the high-water mark, resume below the low-water mark' },
];

type ConsumerMode = 'paused' | 'throttled' | 'open';

export function BackpressureLab() {
  const stream = useLabStream();
  const [config, setConfig] = useState<FlowConfig>(DEFAULT_FLOW);
  const [mode, setMode] = useState<ConsumerMode>('paused');
  const [throttle, setThrottle] = useState(100_000);
  const [conn, setConn] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  const live = conn ? stream.flow.get(conn) : undefined;
  const last = live?.last;
  const linkView = conn ? stream.linkOf.get(conn) : undefined;
  const rates = flowRates(live?.series, live?.last.size ?? 0, linkView);
  const kernelPhase = stalledSeconds(live?.series, rates.consumer, linkView?.t ?? 0);

  const linkFor = (m: ConsumerMode) => (m === 'paused' ? { pauseServer: true, s2cBytesPerSec: 0 } : m === 'throttled' ? { pauseServer: false, s2cBytesPerSec: throttle } : { pauseServer: false, s2cBytesPerSec: 0 });

  async function start() {
    const r = await startFlow(config, linkFor(mode));
    if (r.ok) setConn(r.value.conn);
    setProblem(r.ok ? null : r.error);
  }
  async function stop() {
    if (conn) await stopFlow(conn);
    setConn(null);
  }
  async function pick(strategy: Strategy) {
    setConfig({ ...config, strategy });
    if (conn) {
      const r = await changeFlow(conn, { strategy });
      setProblem(r.ok ? null : r.error);
    }
  }
  async function consumer(m: ConsumerMode) {
    setMode(m);
    if (conn) {
      const r = await setLink({ conn }, linkFor(m));
      setProblem(r.ok ? null : r.error);
    }
  }

  const numField = (key: keyof FlowConfig, label: string, step: number) => (
    <label className="lab-field">
      <span>{label}</span>
      <input
        type="number"
        step={step}
        value={config[key] as number}
        disabled={conn !== null}
        onChange={(e) => setConfig({ ...config, [key]: Math.round(Number(e.target.value) || 0) })}
      />
    </label>
  );

  const s = live?.series;
  return (
    <div className="lab">
      <p className="lab-text">
        The ticker produces messages faster than its consumer reads them. Bytes pile up in order: the consumer&apos;s kernel receive buffer,
        the server&apos;s kernel send buffer, then the server process itself — the socket&apos;s <code>writableLength</code> and ws&apos;s{' '}
        <code>bufferedAmount</code>. Nothing fails; memory just grows until the process dies. This lab stops at a <strong>safety cap of{' '}
        {bytes(config.capBytes)}</strong> of <code>bufferedAmount</code>: strategy “none” halts the producer there and says so, where a real
        server would have kept growing until it ran out of memory (and taken every other client with it).
      </p>

      <div className="lab-grid">
        <section className="lab-panel" aria-label="Producer">
          <h3>Producer (the ticker)</h3>
          <div className="lab-fields">
            {numField('rate', 'Messages / s', 500)}
            {numField('size', 'Bytes each', 64)}
            {numField('capBytes', 'Safety cap (B)', 65536)}
            {numField('highWater', 'High-water (B)', 16384)}
            {numField('lowWater', 'Low-water (B)', 16384)}
            {numField('queueMax', 'Queue (messages)', 50)}
          </div>
          <div className="lab-actions">
            {conn === null ? (
              <button type="button" className="lab-btn lab-primary" onClick={() => void start()}>
                Start producer and consumer
              </button>
            ) : (
              <button type="button" className="lab-btn lab-danger" onClick={() => void stop()}>
                Stop ({conn})
              </button>
            )}
          </div>
        </section>

        <section className="lab-panel" aria-label="Consumer">
          <h3>Consumer behind the link</h3>
          <div className="lab-radios" role="radiogroup" aria-label="Consumer link">
            {(
              [
                ['paused', 'Paused: the link stops reading'],
                ['throttled', 'Throttled'],
                ['open', 'Reading at full speed'],
              ] as [ConsumerMode, string][]
            ).map(([m, label]) => (
              <label key={m} className="lab-check">
                <input type="radio" name="consumer" checked={mode === m} onChange={() => void consumer(m)} /> {label}
              </label>
            ))}
            <label className="lab-field lab-inline">
              <span>B/s</span>
              <input type="number" step={10000} min={100} value={throttle} onChange={(e) => setThrottle(Math.max(100, Math.round(Number(e.target.value) || 100)))} />
            </label>
          </div>
          <p className="lab-small muted">The consumer is a simulated client on the server, connected through the chaos link.</p>
        </section>
      </div>

      <section className="lab-panel" aria-label="Strategy">
        <h3>Strategy (switch live)</h3>
        <div className="lab-strategies" role="radiogroup" aria-label="Backpressure strategy">
          {STRATEGIES.map((st) => (
            <label key={st.id} className={`lab-strategy${config.strategy === st.id ? ' on' : ''}`}>
              <input type="radio" name="strategy" checked={config.strategy === st.id} onChange={() => void pick(st.id)} />
              <span className="lab-strategy-name">{st.label}</span>
              <span className="lab-small muted">{st.explain}</span>
            </label>
          ))}
        </div>
      </section>

      {problem && (
        <p className="lab-problem" role="alert">
          {problem}
        </p>
      )}

      <div className="lab-figures" aria-live="polite">
        <Figure label="produced" value={last ? count(last.produced) : '—'} testId="produced" />
        <Figure label="delivered to the kernel" value={last ? count(last.delivered) : '—'} testId="delivered" tone="ok" />
        <Figure label="dropped" value={last ? count(last.dropped) : '—'} testId="dropped" tone={last && last.dropped > 0 ? 'danger' : undefined} />
        <Figure label="queued" value={last ? count(last.queued) : '—'} testId="queued" />
        <Figure label="bufferedAmount" value={last ? bytes(last.bufferedAmount) : '—'} testId="buffered" tone="accent" />
        <Figure label={`application queue${last ? ` (${count(last.queueLength)} messages)` : ''}`} value={last ? bytes(last.queueBytes) : '—'} testId="queue" />
      </div>
      {last && (
        <p className="lab-small" data-testid="books">
          produced {count(last.produced)} = delivered {count(last.delivered)} + dropped {count(last.dropped)} + queued {count(last.queued)}
          {last.producerPaused && <strong className="lab-tag">producer paused (above high-water)</strong>}
          {last.stopped && <strong className="lab-tag lab-danger-text">stopped: {last.stopped}</strong>}
        </p>
      )}

      {kernelPhase && (
        <p className="lab-kernel-note" role="status" data-testid="kernel-phase">
          The consumer is reading ({count(Math.round(rates.consumer ?? 0))} B/s through the link), yet “delivered” has not moved for {kernelPhase} s: the
          bytes it reads now were handed to the kernel long ago. Between this server and the throttled link sit the socket buffers of both
          kernels (often several MB on loopback); the server&apos;s writes went there while the link was slow, and they drain at the link&apos;s
          rate before anything newer can. A throttled consumer looks paused until they are empty.
        </p>
      )}

      <div className="lab-charts">
        <section className="lab-panel">
          <h3>Buffers on the server</h3>
          <TimeChart
            title="bufferedAmount, socket writableLength and the application queue over time"
            yLabel="bytes"
            data={s ? s.data([0, 1, 2]) : [[], [], [], []]}
            series={[
              { label: 'bufferedAmount', color: 'var(--accent)', unit: 'B' },
              { label: 'writableLength', color: 'var(--warn)', unit: 'B' },
              { label: 'app queue', color: 'var(--danger)', unit: 'B' },
            ]}
          />
        </section>
        <section className="lab-panel">
          <h3>Messages</h3>
          <TimeChart
            title="Messages produced, delivered and dropped over time"
            yLabel="messages"
            data={s ? s.data([3, 4, 5]) : [[], [], [], []]}
            series={[
              { label: 'produced', color: 'var(--accent)' },
              { label: 'delivered', color: 'var(--ok)' },
              { label: 'dropped', color: 'var(--danger)' },
            ]}
          />
        </section>
        <section className="lab-panel">
          <h3>Process memory</h3>
          <TimeChart
            title="Server process memory over time"
            yLabel="MiB"
            data={s ? s.data([6, 7]) : [[], [], []]}
            series={[
              { label: 'RSS', color: 'var(--warn)', unit: 'MiB' },
              { label: 'JS heap used', color: 'var(--accent)', unit: 'MiB' },
            ]}
          />
        </section>
        <section className="lab-panel">
          <h3>Through the link</h3>
          <TimeChart
            title="Bytes a second: handed to the kernel by the server, forwarded by the link to the consumer, and the link's limit"
            yLabel="B/s"
            data={rates.data}
            series={[
              { label: 'server → kernel', color: 'var(--accent)', unit: 'B/s' },
              { label: 'link → consumer', color: 'var(--ok)', unit: 'B/s' },
              { label: 'link limit', color: 'var(--muted)', unit: 'B/s' },
            ]}
          />
          <p className="lab-small" data-testid="link-rates">
            link limit {linkView?.conditions ? (linkView.conditions.pauseServer ? 'paused (reads nothing)' : linkView.conditions.s2cBytesPerSec ? `${count(linkView.conditions.s2cBytesPerSec)} B/s` : 'none') : '—'} · consumer
            receives {rates.consumer === null ? '—' : `${count(Math.round(rates.consumer))} B/s`}
          </p>
        </section>
        {conn && <LinkPanel selector={{ conn }} title={`Chaos link in front of ${conn}`} live={linkView?.conditions ?? null} />}
      </div>

      <section className="lab-panel">
        <h3>And in the browser?</h3>
        <p className="lab-text">
          Sending: the browser&apos;s <code>WebSocket.bufferedAmount</code> tells you how many bytes <code>send()</code> has queued and not yet
          handed to the network — poll it and hold back above a high-water mark; there is no drain event. Receiving: the browser API has{' '}
          <strong>no backpressure at all</strong>. Every message is delivered to <code>onmessage</code> as fast as it arrives; a slow page
          can only buffer in its own memory or close the socket. (<code>WebSocketStream</code>, with streams backpressure, is not in every
          browser.) So the server must decide what a slow client gets: that is what the strategies above are.
        </p>
      </section>
    </div>
  );
}

/** Bytes a second the server handed to the kernel (from `delivered`), and what the link forwarded. */
function flowRates(flow: Series | undefined, size: number, link: LinkView | undefined): { data: [number[], ...number[][]]; consumer: number | null } {
  const t: number[] = [];
  const kernel: number[] = [];
  if (flow) {
    for (let i = 1; i < flow.t.length; i++) {
      const dt = (flow.t[i] - flow.t[i - 1]) / 1000;
      if (dt <= 0) continue;
      t.push(flow.t[i]);
      kernel.push(((flow.cols[4][i] - flow.cols[4][i - 1]) * size) / dt);
    }
  }
  // the link's points, placed on the flow's clock (both are the server's event clock, t in ms)
  const forwardedAt = (x: number): number | null => {
    if (!link || !link.series.length) return null;
    let best: number | null = null;
    for (let i = 0; i < link.series.t.length; i++) if (link.series.t[i] <= x) best = link.series.cols[0][i];
    return best;
  };
  const limit = link?.conditions ? (link.conditions.pauseServer ? 0 : link.conditions.s2cBytesPerSec || null) : null;
  const forwarded = t.map((x) => forwardedAt(x) ?? 0);
  const consumer = link && link.series.length ? link.series.cols[0][link.series.length - 1] : null;
  return { data: [t, kernel, forwarded, t.map(() => limit ?? Number.NaN)], consumer };
}

/** Seconds `delivered` has stayed flat while the consumer reads (null when that is not happening). */
function stalledSeconds(flow: Series | undefined, consumer: number | null, now: number): number | null {
  if (!flow || flow.length < 2 || consumer === null || consumer <= 0) return null;
  const delivered = flow.cols[4];
  const lastValue = delivered[delivered.length - 1];
  let i = delivered.length - 1;
  while (i > 0 && delivered[i - 1] === lastValue) i--;
  // a stopped producer sends no more flow events; the link's stats still say what time it is
  const seconds = (Math.max(now, flow.t[flow.length - 1]) - flow.t[i]) / 1000;
  return seconds >= 2 ? Math.round(seconds) : null;
}
