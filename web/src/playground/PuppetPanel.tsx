// Puppet clients: WebSocket clients the server runs on the learner's behalf, for what a page
// cannot do — set handshake headers, send ping/pong/close frames by hand, stop answering pings,
// stop reading. Their state comes from the event store like every other connection's.
import { useState } from 'react';
import { Link } from 'react-router';
import { escapeControl } from '../../../server/core/events/format.ts';
import { useStoreSlice } from '../store/hooks.ts';
import { createPuppet, deletePuppet, puppetAction, type PuppetAction, type PuppetInfo } from '../ws/api.ts';
import { STATE_NAMES } from '../ws/browser-client.ts';
import { getOwnConns } from '../ws/own-conns.ts';
import { HeartbeatControl } from '../connection/HeartbeatControl.tsx';
import '../connection/connection.css';

let kept: PuppetInfo[] = [];

function parseHeaders(text: string): Record<string, string> | { error: string } {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) return { error: `"${line}" is not "Name: value"` };
    out[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return out;
}

export function PuppetPanel() {
  const [path, setPath] = useState('/lab/echo');
  const [protocols, setProtocols] = useState('');
  const [headers, setHeaders] = useState('X-Demo: hello\nX-Client-Version: 1.2');
  const [autoPong, setAutoPong] = useState(true);
  const [puppets, setPuppetsState] = useState<PuppetInfo[]>(kept);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const setPuppets = (f: (p: PuppetInfo[]) => PuppetInfo[]) =>
    setPuppetsState((prev) => {
      kept = f(prev);
      return kept;
    });

  const create = async () => {
    const h = parseHeaders(headers);
    if ('error' in h) {
      setError(h.error);
      return;
    }
    setBusy(true);
    const res = await createPuppet({ path, protocols: protocols.split(/[\s,]+/).filter(Boolean), headers: h as Record<string, string>, autoPong });
    setBusy(false);
    if (!res.ok) {
      setError(res.error);
      return;
    }
    setError(null);
    getOwnConns().add('puppet', `puppet ${res.value.id} → ${res.value.path}`, { conn: res.value.conn });
    setPuppets((p) => [res.value, ...p]);
  };

  return (
    <div className="pg-panel pg-puppet-panel">
      <p className="hint">
        A puppet is a Node <code>ws</code> client that the server runs for you. It can do what the browser API cannot: set
        handshake headers (any but Cookie, Authorization and Proxy-Authorization: the server would be presenting credentials
        for whoever asked), send ping, pong and close frames, stop answering pings, and stop reading. The tap sees it like any
        other client.
      </p>
      <form
        className="pg-puppet-form"
        onSubmit={(e) => {
          e.preventDefault();
          void create();
        }}
      >
        <label className="pg-field">
          <span>Lab path</span>
          <input value={path} onChange={(e) => setPath(e.target.value)} spellCheck={false} />
        </label>
        <label className="pg-field">
          <span>Subprotocols</span>
          <input value={protocols} onChange={(e) => setProtocols(e.target.value)} placeholder="chat, v2" spellCheck={false} />
        </label>
        <label className="pg-field pg-span2">
          <span>Handshake headers (one “Name: value” a line)</span>
          <textarea value={headers} onChange={(e) => setHeaders(e.target.value)} rows={2} spellCheck={false} />
        </label>
        <label className="pg-check">
          <input type="checkbox" checked={autoPong} onChange={(e) => setAutoPong(e.target.checked)} /> answer pings automatically
        </label>
        <div className="pg-actions">
          <button type="submit" className="pg-btn pg-primary" disabled={busy}>
            {busy ? 'Connecting…' : 'Start a puppet'}
          </button>
        </div>
      </form>
      {error && (
        <p className="pg-problem" role="alert">
          {error}
        </p>
      )}
      {puppets.map((p) => (
        <PuppetCard key={p.id} info={p} onInfo={(info) => setPuppets((list) => list.map((x) => (x.id === info.id ? info : x)))} onRemove={() => setPuppets((list) => list.filter((x) => x.id !== p.id))} />
      ))}
    </div>
  );
}

function PuppetCard({ info, onInfo, onRemove }: { info: PuppetInfo; onInfo: (i: PuppetInfo) => void; onRemove: () => void }) {
  const store = useStoreSlice('conns');
  const view = info.conn ? store.conns.get(info.conn) : undefined;
  const clientStates = view?.states.filter((s) => s.side === 'client') ?? [];
  const state = view?.close ? 3 : clientStates.length ? clientStates[clientStates.length - 1].to : info.readyState;
  const [text, setText] = useState('hello from a puppet');
  const [kind, setKind] = useState<'text' | 'json' | 'hex'>('text');
  const [control, setControl] = useState('');
  const [code, setCode] = useState('4000');
  const [reason, setReason] = useState('bye');
  const [error, setError] = useState<string | null>(null);

  const act = async (action: PuppetAction, body: Record<string, unknown> = {}) => {
    const res = await puppetAction(info.id, action, body);
    if (!res.ok) {
      setError(res.error);
      return;
    }
    setError(null);
    onInfo(res.value);
  };

  const send = () => {
    if (kind === 'json') {
      try {
        return act('send', { json: JSON.parse(text) });
      } catch (err) {
        setError(`Not valid JSON: ${(err as Error).message}`);
        return;
      }
    }
    return act('send', kind === 'hex' ? { hex: text } : { text });
  };

  const closed = state === 3;
  return (
    <article className="pg-puppet-card" aria-label={`Puppet ${info.id}`}>
      <header>
        <h3>
          Puppet {info.id} <span className="muted">→ {info.path}</span>
        </h3>
        <span className={`pg-pill s${state}`}>
          {state} {STATE_NAMES[state] ?? ''}
        </span>
        {info.conn && (
          <Link to={`/inspect?conn=${encodeURIComponent(info.conn)}`} className="pg-small">
            {info.conn} in the inspector
          </Link>
        )}
        <span className="pg-small muted">
          {info.autoPong ? 'auto-pong on' : 'auto-pong off'} · {info.paused ? 'reading paused' : 'reading'}
        </span>
      </header>
      {view?.close && (
        <p className="pg-small">
          Closed: code {view.close.code ?? 'none'}
          {view.close.reason ? ` “${escapeControl(view.close.reason, 123)}”` : ''}, started by {view.close.initiator}, {view.close.clean ? 'clean' : 'not clean'}.
        </p>
      )}
      <div className="pg-puppet-controls">
        <form
          className="pg-row-form"
          onSubmit={(e) => {
            e.preventDefault();
            void send();
          }}
        >
          <select value={kind} onChange={(e) => setKind(e.target.value as typeof kind)} aria-label="Message type">
            <option value="text">text</option>
            <option value="json">JSON</option>
            <option value="hex">binary hex</option>
          </select>
          <input className="pg-grow" value={text} onChange={(e) => setText(e.target.value)} aria-label="Message" spellCheck={false} />
          <button type="submit" className="pg-btn pg-primary" disabled={closed}>
            Send
          </button>
        </form>
        <div className="pg-row-form">
          <input className="pg-grow" value={control} onChange={(e) => setControl(e.target.value)} aria-label="Ping or pong data (at most 125 bytes)" placeholder="ping/pong data (optional)" />
          <button type="button" className="pg-btn" disabled={closed} onClick={() => void act('ping', control ? { text: control } : {})}>
            Ping
          </button>
          <button type="button" className="pg-btn" disabled={closed} onClick={() => void act('pong', control ? { text: control } : {})}>
            Pong
          </button>
        </div>
        <div className="pg-row-form">
          <input value={code} onChange={(e) => setCode(e.target.value)} aria-label="Close code" size={5} inputMode="numeric" />
          <input className="pg-grow" value={reason} onChange={(e) => setReason(e.target.value)} aria-label="Close reason" />
          <button type="button" className="pg-btn" disabled={closed} onClick={() => void act('close', code.trim() ? { code: Number(code), reason } : {})}>
            Close
          </button>
        </div>
        <div className="pg-row-form">
          <button type="button" className="pg-btn" disabled={closed} onClick={() => void act(info.paused ? 'resume' : 'pause')} aria-pressed={info.paused}>
            {info.paused ? 'Resume reading' : 'Pause reading'}
          </button>
          <button type="button" className="pg-btn" disabled={closed} onClick={() => void act('autopong', { enabled: !info.autoPong })} aria-pressed={!info.autoPong}>
            {info.autoPong ? 'Stop answering pings' : 'Answer pings again'}
          </button>
          <button
            type="button"
            className="pg-btn pg-danger"
            onClick={() => {
              if (!closed) void deletePuppet(info.id);
              onRemove();
            }}
          >
            {closed ? 'Remove' : 'Terminate'}
          </button>
        </div>
      </div>
      {info.conn && !closed && <HeartbeatControl conn={info.conn} />}
      {error && (
        <p className="pg-problem" role="alert">
          {error}
        </p>
      )}
    </article>
  );
}
