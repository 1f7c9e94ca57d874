// A browser WebSocket with its life written down: every readyState transition (time, from → to,
// cause), what was sent and received, and the exceptions the API throws (InvalidStateError when
// send() is called while CONNECTING). Outside React: views subscribe and read.
import { Versioned } from '../store/versioned.ts';
export type ReadyState = 0 | 1 | 2 | 3;
export const STATE_NAMES = ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'] as const;

export interface Transition {
  /** ms since the client was created (performance.now based) */
  at: number;
  from: ReadyState | null;
  /** null for an event that changed nothing (an error event before the close) */
  to: ReadyState | null;
  cause: string;
}

export type LogEntry =
  | { at: number; kind: 'sent'; data: 'text' | 'binary'; text: string | null; bytes: number }
  | { at: number; kind: 'received'; data: 'text' | 'binary'; text: string | null; hex: string; bytes: number }
  | { at: number; kind: 'error'; name: string; message: string }
  | { at: number; kind: 'note'; message: string };

export type SendData = { kind: 'text'; text: string } | { kind: 'binary'; bytes: Uint8Array };

export type SendOutcome = { ok: true } | { ok: false; name: string; message: string };

const MAX_LOG = 500;

export class BrowserClient extends Versioned {
  ws: WebSocket | null = null;
  url = '';
  session: string | null = null;
  protocol = '';
  extensions = '';
  transitions: Transition[] = [];
  log: LogEntry[] = [];
  close: { code: number; reason: string; wasClean: boolean } | null = null;
  private readonly t0 = performance.now();
  private poll: ReturnType<typeof setInterval> | null = null;
  private last: ReadyState | null = null;

  get readyState(): ReadyState | null {
    return this.ws ? (this.ws.readyState as ReadyState) : null;
  }

  now(): number {
    return performance.now() - this.t0;
  }

  /** Opens a socket (closing none: call disconnect first). Returns the constructor's exception, if any. */
  connect(url: string, protocols: string[], session: string | null = null): SendOutcome {
    this.url = url;
    this.session = session;
    this.close = null;
    this.protocol = '';
    this.extensions = '';
    let ws: WebSocket;
    try {
      ws = new WebSocket(url, protocols);
    } catch (err) {
      // SyntaxError for a bad URL or a bad/duplicate subprotocol token
      const e = err as DOMException;
      this.push({ at: this.now(), kind: 'error', name: e.name, message: e.message });
      this.changed();
      return { ok: false, name: e.name, message: e.message };
    }
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    this.last = null;
    this.transition(0, 'new WebSocket(url) called: the handshake starts');
    ws.onopen = () => {
      if (this.ws !== ws) return;
      this.protocol = ws.protocol;
      this.extensions = ws.extensions;
      this.transition(1, `open event: the server answered 101${ws.protocol ? `, protocol ${ws.protocol}` : ''}`);
    };
    ws.onerror = () => {
      if (this.ws !== ws) return;
      // the error event carries no detail on purpose (browsers hide network errors from pages)
      this.transitions = [...this.transitions, { at: this.now(), from: this.last, to: null, cause: 'error event (browsers give no reason)' }];
      this.changed();
    };
    ws.onmessage = (msg) => {
      if (this.ws !== ws) return;
      if (typeof msg.data === 'string') {
        this.push({ at: this.now(), kind: 'received', data: 'text', text: msg.data, hex: '', bytes: new TextEncoder().encode(msg.data).length });
      } else {
        const bytes = new Uint8Array(msg.data as ArrayBuffer);
        this.push({ at: this.now(), kind: 'received', data: 'binary', text: null, hex: toHexShort(bytes, 256), bytes: bytes.length });
      }
      this.changed();
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.close = { code: ev.code, reason: ev.reason, wasClean: ev.wasClean };
      if (this.last === 1) this.transition(2, 'close frame received from the server (no event fires for CLOSING)');
      this.transition(3, `close event: code ${ev.code}${ev.reason ? ` "${ev.reason}"` : ''}, wasClean ${ev.wasClean}`);
      this.stopPoll();
    };
    // readyState 1 → 2 when the server starts the close fires no event: watch for it.
    this.stopPoll();
    this.poll = setInterval(() => {
      if (this.ws === ws && ws.readyState === 2 && this.last === 1) this.transition(2, 'the server started the close handshake (no event fires for CLOSING)');
    }, 50);
    return { ok: true };
  }

  /** ws.send(), catching what it throws (InvalidStateError while CONNECTING). */
  send(data: SendData): SendOutcome {
    const ws = this.ws;
    if (!ws) {
      const message = 'There is no socket yet: connect first.';
      this.push({ at: this.now(), kind: 'error', name: 'NoSocket', message });
      this.changed();
      return { ok: false, name: 'NoSocket', message };
    }
    const state = ws.readyState;
    try {
      if (data.kind === 'text') ws.send(data.text);
      else ws.send(data.bytes as Uint8Array<ArrayBuffer>);
    } catch (err) {
      const e = err as DOMException;
      this.push({ at: this.now(), kind: 'error', name: e.name, message: e.message });
      this.changed();
      return { ok: false, name: e.name, message: e.message };
    }
    if (state >= 2) {
      this.push({
        at: this.now(),
        kind: 'note',
        message: `send() while ${STATE_NAMES[state]} throws nothing, but the data is thrown away (only bufferedAmount grows).`,
      });
    } else {
      const bytes = data.kind === 'text' ? new TextEncoder().encode(data.text).length : data.bytes.length;
      this.push({ at: this.now(), kind: 'sent', data: data.kind, text: data.kind === 'text' ? data.text : null, bytes });
    }
    this.changed();
    return { ok: true };
  }

  /** ws.close(code, reason), catching InvalidAccessError / SyntaxError for bad codes and long reasons. */
  disconnect(code?: number, reason?: string): SendOutcome {
    const ws = this.ws;
    if (!ws) return { ok: false, name: 'NoSocket', message: 'There is no socket to close.' };
    const before = ws.readyState;
    try {
      if (code === undefined) ws.close();
      else ws.close(code, reason);
    } catch (err) {
      const e = err as DOMException;
      this.push({ at: this.now(), kind: 'error', name: e.name, message: e.message });
      this.changed();
      return { ok: false, name: e.name, message: e.message };
    }
    if (before <= 1) this.transition(2, `close(${code ?? ''}${reason ? `, "${reason}"` : ''}) called${before === 0 ? ' while CONNECTING: the connection is abandoned' : ''}`);
    return { ok: true };
  }

  /** Forgets the socket and its history (closing it if still open). */
  reset(): void {
    if (this.ws && this.ws.readyState < 2) this.ws.close();
    this.ws = null;
    this.stopPoll();
    this.transitions = [];
    this.log = [];
    this.close = null;
    this.last = null;
    this.changed();
  }

  private stopPoll(): void {
    if (this.poll) clearInterval(this.poll);
    this.poll = null;
  }

  private transition(to: ReadyState, cause: string): void {
    if (this.last === to) return;
    this.transitions = [...this.transitions, { at: this.now(), from: this.last, to, cause }];
    this.last = to;
    this.changed();
  }

  private push(entry: LogEntry): void {
    this.log = this.log.length >= MAX_LOG ? [...this.log.slice(-MAX_LOG + 1), entry] : [...this.log, entry];
  }

}

function toHexShort(bytes: Uint8Array, max: number): string {
  let s = '';
  const n = Math.min(bytes.length, max);
  for (let i = 0; i < n; i++) s += (i ? ' ' : '') + bytes[i].toString(16).padStart(2, '0');
  return bytes.length > max ? s + ' …' : s;
}
