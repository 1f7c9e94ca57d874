// Same payload as JSON, binary and compressed JSON: the page sends one value three ways over real
// WebSockets to /lab/echo and shows what the server's tap measured for each, frame headers
// included, with the binary layout both ends must share and the echo decoded back.
import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { getStore } from '../store/store.ts';
import { DataTypesRun, PATHS, type VariantRun } from './data-types/run.ts';
import { compressionRatio, contextMemory, VARIANTS, type Variant, type VariantFigures, type WireMessage } from './data-types/model.ts';
import { BLOB_BYTES, makePayload, TICK_COUNTS, type Payload, type ShapeId } from './data-types/payloads.ts';
import type { Tick } from './data-types/layout.ts';
import { bytes, count } from './format.ts';
import './data-types.css';

const ABOUT: Record<Variant, { name: string; short: string; color: string; text: string }> = {
  json: {
    name: 'JSON text',
    short: 'JSON',
    color: 'var(--accent)',
    text: 'JSON.stringify, then send(string): a text frame. Field names travel in every message; numbers travel as decimal digits.',
  },
  binary: {
    name: 'Binary (DataView)',
    short: 'Binary',
    color: 'var(--ok)',
    text: 'The fixed layout below, written with DataView, then send(bytes): a binary frame. Only values travel; the field names live in both ends’ code.',
  },
  deflate: {
    name: 'JSON, compressed',
    short: 'Compressed',
    color: 'var(--warn)',
    text: 'The same JSON on /lab/echo?deflate=takeover, where the server accepts permessage-deflate with context takeover. The browser compresses by itself and sets RSV1.',
  },
};

const SHAPE_LABEL: Record<ShapeId, string> = {
  ticks: 'Price ticks',
  typing: '“Typing” message',
  uuid: 'UUID',
  blob: `${BLOB_BYTES} random bytes`,
};

const B = (n: number) => `${count(n)} B`;

function useRun(run: DataTypesRun | null): void {
  useSyncExternalStore(run?.subscribe ?? noSubscribe, run?.getVersion ?? zero);
}
const noSubscribe = () => () => {};
const zero = () => 0;

export function DataTypesLab() {
  const [shape, setShape] = useState<ShapeId>('ticks');
  const [n, setN] = useState<number>(50);
  const [run, setRun] = useState<DataTypesRun | null>(null);
  const current = useRef<DataTypesRun | null>(null);
  useRun(run);
  const payload = useMemo(() => makePayload(shape, n), [shape, n]);

  useEffect(() => {
    getStore(); // follow the event stream from now, so the run's events are already flowing
    return () => current.current?.stop();
  }, []);

  async function send() {
    current.current?.stop();
    const next = new DataTypesRun(payload);
    current.current = next;
    setRun(next);
    await next.start();
  }

  const running = run?.state === 'running';
  const shown = run?.payload ?? payload;

  return (
    <div className="lab dt-lab">
      <p className="lab-text">
        Three sockets from this page to <code>/lab/echo</code>, which sends every message back. The byte counts are the server&apos;s tap
        reading the TCP stream: frame headers and the browser&apos;s 4-byte masks included, and compressed bytes as they crossed.
      </p>

      <section className="lab-panel dt-controls" aria-label="Payload">
        <div className="lab-radios" role="radiogroup" aria-label="Payload shape">
          {(Object.keys(SHAPE_LABEL) as ShapeId[]).map((s) => (
            <label key={s} className="lab-check">
              <input type="radio" name="dt-shape" checked={shape === s} disabled={running} onChange={() => setShape(s)} /> {SHAPE_LABEL[s]}
            </label>
          ))}
          <label className="lab-field lab-inline">
            <span>How many ticks&nbsp;</span>
            <select value={n} disabled={running || shape !== 'ticks'} onChange={(e) => setN(Number(e.target.value))}>
              {TICK_COUNTS.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </label>
          <button type="button" className="lab-btn lab-primary" disabled={running} onClick={() => void send()}>
            Send it three ways
          </button>
        </div>
        <p className="lab-small muted dt-status" data-testid="dt-status" data-state={run?.state ?? 'idle'}>
          {run === null
            ? `Ready: ${payload.label}, ${B(payload.jsonBytes)} as JSON, ${B(payload.binary.length)} in the binary layout.`
            : run.state === 'running'
              ? `Sending ${run.payload.label} three ways…`
              : run.state === 'done'
                ? `Sent ${run.payload.label} three ways; the figures below are the tap's.`
                : 'The run did not complete: see the cards.'}
        </p>
      </section>

      <div className="dt-grid">
        {VARIANTS.map((v) => (
          <VariantCard key={v} v={v} r={run?.variants[v] ?? null} payload={shown} />
        ))}
      </div>

      <WireBars run={run} />

      <div className="lab-grid">
        <LayoutPanel payload={shown} r={run?.variants.binary ?? null} />
        <TextPanel payload={shown} run={run} />
      </div>

      <MemoryPanel f={run?.variants.deflate.figures ?? null} />
    </div>
  );
}

function rsv1(m: WireMessage | null | undefined): string {
  return m ? (m.rsv1 ? '1 (compressed)' : '0') : '—';
}

function wireLine(m: WireMessage | null | undefined): string {
  if (!m) return '—';
  return `${B(m.headerBytes)} + ${B(m.payloadBytes)}${m.frames > 1 ? ` in ${m.frames} frames` : ''}`;
}

function ratioText(m: WireMessage | null | undefined): string {
  if (!m) return '—';
  if (!m.rsv1) return 'not compressed';
  const r = compressionRatio(m);
  return r >= 1 ? `${r.toFixed(1)}× smaller` : `${(1 / r).toFixed(2)}× bigger`;
}

function VariantCard({ v, r, payload }: { v: Variant; r: VariantRun | null; payload: Payload }) {
  const about = ABOUT[v];
  const f = r?.figures ?? null;
  const sent = v === 'binary' ? payload.binary.length : payload.jsonBytes;
  return (
    <section className="lab-panel dt-card" aria-label={about.name} style={{ borderTopColor: about.color }} data-conn={r?.conn ?? ''}>
      <h3>{about.name}</h3>
      <div className="tx-big">
        <div>
          <span className="tx-big-value" data-testid={`dt-${v}-c2s-wire`}>
            {f?.c2s ? B(f.c2s.wireBytes) : '—'}
          </span>
          <span className="tx-big-label">page → server</span>
        </div>
        <div>
          <span className="tx-big-value" data-testid={`dt-${v}-s2c-wire`}>
            {f?.s2c ? B(f.s2c.wireBytes) : '—'}
          </span>
          <span className="tx-big-label">echo, server → page</span>
        </div>
      </div>
      <p className="lab-small tx-about">{about.text}</p>
      <dl className="tx-figures">
        <dt title="what the application handed to send()">app payload</dt>
        <dd data-testid={`dt-${v}-app`}>{B(r?.sentBytes ?? sent)}</dd>
        <dt title="frame header (2 bytes, more for long lengths, plus the 4-byte masking key) + payload as sent">→ header + payload</dt>
        <dd data-testid={`dt-${v}-c2s-parts`}>{wireLine(f?.c2s)}</dd>
        <dt>→ masked, RSV1</dt>
        <dd data-testid={`dt-${v}-c2s-rsv1`}>{f?.c2s ? `${f.c2s.masked ? 'yes' : 'NO'}, ${rsv1(f.c2s)}` : '—'}</dd>
        <dt>→ DEFLATE</dt>
        <dd data-testid={`dt-${v}-ratio`}>{ratioText(f?.c2s)}</dd>
        <dt title="the echo: no mask from a server">← header + payload</dt>
        <dd>{wireLine(f?.s2c)}</dd>
        <dt>← RSV1</dt>
        <dd data-testid={`dt-${v}-s2c-rsv1`}>{rsv1(f?.s2c)}</dd>
        <dt title="Sec-WebSocket-Extensions in the server's 101">extensions (101)</dt>
        <dd className="dt-ext" title={f?.accepted ?? ''}>
          {f ? (f.accepted ?? 'none') : '—'}
        </dd>
        <dt>connection</dt>
        <dd data-testid={`dt-${v}-conn`} title={PATHS[v]}>
          {r?.conn ?? '—'}
        </dd>
      </dl>
      {v === 'deflate' && f?.c2s?.rsv1 && compressionRatio(f.c2s) < 1 && (
        <p className="lab-small dt-note">Too short to repeat itself: DEFLATE&apos;s own bookkeeping made this message bigger.</p>
      )}
      {r?.problem && <p className="lab-small tx-problem">{r.problem}</p>}
    </section>
  );
}

/** Horizontal bars, frame headers and payloads stacked, every value the tap's. */
function WireBars({ run }: { run: DataTypesRun | null }) {
  const rows = VARIANTS.flatMap((v) => {
    const f = run?.variants[v].figures;
    return [
      { v, label: '→ server', m: f?.c2s ?? null },
      { v, label: '← echo', m: f?.s2c ?? null },
    ];
  });
  const max = Math.max(1, ...rows.map((r) => r.m?.wireBytes ?? 0));
  const jsonWire = run?.variants.json.figures?.c2s?.wireBytes ?? null;
  return (
    <section className="lab-panel" aria-label="Bytes on the wire">
      <h3>Bytes on the wire</h3>
      <div className="dt-bars">
        {rows.map(({ v, label, m }) => (
          <div className="dt-bar-row" key={`${v}-${label}`}>
            <span className="lab-bar-label">
              {ABOUT[v].short} <span className="muted">{label}</span>
            </span>
            <span className="dt-bar-track">
              {m && (
                <>
                  <span className="dt-seg dt-seg-header" style={{ width: `${(m.headerBytes / max) * 100}%` }} title={`header ${m.headerBytes} B`} />
                  <span className="dt-seg" style={{ width: `${(m.payloadBytes / max) * 100}%`, background: ABOUT[v].color }} title={`payload ${m.payloadBytes} B`} />
                </>
              )}
            </span>
            <span className="num">{m ? B(m.wireBytes) : '—'}</span>
            <span className="num muted">{m && jsonWire && label === '→ server' ? `${Math.round((m.wireBytes / jsonWire) * 100)} % of JSON` : ''}</span>
          </div>
        ))}
      </div>
      <p className="lab-small muted">
        <span className="dt-key dt-seg-header" /> frame header (with the masking key on the page&apos;s frames) and <span className="dt-key" style={{ background: 'var(--accent)' }} />
        <span className="dt-key" style={{ background: 'var(--ok)' }} />
        <span className="dt-key" style={{ background: 'var(--warn)' }} /> payload as sent. TCP and IP headers come on top and are not counted.
      </p>
    </section>
  );
}

function LayoutPanel({ payload, r }: { payload: Payload; r: VariantRun | null }) {
  const rt = r?.roundTrip ?? null;
  const total = payload.binary.length;
  return (
    <section className="lab-panel" aria-label="Binary layout">
      <h3>The binary layout: the schema both ends must share</h3>
      <table className="lab-table dt-layout">
        <thead>
          <tr>
            <th>offset</th>
            <th>bytes</th>
            <th>field</th>
            <th>type</th>
            <th>note</th>
          </tr>
        </thead>
        <tbody>
          {payload.layout.map((f) => (
            <tr key={f.name}>
              <td className="num">{f.offset}</td>
              <td className="num">{f.bytes}</td>
              <td>
                <code>{f.name}</code>
              </td>
              <td>{f.type}</td>
              <td className="muted">{f.note}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="lab-small" data-testid="dt-binary-size">
        {payload.recordBytes
          ? `${count(payload.count)} × ${payload.recordBytes} B = ${B(total)}, no header: the receiver learns the count from the message length.`
          : `${B(total)} in all.`}
      </p>
      <h3 className="dt-second">The echo, decoded with the same layout</h3>
      {rt === null ? (
        <p className="lab-small muted">Send to see the binary echo read back.</p>
      ) : (
        <>
          <p className={`lab-small ${rt.equal ? 'dt-ok' : 'tx-problem'}`} data-testid="dt-roundtrip" data-equal={rt.equal ? 'true' : 'false'}>
            {rt.error ?? (rt.equal ? `Round trip: every value equals what was sent (${describe(payload)}).` : 'Round trip: the decoded values differ from what was sent.')}
          </p>
          <DecodedPreview payload={payload} value={rt.value} />
        </>
      )}
    </section>
  );
}

function describe(p: Payload): string {
  if (p.shape === 'ticks') return `${count(p.count)} tick${p.count === 1 ? '' : 's'}, 4 fields each`;
  if (p.shape === 'blob') return `${count(p.binary.length)} bytes`;
  return p.shape === 'uuid' ? 'the UUID' : 'kind, user and room';
}

function DecodedPreview({ payload, value }: { payload: Payload; value: unknown }) {
  if (payload.shape === 'ticks' && Array.isArray(value)) {
    const ticks = value as Tick[];
    return (
      <table className="lab-table dt-ticks" aria-label="Decoded ticks">
        <thead>
          <tr>
            <th>#</th>
            <th>symbol</th>
            <th>price</th>
            <th>volume</th>
            <th>t</th>
          </tr>
        </thead>
        <tbody>
          {ticks.slice(0, 3).map((t, i) => (
            <tr key={i}>
              <td className="num">{i}</td>
              <td>{t.symbol}</td>
              <td className="num">{t.price}</td>
              <td className="num">{t.volume}</td>
              <td className="num">{t.t}</td>
            </tr>
          ))}
          {ticks.length > 3 && (
            <tr>
              <td colSpan={5} className="muted">
                … and {count(ticks.length - 3)} more
              </td>
            </tr>
          )}
        </tbody>
      </table>
    );
  }
  if (value instanceof Uint8Array) return <code className="dt-text">{hexLines(Array.from(value.subarray(0, 32), (b) => b.toString(16).padStart(2, '0')).join(''), 16)} …</code>;
  return <code className="dt-text">{JSON.stringify(value)}</code>;
}

/** Hex as lines of `per` bytes (a tick per line for ticks). */
function hexLines(hex: string, per: number): string {
  const pairs = hex.match(/../g) ?? [];
  const lines: string[] = [];
  for (let i = 0; i < pairs.length; i += per) lines.push(pairs.slice(i, i + per).join(' '));
  return lines.join('\n');
}

const TEXT_SHOWN = 480;

function TextPanel({ payload, run }: { payload: Payload; run: DataTypesRun | null }) {
  const c2s = run?.variants.deflate.figures?.c2s ?? null;
  const bin = run?.variants.binary.figures?.c2s ?? null;
  return (
    <section className="lab-panel dt-texts" aria-label="As text">
      <h3>The JSON text the page sent</h3>
      <code className="dt-text" data-testid="dt-json-text">
        {payload.json.length > TEXT_SHOWN ? `${payload.json.slice(0, TEXT_SHOWN)} …` : payload.json}
      </code>
      <span className="lab-small muted">{B(payload.jsonBytes)} of UTF-8{payload.json.length > TEXT_SHOWN ? `, the first ${TEXT_SHOWN} characters shown` : ''}</span>
      <h3>What the tap inflated from the compressed frame</h3>
      <code className="dt-text" data-testid="dt-inflated">
        {c2s ? (c2s.inflated === null ? '(no inflated text: the frame was not compressed)' : `${c2s.inflated}${new TextEncoder().encode(c2s.inflated).length < c2s.appBytes ? ' …' : ''}`) : '—'}
      </code>
      <span className="lab-small muted">
        {c2s?.rsv1 ? `${B(c2s.payloadBytes)} on the wire became ${B(c2s.appBytes)} again${c2s.appBytes > 256 ? "; the tap's event carries the first 256 bytes" : ''}.` : 'The server inflates RSV1 frames with the negotiated parameters; so does the tap, to show you.'}
      </span>
      <h3>The binary payload as the tap saw it (after unmasking)</h3>
      <code className="dt-text dt-hex" data-testid="dt-binary-hex">
        {bin ? `${hexLines(bin.payloadHex, payload.recordBytes ?? 16)}${bin.payloadBytes * 2 > bin.payloadHex.length ? '\n…' : ''}` : '—'}
      </code>
      <span className="lab-small muted">{payload.recordBytes ? `One line per ${payload.recordBytes}-byte tick; the frame event previews the first 64 bytes.` : 'The frame event previews the first 64 bytes.'}</span>
    </section>
  );
}

function MemoryPanel({ f }: { f: VariantFigures | null }) {
  const mem = f?.deflate ? contextMemory(f.deflate) : null;
  const KiB = (n: number) => `${Math.round(n / 1024)} KiB`;
  return (
    <section className="lab-panel" aria-label="What compression costs">
      <h3>What compression costs while the socket stays open</h3>
      {mem ? (
        <p className="lab-small" data-testid="dt-memory">
          This connection agreed on <code>{f!.accepted}</code>: a {KiB(1 << mem.serverWindowBits)} window for the server&apos;s messages and{' '}
          {KiB(1 << mem.clientWindowBits)} for the page&apos;s, with context takeover {mem.serverTakeover && mem.clientTakeover ? 'both ways' : mem.serverTakeover ? 'for the server only' : mem.clientTakeover ? 'for the page only' : 'off both ways'}
          . Takeover lets the next message point back into the previous ones, which is why a repeated shape keeps getting cheaper on a
          long-lived socket, but the state lives as long as the socket. By zlib&apos;s own formulas (memLevel 8, what ws and Node use) the
          server holds up to {KiB(mem.serverDeflate)} for its deflater and {KiB(mem.serverInflate)} for its inflater, about{' '}
          <strong>{KiB(mem.serverTotal)} per connection</strong>, allocated when the first message is compressed or inflated:{' '}
          {count(Math.round((mem.serverTotal * 10_000) / 1024 ** 3 * 10) / 10)} GiB for 10,000 sockets, before the application keeps a
          byte. The browser pays the same on its side. That is the trade: wire bytes for memory and CPU. This lab asks for takeover on
          purpose; wslab&apos;s own default (<code>?deflate=1</code>) turns it off both ways and keeps both windows at 1 KiB, a few KiB a
          connection, which its memory budget charges.
        </p>
      ) : (
        <p className="lab-small muted">Send to see what the compressed connection negotiated and what keeping its context costs.</p>
      )}
    </section>
  );
}
