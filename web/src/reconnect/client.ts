// A reconnecting WebSocket client as an explicit state machine, separated from the WebSocket: the
// socket comes from a factory, time from an injected clock, randomness from an injected source,
// so the logic runs the same in the browser, in Node (with ws) and in unit tests with a fake clock.
//
//   idle ──start()──► connecting ──open──► open ──close──► waiting ──delay──► connecting ...
//                         │                                   ▲
//                         └──────────close before open────────┘
//   any ──stop()──► stopped
//
// After every open it sends the subscriptions again (a new connection knows nothing of the old
// one's); a connection that stays open for stableMs resets the retry count, so one flap after an
// hour does not start at the cap.
import { DEFAULT_POLICY, backoffCeiling, fullJitterDelay, type BackoffPolicy } from './backoff.ts';
import { Versioned } from '../store/versioned.ts';

export type ReconnectState = 'idle' | 'connecting' | 'open' | 'waiting' | 'stopped';

/** What the client needs of a WebSocket (the browser's and ws's both fit). */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason?: string }) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export interface Attempt {
  /** 1, 2, 3...: every connection attempt since start() */
  n: number;
  /** which retry in the current run of failures this is: 0 for the first connect, 1 for the first retry... */
  retry: number;
  /** the delay drawn before this attempt, and the ceiling it was drawn under (0 for the first connect) */
  delayMs: number;
  ceilingMs: number;
  /** clock times */
  startedAt: number;
  openedAt: number | null;
  closedAt: number | null;
  closeCode: number | null;
  outcome: 'pending' | 'open' | 'failed' | 'dropped' | 'stopped';
}

export interface ReconnectOptions {
  connect: () => SocketLike;
  policy?: Partial<BackoffPolicy>;
  clock?: Clock;
  random?: () => number;
  onMessage?: (data: unknown) => void;
  /** attempts kept for the timeline (default 50) */
  keep?: number;
}

export class ReconnectingClient extends Versioned {
  state: ReconnectState = 'idle';
  readonly policy: BackoffPolicy;
  /** newest last */
  attempts: Attempt[] = [];
  /** retries in a row without a stable connection */
  retry = 0;
  /** when the next attempt starts (clock time), while waiting */
  nextAt: number | null = null;
  /** messages sent again after every open, in order */
  readonly subscriptions: string[] = [];
  private socket: SocketLike | null = null;
  private timer: unknown = null;
  private stableTimer: unknown = null;
  private counter = 0;
  private readonly clock: Clock;
  private readonly random: () => number;

  constructor(private readonly options: ReconnectOptions) {
    super();
    this.policy = { ...DEFAULT_POLICY, ...options.policy };
    this.clock = options.clock ?? realClock;
    this.random = options.random ?? Math.random;
  }

  start(): void {
    if (this.state !== 'idle' && this.state !== 'stopped') return;
    this.retry = 0;
    this.connect(0, 0, 0);
  }

  stop(): void {
    this.state = 'stopped';
    this.nextAt = null;
    this.clearTimers();
    const s = this.socket;
    this.socket = null;
    const last = this.attempts.at(-1);
    if (last && last.outcome === 'pending') last.outcome = 'stopped';
    if (last && last.outcome === 'open') {
      last.outcome = 'stopped';
      last.closedAt = this.clock.now();
    }
    if (s) {
      s.onopen = s.onclose = s.onmessage = s.onerror = null;
      try {
        s.close(1000, 'client stopped');
      } catch {
        // already closed
      }
    }
    this.changed();
  }

  /** Sends now if open; returns false (and sends nothing) otherwise. */
  send(data: string): boolean {
    if (this.state !== 'open' || !this.socket) return false;
    this.socket.send(data);
    return true;
  }

  /** Remembers a subscription message and sends it now if open; it is sent again after every reconnect. */
  addSubscription(message: string): void {
    this.subscriptions.push(message);
    this.send(message);
  }

  private clearTimers(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    if (this.stableTimer !== null) this.clock.clearTimeout(this.stableTimer);
    this.timer = null;
    this.stableTimer = null;
  }

  private connect(delayMs: number, ceilingMs: number, retry: number): void {
    this.state = 'connecting';
    this.nextAt = null;
    const attempt: Attempt = {
      n: ++this.counter,
      retry,
      delayMs,
      ceilingMs,
      startedAt: this.clock.now(),
      openedAt: null,
      closedAt: null,
      closeCode: null,
      outcome: 'pending',
    };
    this.attempts.push(attempt);
    const keep = this.options.keep ?? 50;
    if (this.attempts.length > keep) this.attempts.splice(0, this.attempts.length - keep);
    let socket: SocketLike;
    try {
      socket = this.options.connect();
    } catch {
      attempt.outcome = 'failed';
      attempt.closedAt = this.clock.now();
      this.scheduleRetry();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      this.state = 'open';
      attempt.outcome = 'open';
      attempt.openedAt = this.clock.now();
      for (const m of this.subscriptions) socket.send(m);
      this.stableTimer = this.clock.setTimeout(() => {
        this.stableTimer = null;
        this.retry = 0;
        this.changed();
      }, this.policy.stableMs);
      this.changed();
    };
    socket.onmessage = (ev) => {
      if (this.socket === socket) this.options.onMessage?.(ev.data);
    };
    socket.onerror = () => {};
    socket.onclose = (ev) => {
      if (this.socket !== socket) return;
      this.socket = null;
      attempt.closedAt = this.clock.now();
      attempt.closeCode = ev.code;
      attempt.outcome = attempt.outcome === 'open' ? 'dropped' : 'failed';
      if (this.stableTimer !== null) this.clock.clearTimeout(this.stableTimer);
      this.stableTimer = null;
      this.scheduleRetry();
    };
    this.changed();
  }

  private scheduleRetry(): void {
    if (this.state === 'stopped') return;
    const ceiling = backoffCeiling(this.retry, this.policy);
    const delay = fullJitterDelay(this.retry, this.policy, this.random);
    const retry = ++this.retry;
    this.state = 'waiting';
    this.nextAt = this.clock.now() + delay;
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.connect(delay, ceiling, retry);
    }, delay);
    this.changed();
  }
}
