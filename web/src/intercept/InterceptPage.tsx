// /intercept: the rules `wslab proxy` applies to proxied messages (drop, replace, delay, hold),
// the messages held for a person to edit, forward or drop, a message injected either way, and every
// proxied connection with its mode (a connection opened while rules are in force is carried as two
// WebSocket sessions; one opened without is relayed byte for byte). The server pushes the whole state
// on GET /__wslab/intercept/live whenever it changes: nothing here polls.
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { Page } from '../shell/Page.tsx';
import { apiCall } from '../http.ts';
import type { HeldMessage, InterceptListing } from '../../../server/core/api/intercept.ts';
import { EMPTY_RULE, describeRule, dirWords, modeWords, orderConns, ruleRequest, type ProxiedConn, type RuleForm } from './model.ts';
import '../labs/labs.css';
import './intercept.css';

type Listing = InterceptListing;

/** The state the server pushes, as it changes; a sentence when there is none (no proxy, or the stream is refused). */
function useInterceptState(): { listing: Listing | null; problem: string | null } {
  const [listing, setListing] = useState<Listing | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    const source = new EventSource('/__wslab/intercept/live');
    source.onmessage = (e: MessageEvent<string>) => {
      setListing(JSON.parse(e.data) as Listing);
      setProblem(null);
    };
    source.onerror = () => {
      // CONNECTING: the browser reconnects by itself; CLOSED: the server refused, and says why on the plain GET
      if (source.readyState !== EventSource.CLOSED) return setProblem('The connection to the server dropped; reconnecting…');
      void apiCall<Listing>('GET', '/__wslab/intercept').then((a) => setProblem(a.ok ? 'The server refused the live intercept stream; reload the page.' : a.error));
    };
    return () => source.close();
  }, []);
  return { listing, problem };
}

export function InterceptPage() {
  const { listing, problem } = useInterceptState();
  const conns: ProxiedConn[] = orderConns(listing?.proxied ?? []);

  return (
    <Page
      title="Intercept"
      lead={
        <>
          Change what crosses <code>wslab proxy</code>: drop, rewrite, delay or hold messages, and inject your own. A connection opened while a rule is in force is
          carried as two WebSocket sessions (client ↔ wslab, wslab ↔ upstream), both shown in <Link to="/inspect">Inspect</Link>; without rules the proxy relays bytes unchanged.
        </>
      }
    >
      {problem ? (
        <p className="note warn" role="status">
          {problem}
        </p>
      ) : null}
      <div className="icp-grid">
        <RulesSection listing={listing} />
        <HeldSection held={listing?.held ?? []} />
        <ConnectionsSection conns={conns} />
        <InjectSection pairs={listing?.connections ?? []} />
      </div>
    </Page>
  );
}

function RulesSection({ listing }: { listing: Listing | null }) {
  const [form, setForm] = useState<RuleForm>(EMPTY_RULE);
  const [error, setError] = useState<string | null>(null);
  const edit = (p: Partial<RuleForm>) => setForm((f) => ({ ...f, ...p }));
  const add = async () => {
    const res = await apiCall<{ id: string }>('POST', '/__wslab/intercept', ruleRequest(form));
    setError(res.ok ? null : res.error);
    if (res.ok) setForm((f) => ({ ...f, match: '', with: '' }));
  };
  const remove = async (id: string) => {
    const res = await apiCall('DELETE', `/__wslab/intercept/${encodeURIComponent(id)}`);
    setError(res.ok ? null : res.error);
  };
  const rules = listing?.rules ?? [];
  return (
    <section className="icp-card" aria-labelledby="icp-rules">
      <h2 id="icp-rules">Rules</h2>
      {rules.length === 0 ? (
        <p className="muted">No rule: new proxied connections are relayed byte for byte.</p>
      ) : (
        <ol className="icp-rules">
          {rules.map((r) => (
            <li key={r.id} data-rule={r.id}>
              <code className="icp-id">{r.id}</code> <span>{describeRule(r)}</span> <span className="muted num">{r.hits} hit{r.hits === 1 ? '' : 's'}</span>
              <button type="button" className="lab-btn" onClick={() => void remove(r.id)} aria-label={`Delete rule ${r.id}`}>
                Delete
              </button>
            </li>
          ))}
        </ol>
      )}
      <form
        className="icp-form"
        aria-label="New rule"
        onSubmit={(e) => {
          e.preventDefault();
          void add();
        }}
      >
        <label>
          direction
          <select value={form.dir} onChange={(e) => edit({ dir: e.target.value as RuleForm['dir'] })}>
            <option value="c2s">{dirWords('c2s')}</option>
            <option value="s2c">{dirWords('s2c')}</option>
          </select>
        </label>
        <label>
          action
          <select value={form.action} onChange={(e) => edit({ action: e.target.value as RuleForm['action'] })}>
            <option value="hold">hold</option>
            <option value="drop">drop</option>
            <option value="replace">replace</option>
            <option value="delay">delay</option>
          </select>
        </label>
        <label className="icp-wide">
          match (regex)
          <input value={form.match} onChange={(e) => edit({ match: e.target.value })} placeholder="empty matches every message" spellCheck={false} maxLength={256} />
        </label>
        {form.action === 'replace' ? (
          <label className="icp-wide">
            {form.hex ? 'new payload (hex)' : 'replace each match with'}
            <input value={form.with} onChange={(e) => edit({ with: e.target.value })} spellCheck={false} />
          </label>
        ) : null}
        {form.action === 'delay' ? (
          <label>
            ms
            <input value={form.ms} onChange={(e) => edit({ ms: e.target.value })} inputMode="numeric" size={6} />
          </label>
        ) : null}
        <label>
          opcode
          <select value={form.opcode} onChange={(e) => edit({ opcode: e.target.value as RuleForm['opcode'] })}>
            <option value="">any</option>
            <option value="1">1 text</option>
            <option value="2">2 binary</option>
          </select>
        </label>
        <label className="icp-check">
          <input type="checkbox" checked={form.hex} onChange={(e) => edit({ hex: e.target.checked })} /> hex
        </label>
        <button type="submit" className="lab-btn lab-primary">Add rule</button>
      </form>
      {error ? (
        <p className="note warn" role="alert">
          {error}
        </p>
      ) : null}
      {listing ? (
        <p className="hint">
          At most {listing.limits.rules} rules; a pattern (RE2 syntax: no lookaround, no backreferences; linear-time) sees the first {listing.limits.matchWindowBytes} bytes of a payload. Held: at most{' '}
          {listing.limits.held} messages, {Math.round(listing.limits.heldBytes / 1024 / 1024)} MiB.
        </p>
      ) : null}
    </section>
  );
}

function HeldSection({ held }: { held: HeldMessage[] }) {
  return (
    <section className="icp-card" aria-labelledby="icp-held">
      <h2 id="icp-held">Held messages</h2>
      {held.length === 0 ? <p className="muted">Nothing held. A hold rule stops matching messages here; later messages in that direction wait behind them.</p> : null}
      <ul className="icp-held">
        {held.map((h) => (
          <HeldItem key={h.id} h={h} />
        ))}
      </ul>
    </section>
  );
}

function HeldItem({ h }: { h: HeldMessage }) {
  const [text, setText] = useState(h.binary ? h.hex : (h.text ?? ''));
  const [error, setError] = useState<string | null>(null);
  const act = async (action: 'forward' | 'drop') => {
    const original = h.binary ? h.hex : h.text;
    const body = action === 'forward' && text !== original ? { action, with: text, ...(h.binary && { hex: true }) } : { action };
    const res = await apiCall('POST', `/__wslab/intercept/held/${encodeURIComponent(h.id)}`, body);
    setError(res.ok ? null : res.error);
  };
  return (
    <li data-held={h.id}>
      <div className="icp-held-head">
        <code>{h.id}</code> {dirWords(h.dir)} on <Link to={`/inspect?conn=${encodeURIComponent(h.conn)}`}>{h.conn}</Link> · rule {h.rule} · {h.binary ? 'binary' : 'text'}, {h.size} bytes
      </div>
      <textarea value={text} onChange={(e) => setText(e.target.value)} rows={2} spellCheck={false} aria-label={`Payload of held message ${h.id}${h.binary ? ' (hex)' : ''}`} />
      <div className="icp-actions">
        <button type="button" className="lab-btn lab-primary" onClick={() => void act('forward')}>
          Forward
        </button>
        <button type="button" className="lab-btn lab-danger" onClick={() => void act('drop')}>
          Drop
        </button>
      </div>
      {error ? <p className="note warn">{error}</p> : null}
    </li>
  );
}

function ConnectionsSection({ conns }: { conns: ProxiedConn[] }) {
  return (
    <section className="icp-card" aria-labelledby="icp-conns">
      <h2 id="icp-conns">Proxied connections</h2>
      {conns.length === 0 ? <p className="muted">No proxied connection is open.</p> : null}
      <table className="icp-conns">
        <tbody>
          {conns.map((c) => (
            <tr key={c.conn} data-conn={c.conn} data-mode={c.proxyMode ?? 'relay'}>
              <td>
                <Link to={`/inspect?conn=${encodeURIComponent(c.conn)}`}>{c.conn}</Link>
              </td>
              <td>
                <code>{c.path}</code>
              </td>
              <td>
                <span className={`icp-mode ${c.proxyMode ?? 'relay'}`}>{modeWords(c)}</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function InjectSection({ pairs }: { pairs: { client: string; upstream: string }[] }) {
  const [conn, setConn] = useState('');
  const [dir, setDir] = useState<'c2s' | 's2c'>('s2c');
  const [payload, setPayload] = useState('');
  const [hex, setHex] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const chosen = conn || pairs[0]?.client || '';
  const send = async () => {
    const res = await apiCall<{ bytes: number }>('POST', '/__wslab/intercept/inject', { conn: chosen, dir, ...(hex ? { hex: payload } : { text: payload }) });
    setResult(res.ok ? { ok: true, text: `Sent ${res.value.bytes} bytes ${dirWords(dir)}.` } : { ok: false, text: res.error });
  };
  return (
    <section className="icp-card" aria-labelledby="icp-inject">
      <h2 id="icp-inject">Inject a message</h2>
      {pairs.length === 0 ? <p className="muted">Injection needs a connection opened while a rule was in force.</p> : null}
      <form
        className="icp-form"
        aria-label="Inject a message"
        onSubmit={(e) => {
          e.preventDefault();
          void send();
        }}
      >
        <label>
          connection
          <select value={chosen} onChange={(e) => setConn(e.target.value)} disabled={pairs.length === 0}>
            {pairs.map((p) => (
              <option key={p.client} value={p.client}>
                {p.client} ↔ {p.upstream}
              </option>
            ))}
          </select>
        </label>
        <label>
          direction
          <select value={dir} onChange={(e) => setDir(e.target.value as 'c2s' | 's2c')}>
            <option value="s2c">to the client</option>
            <option value="c2s">to the upstream</option>
          </select>
        </label>
        <label className="icp-wide">
          {hex ? 'payload (hex)' : 'text'}
          <input value={payload} onChange={(e) => setPayload(e.target.value)} spellCheck={false} />
        </label>
        <label className="icp-check">
          <input type="checkbox" checked={hex} onChange={(e) => setHex(e.target.checked)} /> hex (binary)
        </label>
        <button type="submit" className="lab-btn lab-primary" disabled={pairs.length === 0}>
          Send
        </button>
      </form>
      {result ? <p className={result.ok ? 'hint' : 'note warn'} role="status">{result.text}</p> : null}
    </section>
  );
}
