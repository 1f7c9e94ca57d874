// One chat client of the lab page: a real browser WebSocket to ws://HOST/lab/chat (the balancer),
// its login, and what it has received. Lives outside React; the view subscribes.
import { getStore, type EventStore } from '../../store/store.ts';
import { findConnBySession, newSessionId, wsOrigin } from '../../ws/session.ts';
import { getNodes, login } from './api.ts';
import { applyIncoming, closeMeaning, connectSpec, emptyView, envelope, needsToken, pushFeed, resetConnection, missingNodeEvents, type Transport } from './model.ts';
import { Versioned } from '../../store/versioned.ts';

export type Status = 'idle' | 'connecting' | 'open' | 'closing' | 'closed';

/** Who holds the wslab_token cookie of this browser, as far as this page knows (it is HttpOnly). */
let cookieHolder: string | null = null;
export const cookieUser = () => cookieHolder;

/**
 * Makes sure the store knows every running node's port before a connection opens, so the sequence
 * diagram draws the client against the node it reached (see missingNodeEvents).
 */
export async function ensureTopology(store: EventStore = getStore()): Promise<void> {
  const nodes = await getNodes();
  if (!nodes.ok) return;
  const missing = missingNodeEvents(store.events, nodes.value);
  if (missing.length === 0) return;
  for (const e of missing) store.receive(e);
  store.flush();
}

export class LabChatClient extends Versioned {
  readonly view = emptyView();
  status: Status = 'idle';
  token: string | null = null;
  tokenUser: string | null = null;
  exp: number | null = null;
  /** the server's id for the current connection, and every one this client opened (newest last) */
  conn: string | null = null;
  readonly conns: string[] = [];
  session: string | null = null;
  close: { code: number; reason: string; clean: boolean } | null = null;
  problem: string | null = null;
  private ws: WebSocket | null = null;
  private counter = 0;
  private unwatch: (() => void) | null = null;

  constructor(
    readonly name: string,
    public user: string,
    public transport: Transport,
    private readonly store: () => EventStore = getStore,
  ) {
    super();}

  set(change: { user?: string; transport?: Transport }): void {
    if (change.user !== undefined) this.user = change.user;
    if (change.transport !== undefined) this.transport = change.transport;
    this.changed();
  }

  private note(text: string): void {
    pushFeed(this.view, { kind: 'note', id: `${this.name}-note${++this.counter}`, text });
  }

  /** POST /lab/login for the current user name; the cookie transport keeps the cookie it sets. */
  async login(): Promise<boolean> {
    const cookie = this.transport === 'cookie';
    const r = await login(this.user, cookie);
    if (!r.ok) {
      this.problem = `login: ${r.error}`;
      this.changed();
      return false;
    }
    this.problem = null;
    this.token = r.value.token;
    this.tokenUser = r.value.user;
    this.exp = r.value.exp;
    if (cookie) cookieHolder = r.value.user;
    this.note(`logged in as ${r.value.user}${cookie ? ' (the browser now holds the wslab_token cookie)' : ''}: a JWT valid ${Math.round(r.value.expiresIn / 60)} min`);
    this.changed();
    return true;
  }

  get open(): boolean {
    return this.status === 'open';
  }

  async connect(): Promise<void> {
    if (this.ws && this.status !== 'closed') return;
    this.problem = null;
    const t = this.transport;
    if (needsToken(t) && (!this.token || this.tokenUser !== this.user || (t === 'cookie' && cookieHolder !== this.user))) {
      // the cookie is per site, not per client: log in again so it is this client's
      if (!(await this.login())) return;
    }
    await ensureTopology(this.store());
    const session = newSessionId(`chat${this.name.toLowerCase()}`);
    this.session = session;
    this.conn = null;
    this.close = null;
    resetConnection(this.view);
    const afterSeq = this.store().lastSeq;
    const spec = connectSpec(t, wsOrigin(location.origin), session, this.token);
    let ws: WebSocket;
    try {
      ws = new WebSocket(spec.url, spec.protocols);
    } catch (err) {
      this.problem = `${(err as Error).name}: ${(err as Error).message}`;
      this.changed();
      return;
    }
    this.ws = ws;
    this.status = 'connecting';
    this.watchConn(session, afterSeq);
    ws.onopen = () => {
      if (this.ws !== ws) return;
      this.status = 'open';
      if (spec.authFirst) this.send('auth', { token: spec.authFirst });
      this.changed();
    };
    ws.onmessage = (e: MessageEvent) => {
      if (this.ws !== ws) return;
      if (typeof e.data !== 'string') return;
      const reply = applyIncoming(this.view, e.data);
      if (reply) {
        // a DM from the offline queue stays queued on the server until we acknowledge its id
        this.sendEnvelope('ack', { ref: reply.ackRef }, false);
        this.note(`acknowledged queued DM ${reply.ackRef}`);
      }
      this.changed();
    };
    ws.onclose = (e: CloseEvent) => {
      if (this.ws !== ws) return;
      this.status = 'closed';
      this.close = { code: e.code, reason: e.reason, clean: e.wasClean };
      const meaning = closeMeaning(e.code);
      pushFeed(this.view, { kind: 'close', id: `${this.name}-close${++this.counter}`, code: e.code, reason: e.reason || meaning, clean: e.wasClean });
      resetConnection(this.view);
      this.changed();
    };
    this.changed();
  }

  disconnect(): void {
    if (!this.ws || this.status === 'closed') return;
    this.status = 'closing';
    this.ws.close(1000, 'bye');
    this.changed();
  }

  /** Sends an envelope; returns its id (null when not open). */
  send(type: string, payload: Record<string, unknown>): string | null {
    return this.sendEnvelope(type, payload, true);
  }

  private sendEnvelope(type: string, payload: Record<string, unknown>, expectAnswer: boolean): string | null {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) {
      this.problem = 'not connected';
      this.changed();
      return null;
    }
    const id = `${this.name.toLowerCase()}${++this.counter}`;
    if (expectAnswer) this.view.pending.set(id, type);
    this.ws.send(JSON.stringify(envelope(type, id, payload, Date.now())));
    this.changed();
    return id;
  }

  sendRaw(text: string, what: string): void {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) {
      this.problem = 'not connected';
      this.changed();
      return;
    }
    this.ws.send(text);
    this.note(`sent ${what}`);
    this.changed();
  }

  /** Finds this connection's id on the event stream, by its ?session=. */
  private watchConn(session: string, afterSeq: number): void {
    this.unwatch?.();
    const store = this.store();
    const look = () => {
      const conn = findConnBySession(store.events, session, afterSeq);
      if (!conn) return;
      this.conn = conn;
      if (!this.conns.includes(conn)) this.conns.push(conn);
      this.unwatch?.();
      this.unwatch = null;
      this.changed();
    };
    this.unwatch = store.subscribe(look);
    look();
  }

  dispose(): void {
    this.unwatch?.();
    this.unwatch = null;
    const ws = this.ws;
    this.ws = null;
    if (ws && ws.readyState <= 1) ws.close(1000, 'page left');
  }
}
