// The capstone's run: one real browser WebSocket to the chat lab, through the chaos link, with a
// fast heartbeat, driven step by step. Each step does its part (connect, send, blackhole…) and then
// waits for the event that proves it on the store's stream (story.ts). Lives outside React.
import { getStore, type EventStore } from '../../store/store.ts';
import { Versioned } from '../../store/versioned.ts';
import { findConnBySession, newSessionId, wsOrigin } from '../../ws/session.ts';
import { login } from '../../labs/chat/api.ts';
import { ensureTopology } from '../../labs/chat/client.ts';
import { CHAT_SUBPROTOCOL, envelope } from '../../labs/chat/model.ts';
import { setLink } from '../../labs/api.ts';
import { findLink, provenSteps, STEPS, storyRoom, type Proof, type StoryContext } from './story.ts';

/** The run's heartbeat: a ping a second, terminated after two missed pongs. */
export const STORY_HEARTBEAT_MS = 1000;
export const STORY_MISSES = 2;
/** How long a step may wait for its proof before the run says so. */
export const STEP_TIMEOUT_MS = 15_000;
export const STORY_USER = 'capstone';

export type RunStatus = 'idle' | 'running' | 'done' | 'failed';

export class StoryRun extends Versioned {
  status: RunStatus = 'idle';
  problem: string | null = null;
  ctx: StoryContext;
  proofs: Proof[] = [];
  /** steps whose action was done (the next one to do is STEPS[acted]) */
  acted = 0;
  readonly tag: string;
  private readonly session: string;
  private ws: WebSocket | null = null;
  private counter = 0;
  private unwatch: (() => void) | null = null;
  private disposed = false;

  constructor(private readonly store: EventStore = getStore()) {
    super();
    this.session = newSessionId('story');
    this.tag = `story-${this.session.slice(-8).replace(/[^A-Za-z0-9_-]/g, '')}`;
    this.ctx = { conn: null, link: null, room: storyRoom(Date.now(), Math.random()), afterSeq: store.lastSeq };
    this.unwatch = store.subscribe(() => this.look());
  }

  /** What the browser's own socket says now (it is not told about a blackhole). */
  get readyState(): number | null {
    return this.ws ? this.ws.readyState : null;
  }

  get finished(): boolean {
    return this.proofs.length === STEPS.length;
  }

  private look(): void {
    const events = this.store.events;
    let moved = false;
    if (this.ctx.conn === null) {
      const conn = findConnBySession(events, this.session, this.ctx.afterSeq);
      if (conn) {
        this.ctx = { ...this.ctx, conn };
        moved = true;
      }
    }
    if (this.ctx.link === null) {
      const link = findLink(events, this.tag, this.ctx.afterSeq);
      if (link) {
        this.ctx = { ...this.ctx, link };
        moved = true;
      }
    }
    const proofs = provenSteps(events, this.ctx);
    if (proofs.length !== this.proofs.length) {
      this.proofs = proofs;
      moved = true;
    }
    if (moved) this.changed();
  }

  /** Does the next step's part and waits for its proof. */
  async step(): Promise<boolean> {
    if (this.status === 'running' || this.finished || this.disposed) return false;
    this.status = 'running';
    this.problem = null;
    this.changed();
    const index = this.acted;
    try {
      await this.act(STEPS[index].id);
      this.acted = index + 1;
      await this.proven(index);
      this.status = this.finished ? 'done' : 'idle';
      this.changed();
      return true;
    } catch (err) {
      this.status = 'failed';
      this.problem = (err as Error).message;
      this.changed();
      return false;
    }
  }

  /** Every remaining step, one after the other. */
  async runAll(): Promise<void> {
    while (!this.finished && !this.disposed) if (!(await this.step())) return;
  }

  private async act(step: string): Promise<void> {
    switch (step) {
      case 'upgrade':
        return this.connect();
      case 'join':
        return this.send('join', { room: this.ctx.room });
      case 'broadcast':
        return this.send('chat', { room: this.ctx.room, text: 'hello, everyone in the room' });
      case 'drop': {
        const r = await setLink({ tag: this.tag }, { blackhole: true });
        if (!r.ok) throw new Error(`blackhole: ${r.error}`);
        return;
      }
      default:
        // jwt, subscribe, ping/pong, timeout, unsubscribe, cleanup: the server does them; we watch
        return;
    }
  }

  private async connect(): Promise<void> {
    const r = await login(STORY_USER, false);
    if (!r.ok) throw new Error(`login: ${r.error}`);
    await ensureTopology(this.store);
    const url = new URL('/lab/chat', wsOrigin(location.origin));
    url.searchParams.set('session', this.session);
    url.searchParams.set('link', this.tag);
    url.searchParams.set('heartbeat', String(STORY_HEARTBEAT_MS));
    url.searchParams.set('misses', String(STORY_MISSES));
    const ws = new WebSocket(url.toString(), [CHAT_SUBPROTOCOL]);
    this.ws = ws;
    const tick = () => this.changed();
    // as in the notes, the JWT travels in the first message (the server allows a few seconds for it)
    ws.onopen = () => {
      ws.send(JSON.stringify(envelope('auth', `story${++this.counter}`, { token: r.value.token }, Date.now())));
      tick();
    };
    ws.onclose = tick;
    ws.onmessage = tick;
  }

  private async send(type: string, payload: Record<string, unknown>): Promise<void> {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) throw new Error(`cannot send ${type}: the socket is not open`);
    ws.send(JSON.stringify(envelope(type, `story${++this.counter}`, payload, Date.now())));
  }

  private proven(index: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.proofs.length > index) {
          done();
          resolve();
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no event proved “${STEPS[index].title}” within ${STEP_TIMEOUT_MS / 1000} s`));
      }, STEP_TIMEOUT_MS);
      const off = this.subscribe(check);
      const done = () => {
        clearTimeout(timer);
        off();
      };
      this.look();
      check();
    });
  }

  /** Gives the link back (so the browser hears the close) and lets the socket go. */
  async restore(): Promise<void> {
    await setLink({ tag: this.tag }, { blackhole: false });
    this.changed();
  }

  dispose(): void {
    this.disposed = true;
    this.unwatch?.();
    this.unwatch = null;
    const ws = this.ws;
    this.ws = null;
    if (ws && ws.readyState <= 1) ws.close(1000, 'page left');
  }
}
