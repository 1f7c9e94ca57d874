// One connection, from the events the server measured: who it is (socketId, sessionId, userId,
// the TCP 4-tuple), the handshake with the key → accept computation checked step by step, the
// server and client ready-state timelines, the close, ping/pong round trips and the send buffer.
import { useMemo, useEffect, useState } from 'react';
import { Link } from 'react-router';
import { describeCloseCode } from '../../../server/core/wire/index.ts';
import type { EventOf } from '../../../server/core/events/schema.ts';
import { apiCall } from '../http.ts';
import { TimeChart, type ChartSeries } from '../charts/TimeChart.tsx';
import { useStoreSelector } from '../store/hooks.ts';
import { getStore, type ConnView } from '../store/store.ts';
import { formatT, showControls } from '../inspect/model.ts';
import { acceptSteps, headLines, readyStateLabel, statePath, stateTimeline, type TimelineStep } from './model.ts';
import { HeartbeatControl } from './HeartbeatControl.tsx';
import { getDecodedFrames } from '../inspect/decoded.ts';
import { decodedSummary } from '../../../server/core/decoders/index.ts';
import { select } from '../store/selection.ts';
import './connection.css';

export interface ConnectionViewProps {
  conn: string;
  onShowFrames: (conn: string) => void;
  onClose: () => void;
}

/** A key that changes when anything this view shows about the connection changed. */
function connKey(v: ConnView | undefined): string {
  if (!v) return '';
  return [v.open?.seq, v.handshake?.seq, v.states.length, v.rtts.length, v.buffers.length, v.buffers[v.buffers.length - 1]?.seq, v.heartbeats.length, v.meta?.seq, v.close?.seq, v.errors.length, v.frames].join('|');
}

export function ConnectionView({ conn, onShowFrames, onClose }: ConnectionViewProps) {
  const key = useStoreSelector((s) => connKey(s.conns.get(conn)), [conn]);
  const v = getStore().conns.get(conn);
  if (!v) {
    return (
      <section className="conn-view" aria-label={`Connection ${conn}`}>
        <div className="detail-titlebar">
          <h2 className="detail-title">Connection {conn}</h2>
          <button type="button" className="icon-button" onClick={onClose} aria-label="Close the connection view">
            ×
          </button>
        </div>
        <p className="hint">No events for {conn} yet: it may not exist, or it closed long enough ago to be forgotten.</p>
      </section>
    );
  }
  return <ConnectionBody v={v} version={key} onShowFrames={onShowFrames} onClose={onClose} />;
}

function ConnectionBody({ v, version, onShowFrames, onClose }: { v: ConnView; version: string; onShowFrames: (conn: string) => void; onClose: () => void }) {
  const open = v.open;
  const socketId = v.meta?.socketId ?? open?.socketId ?? '—';
  const sessionId = v.meta?.sessionId ?? open?.sessionId ?? null;
  const userId = v.meta?.userId ?? null;
  const name = v.meta?.name ?? null;
  const server = stateTimeline(v.states, 'server');
  const client = stateTimeline(v.states, 'client');
  return (
    <section className="conn-view" aria-label={`Connection ${v.conn}`} data-conn={v.conn}>
      <div className="detail-titlebar">
        <h2 className="detail-title">
          Connection {v.conn}{' '}
          <span className={`conn-state ${v.close ? 'closed' : 'open'}`}>{v.close ? 'closed' : 'open'}</span>
        </h2>
        <button type="button" className="icon-button" onClick={onClose} aria-label="Close the connection view">
          ×
        </button>
      </div>
      <dl className="conn-facts">
        {open?.imported && (
          <div className="conn-imported wide">
            <dt>read from</dt>
            <dd>
              <code>{showControls(open.imported.file)}</code> ({open.imported.format}
              {open.imported.format === 'session' ? `, was ${showControls(open.imported.source)}` : `: ${showControls(open.imported.source)}`})
              {open.imported.synthesised.length > 0 && <span className="muted"> · not in the file, made up: {open.imported.synthesised.map((s) => showControls(s)).join('; ')}</span>}
            </dd>
          </div>
        )}
        {open?.proxy ? (
          <div className="conn-proxy">
            <dt>proxied to</dt>
            <dd>
              <code>{showControls(open.proxy.target)}</code>
              <div className="conn-proxy-mode" data-mode={open.proxy.mode ?? 'relay'}>
                {open.proxy.mode === 'intercept'
                  ? `intercept mode, ${open.proxy.leg === 'upstream' ? 'wslab ↔ upstream' : 'client ↔ wslab'} leg; other leg ${open.proxy.peer ?? '?'}`
                  : 'relay mode: bytes unchanged'}{' '}
                · <Link to="/intercept">Intercept</Link>
              </div>
            </dd>
          </div>
        ) : (
          <div>
            <dt>lab</dt>
            <dd>{open ? <code>{open.path}</code> : '—'}</dd>
          </div>
        )}
        <div>
          <dt>client</dt>
          <dd>{open?.client ?? '—'}</dd>
        </div>
        <div>
          <dt>socketId</dt>
          <dd>
            <code>{socketId}</code>
          </dd>
        </div>
        <div>
          <dt>sessionId</dt>
          <dd>{sessionId ? <code>{showControls(sessionId)}</code> : <span className="muted">none</span>}</dd>
        </div>
        <div>
          <dt>userId</dt>
          <dd>{userId ? <code>{showControls(userId)}</code> : <span className="muted">none</span>}</dd>
        </div>
        {name && (
          <div>
            <dt>workshop name</dt>
            <dd>{showControls(name)}</dd>
          </div>
        )}
        {open && (
          <div className="wide">
            <dt>TCP 4-tuple (client → server)</dt>
            <dd>
              <code>
                {open.remote.address}:{open.remote.port} → {open.local.address}:{open.local.port}
              </code>
            </dd>
          </div>
        )}
        <div>
          <dt>frames</dt>
          <dd>
            {v.frames.toLocaleString('en-US')}{' '}
            <button type="button" className="link-button" onClick={() => onShowFrames(v.conn)}>
              list only these
            </button>
          </dd>
        </div>
        {open && (open.subprotocol || open.extensions) && (
          <div>
            <dt>negotiated</dt>
            <dd>
              {open.subprotocol && (
                <>
                  subprotocol <code>{open.subprotocol}</code>{' '}
                </>
              )}
              {open.extensions && <code>{open.extensions}</code>}
            </dd>
          </div>
        )}
      </dl>

      <Handshake h={v.handshake} />

      <DecodedMessages conn={v.conn} />

      <section className="conn-section" aria-label="Ready-state timelines">
        <h3 className="section-title">readyState, both ends</h3>
        <div className="timelines">
          <Timeline title="server" steps={server} empty="No server-side state events yet." />
          <Timeline
            title="client"
            steps={client}
            empty={
              open?.client === 'external'
                ? 'Not reported: this client is outside wslab, so only the server side was seen.'
                : 'No client-side state events (the playground and puppets report them).'
            }
          />
        </div>
      </section>

      {v.close && <Close c={v.close} />}

      {!v.close && (
        <section className="conn-section" aria-label="Heartbeat">
          <h3 className="section-title">Heartbeat</h3>
          <HeartbeatControl conn={v.conn} />
        </section>
      )}

      <Rtts v={v} version={version} />
      <Buffers v={v} version={version} />

      {v.errors.length > 0 && (
        <section className="conn-section" aria-label="Errors">
          <h3 className="section-title">Errors</h3>
          <ul className="conn-errors">
            {v.errors.map((e) => (
              <li key={e.seq}>
                <span className="num">{formatT(e.t)}</span> {e.source}: {showControls(e.message)}
                {e.violation && (
                  <>
                    {' '}
                    (close {e.violation.closeCode}, byte {e.violation.offset}, RFC 6455 §{e.violation.rfc})
                  </>
                )}
              </li>
            ))}
          </ul>
        </section>
      )}
    </section>
  );
}

function Handshake({ h }: { h: EventOf<'handshake'> | null }) {
  const steps = useMemo(() => (h?.key ? acceptSteps(h.key, h.accept) : null), [h]);
  if (!h) return <p className="hint">The handshake has not been seen (it happened before this page's history starts).</p>;
  return (
    <section className="conn-section handshake" aria-label="Handshake">
      <h3 className="section-title">Handshake</h3>
      {steps ? (
        <div className={`accept-check ${steps.ok ? 'ok' : 'bad'}`} aria-label="Sec-WebSocket-Accept computation">
          <h4>
            Sec-WebSocket-Key → Sec-WebSocket-Accept <span className="muted">(RFC 6455 §4.2.2)</span>
          </h4>
          <ol className="accept-steps">
            <li>
              <span className="step-label">key</span>
              <code className="step-key">{showControls(steps.key)}</code>
            </li>
            <li>
              <span className="step-label">+ GUID</span>
              <code className="step-concat">
                {showControls(steps.key.trim())}
                <mark>{steps.guid}</mark>
              </code>
            </li>
            <li>
              <span className="step-label">SHA-1</span>
              <code className="step-sha1">{steps.sha1Hex}</code>
            </li>
            <li>
              <span className="step-label">base64</span>
              <code className="step-expected">{steps.expected}</code>
            </li>
            <li>
              <span className="step-label">server sent</span>
              <code className="step-received">{steps.received === null ? '(no Sec-WebSocket-Accept)' : showControls(steps.received)}</code>
            </li>
          </ol>
          <p className="accept-verdict" role="status">
            {steps.ok ? '✓ The accept matches: the server really speaks WebSocket and answered this key.' : '✗ The accept does not match: a client must fail this connection.'}
          </p>
        </div>
      ) : (
        <p className="note warn">The request carried no Sec-WebSocket-Key, so there is no accept to check.</p>
      )}
      {h.extensionDeclined && (
        <p className="note" role="note">
          {h.extensionDeclined}
        </p>
      )}
      <div className="handshake-pair">
        <HeadBlock title={`Request: ${h.request.method} ${h.request.target}`} raw={h.request.raw} headers={h.request.headers} highlight="sec-websocket-key" />
        <HeadBlock title={`Response: ${h.response.status} ${h.response.statusText}`} raw={h.response.raw} headers={h.response.headers} highlight="sec-websocket-accept" />
      </div>
    </section>
  );
}

function HeadBlock({ title, raw, headers, highlight }: { title: string; raw: string; headers: [string, string][]; highlight: string }) {
  return (
    <div className="head-block">
      <h4>{showControls(title)}</h4>
      <details>
        <summary>raw, as it crossed the wire</summary>
        <pre className="head-raw">
          {headLines(raw).map((line, i) => (
            <span key={i}>
              {showControls(line)}
              <span className="crlf">␍␊</span>
              {'\n'}
            </span>
          ))}
        </pre>
      </details>
      <table className="head-table">
        <tbody>
          {headers.map(([name, value], i) => (
            <tr key={i} className={name.toLowerCase() === highlight ? 'hl' : undefined}>
              <th scope="row">{showControls(name)}</th>
              <td>{showControls(value)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Timeline({ title, steps, empty }: { title: string; steps: TimelineStep[]; empty: string }) {
  return (
    <div className={`timeline timeline-${title}`} aria-label={`${title} readyState timeline`}>
      <h4>
        {title} {steps.length > 0 && <span className="state-path">{statePath(steps)}</span>}
      </h4>
      {steps.length === 0 ? (
        <p className="note">{empty}</p>
      ) : (
        <ol>
          {steps.map((s) => (
            <li key={s.seq} className={`to-${s.to}`}>
              <span className="ts num">{formatT(s.t)}</span>
              <span className="transition">
                {readyStateLabel(s.from)} → <strong>{readyStateLabel(s.to)}</strong>
              </span>
              <span className="cause">{showControls(s.cause)}</span>
              {s.dt !== null && <span className="dt num">+{s.dt.toFixed(1)} ms</span>}
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}

function Close({ c }: { c: EventOf<'close'> }) {
  const info = c.code !== null ? describeCloseCode(c.code) : null;
  return (
    <section className="conn-section close-summary" aria-label="Close">
      <h3 className="section-title">Close</h3>
      <p>
        {c.code !== null ? (
          <>
            <strong className="close-code">{c.code}</strong> {info?.name}
          </>
        ) : (
          'no status code'
        )}
        {c.reason && (
          <>
            {' '}
            · reason <q>{showControls(c.reason)}</q>
          </>
        )}{' '}
        · {c.initiator === 'none' ? 'no close frame: the TCP connection just ended' : `the ${c.initiator} closed first`} ·{' '}
        {c.clean ? 'clean (close frames both ways)' : 'not clean'} · lasted {(c.durationMs / 1000).toFixed(3)} s · {c.bytesIn.toLocaleString('en-US')} bytes
        in, {c.bytesOut.toLocaleString('en-US')} out
      </p>
      {info && <p className="note">{info.meaning}</p>}
    </section>
  );
}

const RTT_SERIES: ChartSeries[] = [{ label: 'RTT', color: 'var(--accent)', points: true, unit: 'ms' }];

/** The heartbeat this connection runs under: its own heartbeat events, else the server's setting. */
function heartbeatSentence(v: ConnView, server: { intervalMs: number; maxMisses: number } | null): string {
  const own = v.heartbeats[v.heartbeats.length - 1];
  const intervalMs = own ? own.intervalMs : server?.intervalMs;
  if (intervalMs === undefined) return "the server's heartbeat pings at the interval it was started with (--heartbeat, default 30 s)";
  if (intervalMs === 0) return "the server's heartbeat is off for this connection";
  const every = intervalMs % 1000 === 0 ? `${intervalMs / 1000} s` : `${intervalMs.toLocaleString('en-US')} ms`;
  return `the server's heartbeat pings this connection every ${every}`;
}

let heartbeatConfig: Promise<{ intervalMs: number; maxMisses: number } | null> | null = null;

/** GET /__wslab/heartbeat, once per page. */
function useServerHeartbeat(): { intervalMs: number; maxMisses: number } | null {
  const [hb, setHb] = useState<{ intervalMs: number; maxMisses: number } | null>(null);
  useEffect(() => {
    let live = true;
    heartbeatConfig ??= apiCall<{ intervalMs: number; maxMisses: number }>('GET', '/__wslab/heartbeat').then((r) => (r.ok ? r.value : null));
    void heartbeatConfig.then((value) => {
      if (live) setHb(value);
    });
    return () => {
      live = false;
    };
  }, []);
  return hb;
}

function Rtts({ v, version }: { v: ConnView; version: string }) {
  const serverHeartbeat = useServerHeartbeat();
  // v.rtts grows in place; `version` says when to copy it for the chart
  const data = useMemo(() => [v.rtts.map((r) => r.t), v.rtts.map((r) => r.rtt)] as [number[], number[]], [v, version]);
  const last = v.rtts.slice(-8).reverse();
  return (
    <section className="conn-section" aria-label="Ping and pong round trips">
      <h3 className="section-title">Ping → pong round trips</h3>
      {v.rtts.length === 0 ? (
        <p className="note" data-testid="rtt-empty">No pong with a round trip yet ({heartbeatSentence(v, serverHeartbeat)}; a client ping counts too).</p>
      ) : (
        <>
          <ul className="rtt-list">
            {last.map((r, i) => (
              <li key={`${r.t}-${i}`}>
                <span className="num">{formatT(r.t)}</span> {r.dir === 's2c' ? 'client ping → server pong' : 'server ping → client pong'}{' '}
                <strong className="num">{r.rtt.toFixed(2)} ms</strong>
              </li>
            ))}
          </ul>
          <TimeChart data={data} series={RTT_SERIES} title={`Ping/pong round trips of ${v.conn}, ms`} yLabel="RTT (ms)" height={140} />
        </>
      )}
    </section>
  );
}

const BUFFER_SERIES: ChartSeries[] = [
  { label: 'bufferedAmount', color: 'var(--accent)', unit: 'B' },
  { label: 'writableLength', color: 'var(--focus)', unit: 'B' },
];

function Buffers({ v, version }: { v: ConnView; version: string }) {
  const data = useMemo(
    () => [v.buffers.map((b) => b.t), v.buffers.map((b) => b.bufferedAmount), v.buffers.map((b) => b.writableLength)] as [number[], number[], number[]],
    [v, version],
  );
  const last = v.buffers[v.buffers.length - 1];
  return (
    <section className="conn-section" aria-label="Send buffer">
      <h3 className="section-title">Send buffer</h3>
      {v.buffers.length === 0 ? (
        <p className="note">The send buffer has stayed empty (samples arrive when it changes, at most every 50 ms).</p>
      ) : (
        <>
          <p className="note">
            now: bufferedAmount <strong className="num">{last.bufferedAmount.toLocaleString('en-US')} B</strong>, writableLength{' '}
            <strong className="num">{last.writableLength.toLocaleString('en-US')} B</strong> ({v.buffers.length} samples)
          </p>
          <TimeChart data={data} series={BUFFER_SERIES} title={`Send buffer of ${v.conn} over time, bytes`} yLabel="bytes" height={160} />
        </>
      )}
    </section>
  );
}

/** The connection's newest messages decoded as its subprotocol (when one was recognised). */
function DecodedMessages({ conn }: { conn: string }) {
  const decoded = getDecodedFrames(getStore());
  const protocol = decoded.protocolOf(conn);
  if (!protocol) return null;
  const recent = decoded.recentOf(conn).slice(-8);
  return (
    <section className="conn-section conn-decoded" aria-label="Decoded messages">
      <h3 className="section-title">Decoded as {protocol}</h3>
      {recent.length === 0 ? (
        <p className="hint">No message decoded yet.</p>
      ) : (
        <ol className="decoded-recent">
          {recent.map((f) => {
            const d = decoded.get(f);
            return (
              <li key={f.seq} data-seq={f.seq}>
                <button type="button" className="link-button" onClick={() => select({ seq: f.seq, conn })}>
                  #{f.seq}
                </button>{' '}
                <span className={`dir ${f.dir}`}>{f.dir === 'c2s' ? 'c→s' : 's→c'}</span> <code>{d ? showControls(decodedSummary(d)) : ''}</code>
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
