// The browser's own WebSocket: connect, watch readyState move, send text/JSON/binary, close with a
// code and reason — and try what the API forbids (send while CONNECTING) to see it refuse.
import { useRef, useState, useSyncExternalStore } from 'react';
import { escapeControl } from '../../../server/core/events/format.ts';
import { parseHex } from '../../../server/core/wire/index.ts';
import { BrowserClient, STATE_NAMES, type LogEntry, type SendData, type SendOutcome } from '../ws/browser-client.ts';
import { getOwnConns } from '../ws/own-conns.ts';
import { labUrl, newSessionId, wsOrigin } from '../ws/session.ts';
import { StateMachine } from './StateMachine.tsx';

let shared: BrowserClient | null = null;
/** The playground's browser socket; kept across tab switches and page visits. */
export function getPlaygroundClient(): BrowserClient {
  shared ??= new BrowserClient();
  return shared;
}

type Mode = 'text' | 'json' | 'hex' | 'file';

function useClient(client: BrowserClient): BrowserClient {
  useSyncExternalStore(client.subscribe, client.getVersion);
  return client;
}

export function BrowserPanel() {
  const client = useClient(getPlaygroundClient());
  const [url, setUrl] = useState(() => `${wsOrigin(location.origin)}/lab/echo`);
  const [protocols, setProtocols] = useState('');
  const [mode, setMode] = useState<Mode>('text');
  const [message, setMessage] = useState('hello');
  const [file, setFile] = useState<File | null>(null);
  const [code, setCode] = useState('1000');
  const [reason, setReason] = useState('bye');
  const [problem, setProblem] = useState<{ title: string; detail: string } | null>(null);
  /** the host of the other server the socket went to, when it is not this one */
  const [foreign, setForeign] = useState<string | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const state = client.readyState;

  const show = (outcome: SendOutcome, what: string) => {
    if (outcome.ok) {
      setProblem(null);
      return;
    }
    setProblem({ title: `${outcome.name} from ${what}`, detail: explain(outcome.name, outcome.message, client.readyState) });
  };

  const connect = (): boolean => {
    if (client.readyState !== null && client.readyState < 2) client.disconnect();
    const session = newSessionId('pg');
    const resolved = labUrl(url, location.origin, session);
    if ('error' in resolved) {
      setProblem({ title: 'Not a WebSocket URL', detail: resolved.error });
      return false;
    }
    const list = protocols.split(/[\s,]+/).filter(Boolean);
    client.reset();
    const outcome = client.connect(resolved.url, list, resolved.session);
    show(outcome, 'new WebSocket()');
    setForeign(resolved.own ? null : new URL(resolved.url).host);
    if (outcome.ok && resolved.own) getOwnConns().add('browser', `browser → ${new URL(resolved.url).pathname}`, { session: resolved.session });
    return outcome.ok;
  };

  const payload = async (): Promise<SendData | { error: string }> => {
    if (mode === 'text') return { kind: 'text', text: message };
    if (mode === 'json') {
      try {
        JSON.parse(message);
      } catch (err) {
        return { error: `Not valid JSON: ${(err as Error).message}` };
      }
      return { kind: 'text', text: message };
    }
    if (mode === 'hex') {
      const parsed = parseHex(message);
      if ('error' in parsed) return { error: parsed.error };
      return { kind: 'binary', bytes: parsed.bytes };
    }
    if (!file) return { error: 'Pick a file first.' };
    if (file.size > 64 * 1024) return { error: `${file.name} is ${file.size} bytes; the labs accept messages up to 64 KiB (a bigger one closes with 1009).` };
    return { kind: 'binary', bytes: new Uint8Array(await file.arrayBuffer()) };
  };

  const send = async () => {
    const data = await payload();
    if ('error' in data) {
      setProblem({ title: 'Nothing sent', detail: data.error });
      return;
    }
    show(client.send(data), 'send()');
  };

  /** connect, then call send() at once, before the handshake can finish: the API throws. */
  const sendWhileConnecting = async () => {
    const data = await payload();
    if ('error' in data) {
      setProblem({ title: 'Nothing sent', detail: data.error });
      return;
    }
    if (!connect()) return;
    show(client.send(data), `send() during CONNECTING (readyState ${client.readyState})`);
  };

  const close = () => {
    const n = code.trim() === '' ? undefined : Number(code);
    show(client.disconnect(n, n === undefined ? undefined : reason), 'close()');
  };

  return (
    <div className="pg-panel pg-browser-panel">
      <form
        className="pg-row-form"
        onSubmit={(e) => {
          e.preventDefault();
          connect();
        }}
      >
        <label className="pg-field pg-grow">
          <span>URL</span>
          <input value={url} onChange={(e) => setUrl(e.target.value)} spellCheck={false} aria-describedby="url-help" />
        </label>
        <label className="pg-field">
          <span>Subprotocols</span>
          <input value={protocols} onChange={(e) => setProtocols(e.target.value)} placeholder="chat, v2" spellCheck={false} size={10} />
        </label>
        <div className="pg-actions">
          <button type="submit" className="pg-btn pg-primary">
            Connect
          </button>
          <button type="button" className="pg-btn" onClick={sendWhileConnecting} title="Connect and call send() straight away, while readyState is still 0">
            Send now while connecting
          </button>
        </div>
      </form>
      <p id="url-help" className="hint pg-small">
        On this server (<code>{location.host}</code>) the page adds <code>?session=…</code> to the URL so its connection can be found in the event
        stream. A URL on another server is opened exactly as typed.
      </p>
      {foreign && (
        <div className="pg-notice" role="status" data-testid="foreign-notice">
          <strong>{foreign} is not this server: its frames are not tapped.</strong>
          <p>
            wslab sees only the bytes of its own labs (<code>{wsOrigin(location.origin)}/lab/…</code>), so “Frames on your connections” and the
            diagram stay empty for this socket. The URL was opened exactly as typed, with nothing added. The readyState, timeline and messages
            below are still what this page's WebSocket API reports.
          </p>
        </div>
      )}

      <div className="pg-state-row">
        <p className="pg-state-now" aria-live="polite">
          <span className="pg-label">readyState</span>{' '}
          <span className={`pg-big-state s${state ?? 'x'}`} data-testid="ready-state">
            {state === null ? '–' : state}
          </span>{' '}
          <strong>{state === null ? 'no socket yet' : STATE_NAMES[state]}</strong>
          {client.protocol && <span className="muted pg-small"> · protocol {client.protocol}</span>}
          {client.close && (
            <span className="muted pg-small">
              {' '}
              · closed with {client.close.code}
              {client.close.reason ? ` “${escapeControl(client.close.reason, 123)}”` : ''}, {client.close.wasClean ? 'clean' : 'not clean'}
            </span>
          )}
        </p>
        <StateMachine state={state} transitions={client.transitions} />
      </div>

      {problem && (
        <div className="pg-problem" role="alert">
          <strong>{problem.title}</strong>
          <p>{problem.detail}</p>
          <button type="button" className="link-button" onClick={() => setProblem(null)}>
            dismiss
          </button>
        </div>
      )}

      <Timeline client={client} />

      <form
        className="pg-composer"
        onSubmit={(e) => {
          e.preventDefault();
          void send();
        }}
      >
        <fieldset className="pg-modes">
          <legend>Send</legend>
          {(['text', 'json', 'hex', 'file'] as const).map((m) => (
            <label key={m} className={mode === m ? 'pg-checked' : undefined}>
              <input type="radio" name="send-mode" value={m} checked={mode === m} onChange={() => setMode(m)} />
              {m === 'text' ? 'Text' : m === 'json' ? 'JSON' : m === 'hex' ? 'Binary (hex)' : 'Binary (file)'}
            </label>
          ))}
        </fieldset>
        {mode === 'file' ? (
          <input ref={fileInput} type="file" aria-label="File to send as a binary message" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        ) : (
          <textarea
            aria-label={mode === 'hex' ? 'Bytes in hex' : mode === 'json' ? 'JSON to send' : 'Text to send'}
            value={message}
            onChange={(e) => setMessage(e.target.value)}
            rows={2}
            spellCheck={false}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && !e.shiftKey) {
                e.preventDefault();
                void send();
              }
            }}
          />
        )}
        <div className="pg-actions">
          <button type="submit" className="pg-btn pg-primary">
            Send
          </button>
          <span className="hint pg-small">Enter sends, Shift+Enter for a new line</span>
        </div>
      </form>

      <form
        className="pg-row-form pg-close-form"
        onSubmit={(e) => {
          e.preventDefault();
          close();
        }}
      >
        <label className="pg-field">
          <span>Close code</span>
          <input value={code} onChange={(e) => setCode(e.target.value)} inputMode="numeric" size={5} />
        </label>
        <label className="pg-field pg-grow">
          <span>Reason</span>
          <input value={reason} onChange={(e) => setReason(e.target.value)} maxLength={200} />
        </label>
        <div className="pg-actions">
          <button type="submit" className="pg-btn">
            Disconnect
          </button>
        </div>
      </form>

      <MessageLog log={client.log} />
    </div>
  );
}

function explain(name: string, message: string, state: number | null): string {
  if (name === 'InvalidStateError') {
    return `${message} — send() may only be called once the socket is OPEN (readyState 1). It was ${state ?? '?'} ${state === null ? '' : STATE_NAMES[state]}: wait for the open event, or queue messages until then.`;
  }
  if (name === 'InvalidAccessError') return `${message} — an application may close with 1000 or 3000-4999 only; 1001-2999 belong to the protocol.`;
  if (name === 'SyntaxError') return `${message} — check the URL (ws:// or wss://, no #fragment), the subprotocol names, and that a close reason is at most 123 bytes.`;
  return message;
}

function Timeline({ client }: { client: BrowserClient }) {
  const rows = client.transitions;
  return (
    <section className="pg-timeline" aria-label="readyState timeline">
      <h3>Timeline</h3>
      {rows.length === 0 ? (
        <p className="hint pg-small">Connect to see readyState change.</p>
      ) : (
        <div className="pg-table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">time</th>
                <th scope="col">from → to</th>
                <th scope="col">cause</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((t, i) => (
                <tr key={i} className={t.to === null ? 'pg-event-row' : undefined}>
                  <td className="num">{(t.at / 1000).toFixed(3)} s</td>
                  <td className="num pg-transition">
                    {t.to === null ? 'event' : `${t.from ?? '·'} → ${t.to}`}
                  </td>
                  <td>{escapeControl(t.cause, 300)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function MessageLog({ log }: { log: LogEntry[] }) {
  const shown = log.slice(-30);
  return (
    <section className="pg-message-log" aria-label="What this socket sent and received">
      <h3>Messages (the page’s view)</h3>
      {shown.length === 0 ? (
        <p className="hint pg-small">Nothing sent or received yet.</p>
      ) : (
        <ol className="pg-log-list" data-testid="browser-log">
          {shown.map((e, i) => (
            <li key={log.length - shown.length + i} className={`log-${e.kind}`}>
              <span className="num muted">{(e.at / 1000).toFixed(3)}</span> <LogLine entry={e} />
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

function LogLine({ entry: e }: { entry: LogEntry }) {
  switch (e.kind) {
    case 'sent':
      return (
        <>
          <span className="pg-dir pg-out" aria-label="sent">→</span> {e.data === 'text' ? <q className="pg-payload">{escapeControl(e.text ?? '', 400)}</q> : `binary, ${e.bytes} B`}
        </>
      );
    case 'received':
      return (
        <>
          <span className="pg-dir pg-in" aria-label="received">←</span>{' '}
          {e.data === 'text' ? <q className="pg-payload">{escapeControl(e.text ?? '', 400)}</q> : <code>binary {e.bytes} B: {e.hex}</code>}
        </>
      );
    case 'error':
      return (
        <strong className="pg-error-text">
          {e.name}: {e.message}
        </strong>
      );
    case 'note':
      return <em>{e.message}</em>;
  }
}
