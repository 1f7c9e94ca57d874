// Chat, fan-out and scale: two real browser clients through the round-robin balancer at
// /lab/chat, landing on different nodes; rooms, DMs, broadcasts, errors; the metadata the broker
// keeps next to the sockets each node keeps; pub/sub against Streams with a node paused; offline
// DMs; and the live sequence diagram of client → node → broker → node → client.
import { useEffect, useLayoutEffect, useRef, useState, useSyncExternalStore, type ReactNode } from 'react';
import { SequenceDiagram } from '../diagram/SequenceDiagram.tsx';
import { useStoreSlice } from '../store/hooks.ts';
import { LabChatClient, cookieUser } from './chat/client.ts';
import { PAUSE_AT, PAUSE_MS, RUN_SIZE, SETTLE_TIMEOUT_MS, runGuarantees, whenTrue, type GuaranteeRun } from './chat/run.ts';
import { closeMeaning, MALFORMED, nodeOfPort, TRANSPORTS, type FeedItem, type NodeInfo, type Transport } from './chat/model.ts';
import { getConnections, getFanout, getPresence, getQueue, pauseNode, resumeNode, setMode, startNode, stopNode, type FanoutStatus, type PresenceEntry, type RegistryEntry } from './chat/api.ts';
import './chat.css';
import { holdersLine } from './chat/holders.ts';

/** Resolves when `pred` holds for client `c` (checked on each of its changes), or after `ms`. */
async function until(c: LabChatClient, pred: () => boolean, ms = 3000): Promise<void> {
  await whenTrue([c], pred, ms);
}

/** Calls `fn` now and every `ms` while mounted. */
function usePoll<T>(fn: () => Promise<T | null>, ms: number, deps: readonly unknown[] = []): [T | null, (v: T) => void] {
  const [value, setValue] = useState<T | null>(null);
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout>;
    const tick = async () => {
      const v = await fn();
      if (!live) return;
      if (v !== null) setValue(v);
      timer = setTimeout(tick, ms);
    };
    void tick();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, deps); // eslint-disable-line react-hooks/exhaustive-deps
  return [value, setValue];
}

function useClient(c: LabChatClient): LabChatClient {
  useSyncExternalStore(c.subscribe, c.getVersion);
  return c;
}

export function ChatLab() {
  const [clients] = useState(() => [new LabChatClient('A', 'ada', 'query'), new LabChatClient('B', 'bob', 'subprotocol')] as const);
  useEffect(() => () => clients.forEach((c) => c.dispose()), [clients]);
  const [a, b] = clients;
  const [fanout, setFanout] = usePoll(async () => {
    const r = await getFanout();
    return r.ok ? r.value : null;
  }, 1000);
  const nodes = fanout?.nodes ?? [];

  return (
    <div className="lab chat-lab">
      <p className="lab-text">
        Each client below is a real WebSocket. A and B land on different nodes, so what one says has to cross the broker.
      </p>
      <NodeStrip fanout={fanout} />
      <div className="chat-clients">
        <ClientPanel client={a} other={b} nodes={nodes} />
        <ClientPanel client={b} other={a} nodes={nodes} />
      </div>
      <TokenTable />
      <DiagramSection clients={clients} />
      <div className="lab-grid">
        <MetadataPanel clients={clients} nodes={nodes} onNodes={() => void getFanout().then((r) => r.ok && setFanout(r.value))} />
        <div className="chat-stack">
          <GuaranteesPanel a={a} b={b} fanout={fanout} onStatus={setFanout} />
          <OfflinePanel a={a} b={b} />
        </div>
      </div>
    </div>
  );
}

function NodeStrip({ fanout }: { fanout: FanoutStatus | null }) {
  if (!fanout) return <p className="chat-strip muted">Asking the server for its nodes…</p>;
  return (
    <p className="chat-strip" data-testid="chat-nodes">
      <span>
        Balancer <code>{location.origin.replace(/^http/, 'ws')}/lab/chat</code> →
      </span>
      {fanout.nodes.map((n) => (
        <span key={n.id} className={`chat-node-pill${n.running ? '' : ' off'}`}>
          <strong>{n.id}</strong> port {n.port} · {n.sockets} socket{n.sockets === 1 ? '' : 's'}
          {n.broker && n.broker.status !== 'up' ? ` · broker ${n.broker.status}` : ''}
        </span>
      ))}
      <span>
        → broker <strong>{fanout.broker}</strong>, mode <strong data-testid="chat-mode">{fanout.mode}</strong>
      </span>
    </p>
  );
}

// one client ---------------------------------------------------------------------------------------

function ClientPanel({ client, other, nodes }: { client: LabChatClient; other: LabChatClient; nodes: readonly NodeInfo[] }) {
  const c = useClient(client);
  useClient(other);
  const store = useStoreSlice('conns');
  const [room, setRoom] = useState('lobby');
  const [text, setText] = useState(c.name === 'A' ? 'hello lobby' : 'hi from B');
  const [dmTo, setDmTo] = useState(other.user);
  const id = (what: string) => `chat-${c.name}-${what}`;
  const open = c.status === 'open';
  const busy = c.status === 'connecting' || c.status === 'open' || c.status === 'closing';
  const port = c.conn ? store.conns.get(c.conn)?.open?.local.port : undefined;
  const streamNode = nodeOfPort(nodes, port);
  const transport = TRANSPORTS.find((t) => t.id === c.transport)!;
  const holder = cookieUser();
  const cookieWarning = (c.transport === 'none' || c.transport === 'auth') && holder !== null;

  return (
    <section className="lab-panel chat-client" aria-labelledby={id('title')} data-testid={`chat-client-${c.name}`}>
      <header className="chat-client-head">
        <h3 id={id('title')}>Client {c.name}</h3>
        <span className={`chat-status chat-status-${c.status}`} data-testid={`chat-status-${c.name}`}>
          {c.status}
        </span>
        {c.view.node && (
          <span className="chat-landed">
            on node <strong data-testid={`chat-node-${c.name}`}>{c.view.node}</strong>
            {c.conn && (
              <span className="muted">
                {' '}
                · {c.conn}
                {port !== undefined && ` · port ${port}${streamNode ? ` = ${streamNode}` : ''}`}
              </span>
            )}
          </span>
        )}
        {busy ? (
          <button type="button" className="lab-btn chat-connect" onClick={() => c.disconnect()}>
            Disconnect
          </button>
        ) : (
          <button type="button" className="lab-btn lab-primary chat-connect" onClick={() => void c.connect()}>
            Connect
          </button>
        )}
      </header>
      <div className="chat-row">
        <label htmlFor={id('user')}>User</label>
        <input id={id('user')} className="chat-input chat-short" value={c.user} maxLength={32} disabled={busy} onChange={(e) => c.set({ user: e.target.value })} />
        <button type="button" className="lab-btn" disabled={busy} onClick={() => void c.login()}>
          Login
        </button>
        <span className="chat-token muted" title={c.token ? `${c.token}\nfor ${c.tokenUser}, valid until ${new Date(c.exp! * 1000).toLocaleTimeString()}` : undefined}>
          {c.token ? `JWT …${c.token.slice(-6)}` : 'no token'}
        </span>
        <label htmlFor={id('transport')} className="chat-gap" title="where the token travels">
          via
        </label>
        <select id={id('transport')} className="chat-input chat-select" value={c.transport} disabled={busy} onChange={(e) => c.set({ transport: e.target.value as Transport })}>
          {TRANSPORTS.map((t) => (
            <option key={t.id} value={t.id}>
              {t.label}
            </option>
          ))}
        </select>
      </div>
      <p className="chat-hint muted">{transport.line}</p>
      {cookieWarning && (
        <p className="chat-hint chat-warn">
          This browser holds a wslab_token cookie for {holder}: it rides along on every upgrade, so the server signs this socket in as {holder} first.
        </p>
      )}
      {c.problem && (
        <p className="chat-hint chat-bad" role="alert">
          {c.problem}
        </p>
      )}
      <div className="chat-row">
        <label htmlFor={id('room')}>Room</label>
        <input id={id('room')} className="chat-input chat-short" value={room} maxLength={32} onChange={(e) => setRoom(e.target.value)} />
        <button type="button" className="lab-btn" disabled={!open} onClick={() => c.send('join', { room })}>
          Join
        </button>
        <button type="button" className="lab-btn" disabled={!open} onClick={() => c.send('leave', { room })}>
          Leave
        </button>
        <Presence presence={c.view.presence} rooms={c.view.rooms} name={c.name} />
      </div>
      <div className="chat-row">
        <label htmlFor={id('text')}>Text</label>
        <input id={id('text')} className="chat-input chat-grow" value={text} maxLength={2000} onChange={(e) => setText(e.target.value)} />
        <button type="button" className="lab-btn lab-primary" disabled={!open} onClick={() => c.send('chat', { room, text })}>
          Send to {room || 'room'}
        </button>
      </div>
      <div className="chat-row">
        <button type="button" className="lab-btn" disabled={!open} onClick={() => c.send('dm', { to: dmTo, text })}>
          DM
        </button>
        <label htmlFor={id('dm')} className="chat-sr-only">
          DM to
        </label>
        <input id={id('dm')} className="chat-input chat-shorter" value={dmTo} maxLength={32} onChange={(e) => setDmTo(e.target.value)} />
        <button type="button" className="lab-btn" disabled={!open} onClick={() => c.send('broadcast', { text })}>
          Broadcast
        </button>
        <span className="chat-sep" aria-hidden="true" />
        <button type="button" className="lab-btn chat-small-btn chat-malformed" disabled={!open} onClick={() => c.sendRaw(MALFORMED.json, 'invalid JSON')} title="Sends text that is not JSON: the server answers with an error envelope and the socket stays open">
          invalid JSON
        </button>
        <button type="button" className="lab-btn chat-small-btn" disabled={!open} onClick={() => c.sendRaw(MALFORMED.unknown(`${c.name.toLowerCase()}-x`), 'an unknown type "shout"')} title="Sends an envelope of type shout: the server answers with an error envelope and the socket stays open">
          unknown type
        </button>
      </div>
      <Feed items={c.view.feed} name={c.name} />
    </section>
  );
}

function Presence({ presence, rooms, name }: { presence: Map<string, string[]>; rooms: Set<string>; name: string }) {
  const shown = [...rooms];
  if (shown.length === 0) return <span className="muted chat-small">in no room</span>;
  return (
    <span className="chat-small" data-testid={`chat-presence-${name}`}>
      {shown.map((r) => (
        <span key={r} className="chat-presence">
          #{r}: {(presence.get(r) ?? []).join(', ') || '…'}
        </span>
      ))}
    </span>
  );
}

function Feed({ items, name }: { items: readonly FeedItem[]; name: string }) {
  const shown = items.slice(-60);
  const box = useRef<HTMLOListElement>(null);
  const last = shown.at(-1)?.id;
  // keep the newest line in view, unless the learner scrolled up to read
  useLayoutEffect(() => {
    const el = box.current;
    if (el && el.scrollHeight - el.scrollTop - el.clientHeight < 80) el.scrollTop = el.scrollHeight;
  }, [last, shown.length]);
  return (
    <ol ref={box} className="chat-feed" data-testid={`chat-feed-${name}`} aria-label={`What client ${name} received`} tabIndex={0}>
      {shown.length === 0 && <li className="muted">Nothing yet: log in and connect.</li>}
      {shown.map((f, i) => (
        <li key={`${f.id}-${i}`} className={`chat-item chat-${f.kind}`} data-kind={f.kind}>
          <FeedLine f={f} />
        </li>
      ))}
    </ol>
  );
}

function FeedLine({ f }: { f: FeedItem }): ReactNode {
  switch (f.kind) {
    case 'chat':
    case 'dm':
    case 'broadcast':
      return (
        <>
          <span className="chat-where">{f.kind === 'chat' ? `#${f.room}` : f.kind === 'dm' ? `DM → ${f.to}` : 'to all'}</span>{' '}
          <strong className="chat-from">{f.from}</strong>: {/* bdi: a U+202E in someone's text must not reverse what follows it on the line */}
          <bdi className="chat-text">{f.text}</bdi>{' '}
          <span className="chat-via muted">
            via {f.node}
            {f.origin && f.origin !== f.node ? `, published on ${f.origin}` : ''}
            {f.queued ? ', from the offline queue' : ''}
            {f.dup ? ', duplicate (already shown, dropped by id)' : ''}
          </span>
        </>
      );
    case 'system':
      return <span className="muted">✓ {f.text}</span>;
    case 'ack':
      return (
        <span className={f.lost ? 'chat-bad chat-small' : 'muted chat-small'} data-testid={f.lost ? 'chat-ack-lost' : undefined}>
          ack {f.ref}: {f.detail}
          {f.lost ? ` — delivered on this node only: ${f.lost}` : ''}
        </span>
      );
    case 'error':
      return (
        <span className="chat-bad">
          error <code>{f.code}</code>: {f.reason} <span className="chat-small">(ref {f.ref ?? 'none'})</span>
        </span>
      );
    case 'close':
      return (
        <span className="chat-bad" data-testid="chat-close">
          closed <strong>{f.code}</strong>
          {f.reason ? `: ${f.reason}` : ''}
          {closeMeaning(f.code) && f.reason !== closeMeaning(f.code) ? ` — ${closeMeaning(f.code)}` : ''}
        </span>
      );
    case 'note':
      return <span className="muted chat-note">{f.text}</span>;
  }
}

function TokenTable() {
  return (
    <details className="lab-panel chat-tokens" open>
      <summary>
        <strong>Where the token travels</strong> <span className="muted">— the six choices of “Token via”, one line each</span>
      </summary>
      <dl>
        {TRANSPORTS.map((t) => (
          <div key={t.id}>
            <dt>{t.label}</dt>
            <dd>{t.line}</dd>
          </div>
        ))}
      </dl>
    </details>
  );
}

// the diagram --------------------------------------------------------------------------------------

function DiagramSection({ clients }: { clients: readonly [LabChatClient, LabChatClient] }) {
  useClient(clients[0]);
  useClient(clients[1]);
  const [all, setAll] = useState(false);
  const conns = clients.flatMap((c) => c.conns.slice(-3));
  return (
    <section className="chat-diagram" aria-label="Sequence diagram">
      <p className="lab-text chat-small-text">
        This is the diagram the notes end with — client, server, broker — except that here it is not drawn by hand: every arrow is a frame
        or a hop that just happened. A chat frame reaches the node its client landed on, that node publishes to the broker, and the broker
        hands it to the other node, which writes it to its own client.{' '}
        <label className="lab-check chat-inline-check">
          <input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} /> every connection, not just this page’s
        </label>
      </p>
      <SequenceDiagram
        conns={all ? undefined : conns}
        initialWindow={60}
        title="Client → node → broker → node → client, live"
        emptyHint="Nothing to draw yet: connect a client and join a room."
      />
    </section>
  );
}

// metadata vs sockets ------------------------------------------------------------------------------

function MetadataPanel({ clients, nodes, onNodes }: { clients: readonly [LabChatClient, LabChatClient]; nodes: readonly NodeInfo[]; onNodes: () => void }) {
  useClient(clients[0]);
  useClient(clients[1]);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const act = async (call: () => Promise<{ ok: true } | { ok: false; error: string }>) => {
    setBusy(true);
    const r = await call();
    setProblem(r.ok ? null : r.error);
    setBusy(false);
    onNodes();
  };
  const [data] = usePoll(async () => {
    const [reg, pres] = await Promise.all([getConnections(), getPresence()]);
    return { registry: reg.ok ? reg.value.connections.filter((r) => r.lab === 'chat') : ([] as RegistryEntry[]), presence: pres.ok ? pres.value.sockets : null, presenceError: pres.ok ? null : pres.error };
  }, 1000);
  const mine = new Map<string, string>();
  for (const c of clients) for (const conn of c.conns) mine.set(conn, c.name);
  const byConn = (x: string, y: string) => x.localeCompare(y, 'en', { numeric: true });
  const presence: PresenceEntry[] = [...(data?.presence ?? [])].sort((x, y) => byConn(x.socketId, y.socketId));
  const holders = nodes.map((n) => {
    const here = presence.filter((p) => p.node === n.id);
    return holdersLine(n, here.map((p) => p.userId));
  });
  return (
    <section className="lab-panel" aria-labelledby="chat-meta-title">
      <h3 id="chat-meta-title">Metadata moves, sockets stay</h3>
      <p className="lab-small">
        What the broker knows about each connection is a row of data: it can be copied, listed by any node, and it expires (30 s) unless its
        node keeps refreshing it. The socket object is in no row. It lives in the memory of the node that accepted it —{' '}
        <strong>{holders.join('; ') || 'no node yet'}</strong> — and only that node can write to it. That is why a message has to travel to the
        right node.
      </p>
      <p className="lab-small">
        Crash a node to see the difference: its sockets are gone at once, with no close frames (the clients see 1006), and this process's
        registry forgets them; their rows in the broker's presence stay until the 30 s expiry, describing sockets that no longer exist.
      </p>
      <div className="chat-row" data-testid="chat-crash">
        {nodes.map((n) => (
          <span key={n.id} className="chat-node-ctl">
            <strong>{n.id}</strong> <span className="muted">{n.running ? `running, ${n.sockets} socket${n.sockets === 1 ? '' : 's'}` : 'down'}</span>{' '}
            {n.running ? (
              <button type="button" className="lab-btn chat-small-btn lab-danger" disabled={busy} onClick={() => void act(() => stopNode(n.id, true))}>
                Crash {n.id}
              </button>
            ) : (
              <button type="button" className="lab-btn chat-small-btn" disabled={busy} onClick={() => void act(() => startNode(n.id))}>
                Start {n.id}
              </button>
            )}
          </span>
        ))}
      </div>
      {problem && <p className="chat-hint chat-bad">{problem}</p>}
      <h4 className="chat-h4">The broker’s presence (GET /__wslab/fanout/presence)</h4>
      {data?.presenceError && <p className="chat-hint chat-bad">{data.presenceError}</p>}
      <table className="lab-table chat-table" data-testid="chat-presence-table">
        <thead>
          <tr>
            <th>socketId</th>
            <th>sessionId</th>
            <th>userId</th>
            <th>node</th>
            <th>rooms</th>
          </tr>
        </thead>
        <tbody>
          {presence.length === 0 && (
            <tr>
              <td colSpan={5} className="muted">
                No signed-in sockets.
              </td>
            </tr>
          )}
          {presence.map((p) => (
            <tr key={p.socketId} className={mine.has(p.socketId) ? 'chat-mine' : undefined}>
              <td>
                {p.socketId}
                {mine.has(p.socketId) ? ` (${mine.get(p.socketId)})` : ''}
              </td>
              <td className="chat-mono">{p.sessionId ?? '—'}</td>
              <td>{p.userId}</td>
              <td>{p.node}</td>
              <td>{p.rooms.join(', ') || '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h4 className="chat-h4">This process’s registry (GET /__wslab/connections, lab chat)</h4>
      <table className="lab-table chat-table">
        <thead>
          <tr>
            <th>conn</th>
            <th>socketId</th>
            <th>userId</th>
            <th>node (local port)</th>
            <th>state</th>
          </tr>
        </thead>
        <tbody>
          {(data?.registry ?? []).length === 0 && (
            <tr>
              <td colSpan={5} className="muted">
                No chat connections.
              </td>
            </tr>
          )}
          {(data?.registry ?? []).map((r) => (
            <tr key={r.conn} className={mine.has(r.conn) ? 'chat-mine' : undefined}>
              <td>
                {r.conn}
                {mine.has(r.conn) ? ` (${mine.get(r.conn)})` : ''}
              </td>
              <td className="chat-mono">{r.socketId}</td>
              <td>{r.userId ?? '— (not signed in)'}</td>
              <td>
                {nodeOfPort(nodes, r.local.port) ?? '?'} ({r.local.port})
              </td>
              <td>{['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'][r.readyState] ?? r.readyState}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

// delivery guarantees ------------------------------------------------------------------------------


function GuaranteesPanel({ a, b, fanout, onStatus }: { a: LabChatClient; b: LabChatClient; fanout: FanoutStatus | null; onStatus: (s: FanoutStatus) => void }) {
  useClient(a);
  useClient(b);
  const [runs, setRuns] = useState<GuaranteeRun[]>([]);
  const [running, setRunning] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [wanted, setWanted] = useState<'pubsub' | 'streams' | null>(null);
  const mode = wanted ?? fanout?.mode ?? 'pubsub';
  const totals = fanout?.totals ?? {};
  const target = b.view.node;
  const ready = a.open && b.open && target !== null && a.view.node !== target;

  const switchMode = async (m: 'pubsub' | 'streams') => {
    setWanted(m); // shown at once; the server's answer follows
    const r = await setMode(m);
    if (r.ok) onStatus(r.value);
    setWanted(null);
    setProblem(r.ok ? null : r.error);
  };
  const act = async (f: () => Promise<{ ok: boolean; error?: string }>) => {
    const r = await f();
    setProblem(r.ok ? null : (r.error ?? 'failed'));
  };

  const sameNode = a.open && b.open && a.view.node !== null && a.view.node === b.view.node;
  /** Reconnects B until the balancer puts it on a node other than A's (round robin: usually once). */
  const moveB = async () => {
    setRunning('reconnecting B…');
    for (let i = 0; i < 4 && b.view.node === a.view.node; i++) {
      b.disconnect();
      await until(b, () => b.status === 'closed');
      await b.connect();
      await until(b, () => b.view.node !== null || b.status === 'closed');
    }
    setRunning(null);
  };

  const run = async () => {
    if (!ready || !target) return;
    setProblem(null);
    try {
      const row = await runGuarantees({ a, b, target, n: runs.length + 1, onProgress: setRunning });
      setRuns((r) => [...r, row]);
      if (row.unaccounted > 0) setProblem(`${row.unaccounted} of ${row.sent} messages neither reached B nor were reported lost within ${SETTLE_TIMEOUT_MS / 1000} s.`);
    } catch (err) {
      setProblem((err as Error).message);
    } finally {
      setRunning(null);
    }
  };

  return (
    <section className="lab-panel" aria-labelledby="chat-guarantees-title">
      <h3 id="chat-guarantees-title">Delivery guarantees</h3>
      <fieldset className="chat-modes" disabled={running !== null}>
        <legend className="chat-sr-only">Broker mode</legend>
        <label className={`lab-check chat-mode${mode === 'pubsub' ? ' on' : ''}`}>
          <input type="radio" name="chat-mode" checked={mode === 'pubsub'} onChange={() => void switchMode('pubsub')} /> <strong>pub/sub</strong> — at most once: a
          node that is away misses what was published meanwhile, for good
        </label>
        <label className={`lab-check chat-mode${mode === 'streams' ? ' on' : ''}`}>
          <input type="radio" name="chat-mode" checked={mode === 'streams'} onChange={() => void switchMode('streams')} /> <strong>Streams</strong> — each node
          resumes from the last entry it read: a short outage loses nothing
        </label>
      </fieldset>
      <div className="chat-row">
        {(fanout?.nodes ?? []).map((n) => (
          <span key={n.id} className="chat-node-ctl">
            <strong>{n.id}</strong> <span className="muted">{n.broker?.status ?? 'down'}</span>{' '}
            <button type="button" className="lab-btn chat-small-btn" onClick={() => void act(() => pauseNode(n.id))}>
              Pause
            </button>{' '}
            <button type="button" className="lab-btn chat-small-btn" onClick={() => void act(() => resumeNode(n.id))}>
              Resume
            </button>
          </span>
        ))}
      </div>
      <div className="chat-row">
        <button type="button" className="lab-btn lab-primary" disabled={!ready || running !== null} onClick={() => void run()}>
          A sends {RUN_SIZE}; pause {target ?? 'B’s node'} after the {PAUSE_AT}th
        </button>
        <span className="muted chat-small">{running ?? (ready ? `in ${mode} mode, 10 a second, to #lobby` : sameNode ? `A and B are both on ${a.view.node}` : 'connect A and B first')}</span>
        {sameNode && running === null && (
          <button type="button" className="lab-btn chat-small-btn" onClick={() => void moveB()}>
            Reconnect B to another node
          </button>
        )}
      </div>
      {problem && <p className="chat-hint chat-bad">{problem}</p>}
      {runs.length > 0 && (
        <table className="lab-table chat-table" data-testid="chat-runs">
          <thead>
            <tr>
              <th>run</th>
              <th>mode</th>
              <th>sent</th>
              <th>B got</th>
              <th>lost (counted by {runs.at(-1)?.paused.split(' ')[0] ?? 'the node'})</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((r) => (
              <tr key={r.n} data-unaccounted={r.unaccounted}>
                <td>{r.n}</td>
                <td>{r.mode}</td>
                <td>{r.sent}</td>
                <td className={r.received < r.sent ? 'chat-bad' : 'chat-good'}>{r.received}</td>
                <td className={r.lost > 0 ? 'chat-bad' : 'chat-good'}>{r.lost}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p className="lab-small muted" data-testid="chat-totals">
        All nodes: published {totals.published ?? 0} · from broker {totals.received ?? 0} · delivered {totals.delivered ?? 0} · lost{' '}
        <strong className={(totals.lost ?? 0) > 0 ? 'chat-bad' : undefined}>{totals.lost ?? 0}</strong> · publish failed {totals.publishFailed ?? 0} ·
        dropped {totals.dropped ?? 0}
      </p>
    </section>
  );
}

// offline messages ---------------------------------------------------------------------------------

function OfflinePanel({ a, b }: { a: LabChatClient; b: LabChatClient }) {
  useClient(a);
  useClient(b);
  const [queue] = usePoll(async () => {
    const r = await getQueue(b.user);
    return r.ok ? r.value.queued.length : null;
  }, 1000, [b.user]);
  const bOpen = b.open;
  return (
    <section className="lab-panel" aria-labelledby="chat-offline-title">
      <h3 id="chat-offline-title">Offline messages</h3>
      <p className="lab-small">
        A DM to someone with no live socket is kept in the broker. It is sent when they are back and stays queued until their client acks
        its id; if they drop before acking it comes again, and the client drops the copy by id.
      </p>
      <div className="chat-row">
        <button type="button" className="lab-btn" disabled={!bOpen} onClick={() => b.disconnect()}>
          1. Disconnect B
        </button>
        <button type="button" className="lab-btn" disabled={!a.open || bOpen} onClick={() => a.send('dm', { to: b.user, text: `while you were away ${new Date().toLocaleTimeString()}` })}>
          2. A DMs {b.user}
        </button>
        <button type="button" className="lab-btn" disabled={b.status === 'connecting' || bOpen} onClick={() => void b.connect()}>
          3. Reconnect B
        </button>
      </div>
      <p className="lab-small" data-testid="chat-offline">
        Waiting in {b.user}’s queue: <strong>{queue ?? '?'}</strong> · B got from the queue: <strong>{b.view.queuedDelivered}</strong> · copies
        dropped by id: <strong>{b.view.duplicates}</strong>
      </p>
    </section>
  );
}
