// The frame builder: set every header field by hand — valid or not — see the exact bytes and
// their anatomy, send them over a raw TCP connection to this server's /lab/raw, and read how a
// real ws server answers (usually with a close code and its reason).
import { useId, useMemo, useState } from 'react';
import { Link } from 'react-router';
import { describeCloseCode, opcodeName } from '../../../server/core/wire/index.ts';
import type { Frame } from '../../../server/core/wire/types.ts';
import { escapeControl } from '../../../server/core/events/format.ts';
import { FrameAnatomy } from '../anatomy/FrameAnatomy.tsx';
import { craft, type CraftFrame, type CraftResult } from '../ws/api.ts';
import { getOwnConns } from '../ws/own-conns.ts';
import { useStoreSlice } from '../store/hooks.ts';
import { buildFrame, defaultFrame, describePlace, spacedHex, toCraftFrame, violationPlace, type BuilderFrame, type Built } from './model.ts';
import { PRESETS, type Preset } from './presets.ts';
import './builder.css';

const OPCODES = Array.from({ length: 16 }, (_, i) => i);

function randomKey(): string {
  const b = new Uint8Array(4);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** The Frame the anatomy draws, from what was built (the declared length may lie). */
function previewFrame(f: BuilderFrame, built: Extract<Built, { ok: true }>): Frame {
  const declared = f.lengthOverride ?? built.payload.length;
  const bits = f.lengthBits ?? (declared < 126 ? 7 : declared < 0x10000 ? 16 : 64);
  const headerLength = 2 + (bits === 7 ? 0 : bits === 16 ? 2 : 8) + (f.mask ? 4 : 0);
  return {
    offset: 0,
    fin: f.fin,
    rsv1: f.rsv1,
    rsv2: f.rsv2,
    rsv3: f.rsv3,
    opcode: f.opcode,
    masked: f.mask,
    maskingKey: f.mask ? built.bytes.subarray(headerLength - 4, headerLength) : null,
    payloadLength: declared,
    headerLength,
    lengthBits: bits,
    payload: built.payload,
  };
}

export function FrameBuilder() {
  const [frames, setFrames] = useState<BuilderFrame[]>([defaultFrame()]);
  const [current, setCurrent] = useState(0);
  const [preset, setPreset] = useState<Preset | null>(null);
  const [result, setResult] = useState<CraftResult | null>(null);
  /** the byte length of each frame that was sent, to place a violation in them */
  const [sentLengths, setSentLengths] = useState<number[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const f = frames[Math.min(current, frames.length - 1)];
  const built = useMemo(() => frames.map(buildFrame), [frames]);
  const thisBuilt = built[Math.min(current, frames.length - 1)];

  const update = (patch: Partial<BuilderFrame>) => {
    setPreset(null);
    setFrames((list) => list.map((x, i) => (i === current ? { ...x, ...patch } : x)));
  };

  const usePreset = (p: Preset) => {
    setFrames(p.frames.map((x) => ({ ...x })));
    setCurrent(0);
    setPreset(p);
    setResult(null);
    setError(null);
  };

  const send = async () => {
    const body: CraftFrame[] = [];
    for (const [i, fr] of frames.entries()) {
      const c = toCraftFrame(fr);
      if ('error' in c) {
        setError(`Frame ${i + 1}: ${c.error}`);
        return;
      }
      body.push(c);
    }
    setSending(true);
    setError(null);
    const res = await craft(body, 800);
    setSending(false);
    if (!res.ok) {
      setError(res.error);
      setResult(null);
      return;
    }
    setResult(res.value);
    setSentLengths(built.map((b) => (b.ok ? b.bytes.length : 0)));
    if (res.value.conn) getOwnConns().add('builder', `frame builder → /lab/raw`, { conn: res.value.conn });
  };

  return (
    <div className="pg-panel pg-builder">
      <div className="pg-presets" role="group" aria-label="Break the protocol: ready-made frames">
        <span className="pg-presets-label">Ready-made:</span>
        {PRESETS.map((p) => (
          <button
            key={p.id}
            type="button"
            className={`example${p.expectClose !== null ? ' pg-example-bad' : ''}${preset?.id === p.id ? ' pg-active' : ''}`}
            title={p.about}
            aria-pressed={preset?.id === p.id}
            data-preset={p.id}
            onClick={() => usePreset(p)}
          >
            {p.label}
          </button>
        ))}
      </div>
      {preset && (
        <p className="pg-preset-about">
          {preset.about} <span className="muted">(RFC 6455 §{preset.rfc})</span>
        </p>
      )}

      <div className="pg-frame-tabs" role="group" aria-label="Frames to send, in order">
        {frames.map((fr, i) => (
          <button key={i} type="button" className={`pg-btn${i === current ? ' pg-primary' : ''}`} aria-pressed={i === current} onClick={() => setCurrent(i)}>
            Frame {i + 1}: {opcodeName(fr.opcode)}
            {fr.fin ? '' : ' (FIN=0)'}
          </button>
        ))}
        <button type="button" className="pg-btn" disabled={frames.length >= 16} onClick={() => {
          setFrames((l) => [...l, { ...defaultFrame(), opcode: 0, payload: '' }]);
          setCurrent(frames.length);
          setPreset(null);
        }}>
          + frame
        </button>
        {frames.length > 1 && (
          <button type="button" className="pg-btn" onClick={() => {
            setFrames((l) => l.filter((_, i) => i !== current));
            setCurrent((c) => Math.max(0, c - 1));
            setPreset(null);
          }}>
            remove frame {current + 1}
          </button>
        )}
      </div>

      <FrameForm frame={f} onChange={update} />

      <section className="pg-preview" aria-label="The bytes">
        <h3>Bytes on the wire</h3>
        {built.map((b, i) =>
          b.ok ? (
            <BytesLine key={i} index={i} frame={frames[i]} built={b} />
          ) : (
            <p key={i} className="pg-problem" role="alert">
              Frame {i + 1}: {b.error}
            </p>
          ),
        )}
        {thisBuilt.ok && (
          <div className="pg-builder-anatomy">
            <h4 className="section-title">Frame {current + 1}, header bit by bit</h4>
            <FrameAnatomy frame={previewFrame(f, thisBuilt)} header={thisBuilt.bytes.subarray(0, previewFrame(f, thisBuilt).headerLength)} />
          </div>
        )}
      </section>

      <div className="pg-actions pg-send-row">
        <button type="button" className="pg-btn pg-primary pg-big" onClick={() => void send()} disabled={sending || built.some((b) => !b.ok)}>
          {sending ? 'Sending…' : `Send ${frames.length === 1 ? 'this frame' : `these ${frames.length} frames`} to /lab/raw`}
        </button>
        <span className="hint pg-small">over a raw TCP connection from the server to itself, after a real handshake</span>
      </div>
      {error && (
        <p className="pg-problem" role="alert">
          {error}
        </p>
      )}
      {result && <CraftAnswer result={result} lengths={sentLengths} expected={preset?.expectClose} />}
    </div>
  );
}

function FrameForm({ frame: f, onChange }: { frame: BuilderFrame; onChange: (p: Partial<BuilderFrame>) => void }) {
  const id = useId();
  const realLength = useMemo(() => {
    const b = buildFrame({ ...f, lengthOverride: null, lengthBits: null });
    return b.ok ? b.payload.length : null;
  }, [f]);
  return (
    <div className="pg-frame-form">
      <fieldset className="pg-bits">
        <legend>Bits</legend>
        {(['fin', 'rsv1', 'rsv2', 'rsv3'] as const).map((k) => (
          <label key={k} className="pg-check">
            <input type="checkbox" checked={f[k]} onChange={(e) => onChange({ [k]: e.target.checked })} /> {k.toUpperCase()}
          </label>
        ))}
        <label className="pg-field pg-inline">
          <span>Opcode</span>
          <select value={f.opcode} onChange={(e) => onChange({ opcode: Number(e.target.value) })}>
            {OPCODES.map((o) => (
              <option key={o} value={o}>
                0x{o.toString(16).toUpperCase()} {opcodeName(o)}
              </option>
            ))}
          </select>
        </label>
      </fieldset>
      <fieldset className="pg-mask">
        <legend>Masking</legend>
        <label className="pg-check">
          <input type="checkbox" checked={f.mask} onChange={(e) => onChange({ mask: e.target.checked })} /> MASK
        </label>
        <label className="pg-field pg-inline">
          <span>Key</span>
          <input value={f.maskingKey} onChange={(e) => onChange({ maskingKey: e.target.value })} disabled={!f.mask} size={10} spellCheck={false} className="pg-mono" />
        </label>
        <button type="button" className="pg-btn pg-small" disabled={!f.mask} onClick={() => onChange({ maskingKey: randomKey() })}>
          random key
        </button>
      </fieldset>
      <fieldset className="pg-payload-field">
        <legend>Payload</legend>
        <div className="pg-modes">
          {(['text', 'hex'] as const).map((m) => (
            <label key={m} className={f.payloadMode === m ? 'pg-checked' : undefined}>
              <input type="radio" name={`${id}-mode`} checked={f.payloadMode === m} onChange={() => onChange({ payloadMode: m })} /> {m === 'text' ? 'Text (UTF-8)' : 'Hex'}
            </label>
          ))}
        </div>
        <textarea
          value={f.payload}
          onChange={(e) => onChange({ payload: e.target.value })}
          rows={2}
          spellCheck={false}
          aria-label={f.payloadMode === 'hex' ? 'Payload bytes in hex' : 'Payload text'}
          className={f.payloadMode === 'hex' ? 'pg-mono' : undefined}
        />
      </fieldset>
      <fieldset className="pg-length">
        <legend>Length field</legend>
        <label className="pg-check">
          <input type="checkbox" checked={f.lengthOverride !== null} onChange={(e) => onChange({ lengthOverride: e.target.checked ? (realLength ?? 0) : null })} /> lie about it:
        </label>
        <input
          type="number"
          min={0}
          aria-label="Length written in the header"
          value={f.lengthOverride ?? realLength ?? 0}
          disabled={f.lengthOverride === null}
          onChange={(e) => onChange({ lengthOverride: Math.max(0, Math.floor(Number(e.target.value) || 0)) })}
          className="pg-mono pg-length-input"
        />
        <span className="muted pg-small">real: {realLength ?? '?'} B</span>
        <label className="pg-field pg-inline">
          <span>Encoding</span>
          <select value={f.lengthBits ?? ''} onChange={(e) => onChange({ lengthBits: e.target.value === '' ? null : (Number(e.target.value) as 7 | 16 | 64) })}>
            <option value="">shortest (RFC)</option>
            <option value="7">7-bit</option>
            <option value="16">16-bit (126 + 2 bytes)</option>
            <option value="64">64-bit (127 + 8 bytes)</option>
          </select>
        </label>
      </fieldset>
    </div>
  );
}

function BytesLine({ index, frame, built }: { index: number; frame: BuilderFrame; built: Extract<Built, { ok: true }> }) {
  const p = previewFrame(frame, built);
  const ext = p.lengthBits === 7 ? 0 : p.lengthBits === 16 ? 2 : 8;
  const bytes = built.bytes;
  const limit = 96;
  const part = (i: number) => (i < 2 ? 'pg-b-head' : i < 2 + ext ? 'pg-b-len' : frame.mask && i < 2 + ext + 4 ? 'pg-b-key' : 'pg-b-payload');
  return (
    <p className="pg-bytes-line" data-testid={`bytes-${index}`}>
      <span className="muted">Frame {index + 1} · {bytes.length} B:</span>{' '}
      <code>
        {Array.from(bytes.subarray(0, limit), (b, i) => (
          <span key={i} className={part(i)}>
            {b.toString(16).padStart(2, '0')}
          </span>
        ))}
        {bytes.length > limit && <span className="muted"> … {bytes.length - limit} more</span>}
      </code>
    </p>
  );
}

function CraftAnswer({ result, lengths, expected }: { result: CraftResult; lengths: number[]; expected: number | null | undefined }) {
  const store = useStoreSlice('conns');
  // why the server objected, in the words of wslab's own decoder watching that connection
  const tapViolation = result.conn ? store.conns.get(result.conn)?.errors.find((e) => e.violation)?.violation : undefined;
  const close = result.frames.find((f) => f.opcode === 8);
  const info = close?.closeCode != null ? describeCloseCode(close.closeCode) : null;
  return (
    <section className="pg-craft-answer" aria-label="How the server answered" aria-live="polite" data-testid="craft-answer">
      <h3>
        The server answered{' '}
        {close ? (
          <>
            with close <span className="pg-close-code">{close.closeCode ?? '(no code)'}</span> {info?.name}
          </>
        ) : result.frames.length ? (
          `with ${result.frames.length} frame${result.frames.length === 1 ? '' : 's'}`
        ) : (
          'with silence'
        )}
      </h3>
      {close?.closeReason && (
        <p>
          Reason: <q className="pg-payload">{escapeControl(close.closeReason, 200)}</q>
        </p>
      )}
      {info && <p className="pg-small">{info.meaning}</p>}
      {tapViolation && (
        <p className="pg-why">
          Why: {escapeControl(tapViolation.reason, 300)}{' '}
          <span className="muted" data-testid="violation-place">
            ({describePlace(violationPlace(tapViolation.offset, result.streamOffset, lengths), lengths.length)}; RFC 6455 §{tapViolation.rfc})
          </span>
        </p>
      )}
      {expected !== undefined && expected !== null && close?.closeCode !== undefined && (
        <p className="pg-small">{close.closeCode === expected ? `As RFC 6455 requires: ${expected}.` : `The RFC asks for ${expected} here.`}</p>
      )}
      <ol className="pg-answer-frames">
        {result.frames.map((fr, i) => (
          <li key={i}>
            <code>← {fr.opcodeName.toUpperCase()}</code> {fr.payloadLength} B
            {fr.closeCode !== null ? ` · code ${fr.closeCode}` : ''}
            {fr.text !== null && fr.opcode !== 8 ? <> · <q className="pg-payload">{escapeControl(fr.text, 120)}</q></> : null}
            <span className="muted pg-mono pg-small"> {spacedHex(hexToBytes(fr.payloadHex).subarray(0, 24))}</span>
          </li>
        ))}
      </ol>
      <p className="pg-small">
        HTTP {result.status} · sent {result.sentHex.length / 2} B · {result.closed ? 'the server closed the TCP connection' : 'the connection was still open when the builder hung up'}
        {result.violation && ` · the server's bytes broke a rule: ${result.violation.reason}`}
        {result.conn && (
          <>
            {' '}
            · <Link to={`/inspect?conn=${encodeURIComponent(result.conn)}`}>see {result.conn} in the inspector</Link>
          </>
        )}
      </p>
    </section>
  );
}

function hexToBytes(hex: string): Uint8Array {
  const clean = hex.replace(/\s+/g, '');
  const out = new Uint8Array(clean.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}
