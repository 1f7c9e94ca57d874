// One run of the transports lab in this page: the same feed over a short-poll loop, a long-poll
// loop, an EventSource and a WebSocket at once, all from the same starting seq, plus the server's
// books for this run, streamed twice a second (GET /lab/transports/stats?client=ID&every=500: a
// stream, not repeated fetches, which would keep an idle connection warm for the polls to reuse).
// Every request carries the run's random client id, so the server files its bytes and connection
// under it.
import { Versioned } from '../../store/versioned.ts';
import { newTally, receive, TRANSPORTS, type ClientStats, type Tally, type Transport, type TransportUpdate } from './model.ts';
import { wallClock } from '../../../../server/core/labs/transports-feed.ts';

export interface ServerView {
  head: number;
  running: boolean;
  periodMs: number;
  held: { long: number; sse: number; ws: number; stats: number };
}

const BASE = '/lab/transports';
/** the server sends its books this often (that stream is not counted for any transport) */
const STATS_MS = 500;

/** the page's clock on the same footing as the server's: epoch ms with a fraction */
const now = wallClock(Date.now, () => performance.now());

function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(9));
  return 'p' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

async function errorOf(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { error?: string };
    return body.error ?? `HTTP ${res.status}`;
  } catch {
    return `HTTP ${res.status}`;
  }
}

export class TransportsRun extends Versioned {
  readonly client = randomId();
  tallies: Record<Transport, Tally> = { poll: newTally(0), long: newTally(0), sse: newTally(0), ws: newTally(0) };
  /** the server's figures for this run, refreshed every STATS_MS */
  stats: ClientStats | null = null;
  server: ServerView | null = null;
  state: 'idle' | 'starting' | 'running' | 'stopping' | 'stopped' = 'idle';
  problem: string | null = null;
  private readonly abort = new AbortController();
  private source: EventSource | null = null;
  private socket: WebSocket | null = null;
  private statsSource: EventSource | null = null;

  constructor(readonly pollMs: number) {
    super();
  }

  get active(): boolean {
    return this.state === 'starting' || this.state === 'running';
  }

  async start(): Promise<void> {
    this.state = 'starting';
    this.changed();
    // All four start after the same seq, so they can be compared update by update.
    const first = await this.fetchStats();
    if (!first) {
      this.state = 'stopped';
      this.changed();
      return;
    }
    if (!this.active) return;
    const after = first.head;
    for (const k of TRANSPORTS) this.tallies[k] = newTally(after);
    this.state = 'running';
    this.changed();
    void this.pollLoop(after);
    void this.longLoop(after);
    this.openSse(after);
    this.openWebSocket(after);
    this.watchStats();
  }

  /** Closes every transport, then reads the books once more so the final figures show. */
  async stop(): Promise<void> {
    if (!this.active) return;
    this.state = 'stopping';
    this.changed();
    this.abort.abort();
    this.source?.close();
    this.socket?.close(1000, 'stopped');
    // the server releases held requests when their connections say so; give that a moment
    await new Promise((r) => setTimeout(r, 300));
    this.statsSource?.close();
    await this.fetchStats();
    this.state = 'stopped';
    this.changed();
  }

  private record(k: Transport, u: TransportUpdate, at: number): void {
    receive(this.tallies[k], u, at);
  }

  private note(k: Transport, problem: string | null, payload?: string): void {
    const t = this.tallies[k];
    t.problem = problem;
    if (payload !== undefined) t.lastPayload = payload;
    this.changed();
  }

  /** One GET of the poll or long-poll endpoint; returns the seq to ask after next, or null on a problem. */
  private async ask(k: 'poll' | 'long', after: number): Promise<number | null> {
    const res = await fetch(`${BASE}/${k}?client=${this.client}&after=${after}`, { cache: 'no-store', signal: this.abort.signal });
    if (!res.ok) {
      this.note(k, await errorOf(res));
      return null;
    }
    const text = await res.text();
    const at = now();
    const body = JSON.parse(text) as { head: number; updates: TransportUpdate[] };
    for (const u of body.updates) this.record(k, u, at);
    this.note(k, null, text);
    // a server restarted since: its head is behind us, so start again from there
    return body.updates.length ? body.updates[body.updates.length - 1].seq : Math.min(after, body.head);
  }

  private async pollLoop(after: number): Promise<void> {
    while (this.active) {
      const started = performance.now();
      try {
        after = (await this.ask('poll', after)) ?? after;
      } catch (err) {
        if (!this.active) return;
        this.note('poll', `the poll failed: ${(err as Error).message}`);
      }
      // a fixed rhythm: the next poll is due one interval after this one started
      await this.sleep(Math.max(0, this.pollMs - (performance.now() - started)));
    }
  }

  private async longLoop(after: number): Promise<void> {
    while (this.active) {
      try {
        const next = await this.ask('long', after);
        if (next === null) await this.sleep(1000); // refused (a cap): back off before asking again
        else after = next;
      } catch (err) {
        if (!this.active) return;
        this.note('long', `the long poll failed: ${(err as Error).message}`);
        await this.sleep(1000);
      }
    }
  }

  private openSse(after: number): void {
    // after= is only for the first connect: on reconnects EventSource sends Last-Event-ID, which wins
    const source = new EventSource(`${BASE}/sse?client=${this.client}&after=${after}`);
    this.source = source;
    source.onmessage = (e: MessageEvent<string>) => {
      const at = now();
      this.record('sse', JSON.parse(e.data) as TransportUpdate, at);
      this.note('sse', null, e.data);
    };
    source.onerror = () => {
      if (this.active) this.note('sse', source.readyState === EventSource.CLOSED ? 'the stream was refused' : 'the stream dropped; EventSource is reconnecting');
    };
  }

  private openWebSocket(after: number): void {
    const url = new URL(`${BASE}/ws?client=${this.client}&after=${after}`, location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(url);
    this.socket = ws;
    ws.onmessage = (e: MessageEvent) => {
      const at = now();
      if (typeof e.data !== 'string') return;
      this.record('ws', JSON.parse(e.data) as TransportUpdate, at);
      this.note('ws', null, e.data);
    };
    ws.onclose = (e) => {
      if (this.active) this.note('ws', `the WebSocket closed (${e.code}${e.reason ? `: ${e.reason}` : ''})`);
    };
  }

  private watchStats(): void {
    const source = new EventSource(`${BASE}/stats?client=${this.client}&every=${STATS_MS}`);
    this.statsSource = source;
    source.onmessage = (e: MessageEvent<string>) => this.take(JSON.parse(e.data) as ServerView & { client: ClientStats | null });
    source.onerror = () => {
      if (this.active) {
        this.problem = "the server's figures stopped coming; EventSource is reconnecting";
        this.changed();
      }
    };
  }

  private take(body: ServerView & { client: ClientStats | null }): void {
    this.server = { head: body.head, running: body.running, periodMs: body.periodMs, held: body.held };
    this.stats = body.client;
    this.problem = null;
    this.changed();
  }

  private async fetchStats(): Promise<(ServerView & { client: ClientStats | null }) | null> {
    try {
      const res = await fetch(`${BASE}/stats?client=${this.client}`, { cache: 'no-store' });
      if (!res.ok) {
        this.problem = await errorOf(res);
        this.changed();
        return null;
      }
      const body = (await res.json()) as ServerView & { client: ClientStats | null };
      this.take(body);
      return body;
    } catch (err) {
      this.problem = `the server did not answer (${(err as Error).message})`;
      this.changed();
      return null;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.abort.signal.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        this.abort.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.abort.signal.addEventListener('abort', done);
    });
  }
}
