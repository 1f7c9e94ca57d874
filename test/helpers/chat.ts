// A /lab/chat client for the fan-out suites: a real ws socket that records every envelope it
// receives, sends envelopes, and waits for acks, errors, deliveries and the close.
import WebSocket, { type ClientOptions } from 'ws';
import type { ServerEnvelope } from '../../server/fanout/envelope.ts';
import type { WslabServer } from '../../server/app.ts';

export type Received = ServerEnvelope;

let ids = 0;

export class ChatClient {
  readonly received: Received[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters = new Set<{ pred: (m: Received) => boolean; resolve: (m: Received) => void }>();

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as Received;
      this.received.push(m);
      for (const w of this.waiters) {
        if (w.pred(m)) {
          this.waiters.delete(w);
          w.resolve(m);
        }
      }
    });
    ws.on('error', () => {});
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  /** Opens a socket (resolves on open; rejects on an HTTP refusal with its status). */
  static open(url: string, opts: ClientOptions & { protocols?: string[] } = {}): Promise<ChatClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, opts.protocols ?? [], opts);
      const client = new ChatClient(ws);
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`unexpected response ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  /** Opens and waits for the `system` welcome that follows a handshake token. */
  static async signedIn(url: string, token: string): Promise<ChatClient> {
    const c = await ChatClient.open(`${url}${url.includes('?') ? '&' : '?'}token=${token}`);
    await c.waitFor((m) => m.type === 'system');
    return c;
  }

  get user(): string | undefined {
    return this.received.find((m) => m.type === 'system')?.payload.user as string | undefined;
  }

  /** Sends an envelope; returns its id. */
  send(type: string, payload: Record<string, unknown>, id = `t${++ids}`): string {
    this.ws.send(JSON.stringify({ type, id, meta: { timestamp: Date.now() }, payload }));
    return id;
  }

  sendRaw(data: string | Buffer): void {
    this.ws.send(data);
  }

  waitFor(pred: (m: Received) => boolean, timeoutMs = 5000, what = 'a matching message'): Promise<Received> {
    const seen = this.received.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const w = {
        pred,
        resolve: (m: Received) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(w);
        reject(new Error(`no ${what} within ${timeoutMs} ms; received:\n${this.received.map((m) => JSON.stringify(m)).join('\n')}`));
      }, timeoutMs);
      this.waiters.add(w);
    });
  }

  /** Sends and waits for the ack or error that refers to it. */
  async request(type: string, payload: Record<string, unknown>): Promise<Received> {
    const id = this.send(type, payload);
    return this.waitFor((m) => (m.type === 'ack' || m.type === 'error') && m.payload.ref === id, 5000, `ack/error for ${type} ${id}`);
  }

  async join(room: string): Promise<void> {
    const r = await this.request('join', { room });
    if (r.type !== 'ack') throw new Error(`join ${room}: ${JSON.stringify(r.payload)}`);
  }

  of(type: string): Received[] {
    return this.received.filter((m) => m.type === type);
  }

  /** Resolves once `n` messages match (counting those already received). */
  async count(pred: (m: Received) => boolean, n: number, timeoutMs = 5000): Promise<Received[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const got = this.received.filter(pred);
      if (got.length >= n) return got;
      if (Date.now() > deadline) throw new Error(`${got.length} of ${n} messages within ${timeoutMs} ms; received:\n${this.received.map((m) => JSON.stringify(m)).join('\n')}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close();
    const t = setTimeout(() => this.ws.terminate(), 1000);
    await this.closed;
    clearTimeout(t);
  }

  terminate(): Promise<unknown> {
    this.ws.terminate();
    return this.closed;
  }
}

/** POST /lab/login → the token. */
export async function login(server: WslabServer, user: string): Promise<string> {
  const res = await fetch(`${server.url}/lab/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ user }) });
  if (res.status !== 200) throw new Error(`login ${user}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

/** ws://…/lab/chat of the node with this index. */
export function nodeUrl(server: WslabServer, i: number): string {
  return server.fanout.nodes[i].url;
}

export async function api(server: WslabServer, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${server.url}${path}`, body === undefined ? {} : { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}
