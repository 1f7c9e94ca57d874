// A producer that is faster than its consumer, and the strategies a server can take about it.
// Independent of ws: it writes to a FlowSink (send + bufferedAmount), so it can be driven by tests
// with a fake sink and a fake clock, and by /lab/backpressure with a real WebSocket.
//
//   none         send everything; the buffer grows until the safety cap (capBytes), where the lab
//                stops the producer instead of letting the process run out of memory
//   drop-newest  bounded application queue; when it is full, the new message is dropped
//   drop-oldest  bounded application queue; when it is full, the oldest queued message is dropped
//   coalesce     latest value wins per key; what is pending goes out as one batch when there is room
//   pause        stop producing above highWater (bufferedAmount), resume below lowWater
//
// The books always balance: produced = delivered + dropped + queued, where delivered means ws's
// send callback fired (the bytes reached the kernel) and queued is the application queue plus what
// was given to ws.send and has not reached the kernel yet.

export type Strategy = 'none' | 'drop-newest' | 'drop-oldest' | 'coalesce' | 'pause';
export const STRATEGIES: readonly Strategy[] = ['none', 'drop-newest', 'drop-oldest', 'coalesce', 'pause'];

export interface FlowSink {
  /** ws.bufferedAmount: bytes given to ws and not yet handed to the kernel */
  readonly bufferedAmount: number;
  /** net.Socket writableLength */
  readonly writableLength: number;
  readonly open: boolean;
  /** cb fires once the message reached the kernel, or with an error when it never will */
  send(data: string | Uint8Array, cb: (err?: Error | null) => void): void;
  /** renders one message (flowPayload's bytes) the way the sink sends it best; default flowPayload */
  encode?(seq: number, key: number, size: number): string | Uint8Array;
  /**
   * Asks the server's memory budget for room to hold `bytes` in the send buffers in all (what is
   * buffered now plus what is about to be sent); false when the budget is spent. Absent: no budget.
   */
  reserve?(bytes: number): boolean;
}

export interface FlowConfig {
  strategy: Strategy;
  /** messages a second */
  rate: number;
  /** bytes per message */
  size: number;
  /** bufferedAmount never goes above this (for "none": the safety cap where the lab stops) */
  capBytes: number;
  /** drop-*, coalesce: send only while bufferedAmount stays at or under it; pause: pause above it */
  highWater: number;
  /** pause: resume at or under it */
  lowWater: number;
  /** drop-newest, drop-oldest: application queue length in messages */
  queueMax: number;
  /** coalesce: distinct keys the values are spread over */
  keys: number;
}

export const DEFAULT_FLOW: FlowConfig = {
  strategy: 'none',
  rate: 2000,
  size: 512,
  capBytes: 1024 * 1024,
  highWater: 256 * 1024,
  lowWater: 64 * 1024,
  queueMax: 500,
  keys: 16,
};

export const MAX_FLOW_RATE = 20_000;
export const MAX_FLOW_SIZE = 64 * 1024;
/** capBytes, highWater and lowWater at most: 8 MiB of send buffer per connection */
export const MAX_CAP = 8 * 1024 * 1024;
/**
 * A late tick produces at most this many milliseconds' worth (the producer clock's ten periods):
 * a producer never makes up a backlog in one burst.
 */
export const MAX_CATCH_UP_MS = 100;
/** A WebSocket frame header from the server is at most 10 bytes (no mask): room left under the cap. */
export const FRAME_OVERHEAD = 10;

/** A producer setting outside its rule: answered 400 with the sentence. */
export class FlowConfigError extends Error {
  readonly status = 400;
}

/** Merges a change into a config and checks the result; throws FlowConfigError with the reason. */
export function mergeFlowConfig(base: FlowConfig, change: Record<string, unknown>): FlowConfig {
  const out = { ...base };
  if (change.strategy !== undefined) {
    if (typeof change.strategy !== 'string' || !STRATEGIES.includes(change.strategy as Strategy)) {
      throw new FlowConfigError(`strategy must be one of ${STRATEGIES.join(', ')}`);
    }
    out.strategy = change.strategy as Strategy;
  }
  const ints: [keyof FlowConfig, number, number][] = [
    ['rate', 1, MAX_FLOW_RATE],
    ['size', 16, MAX_FLOW_SIZE],
    ['capBytes', 4096, MAX_CAP],
    ['highWater', 1024, MAX_CAP],
    ['lowWater', 0, MAX_CAP],
    ['queueMax', 1, 100_000],
    ['keys', 1, 1000],
  ];
  for (const [key, min, max] of ints) {
    const v = change[key];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new FlowConfigError(`${key} must be an integer from ${min} to ${max}`);
    (out as Record<string, unknown>)[key] = v;
  }
  if (out.highWater + out.size + FRAME_OVERHEAD > out.capBytes) {
    throw new FlowConfigError(`highWater (${out.highWater}) + one message (${out.size} + ${FRAME_OVERHEAD}) must fit under capBytes (${out.capBytes})`);
  }
  if (out.lowWater >= out.highWater) throw new FlowConfigError(`lowWater (${out.lowWater}) must be below highWater (${out.highWater})`);
  return out;
}

/** A produced message; its text is made only if it is sent (a dropped message costs no string). */
interface Msg {
  seq: number;
  key: number;
  bytes: number;
}

export interface FlowStats {
  produced: number;
  delivered: number;
  dropped: number;
  queued: number;
  queueLength: number;
  queueBytes: number;
  bufferedAmount: number;
  writableLength: number;
  producerPaused: boolean;
  stopped: string | null;
  /** the most bufferedAmount seen right after a send */
  maxBuffered: number;
}

/** A message of exactly `size` bytes: {"type":"tick","seq":N,"key":"kK","pad":"...."} (ASCII). */
export function flowPayload(seq: number, key: number, size: number): string {
  const json = `{"type":"tick","seq":${seq},"key":"k${key}","pad":""}`;
  if (size <= json.length) return json;
  return `{"type":"tick","seq":${seq},"key":"k${key}","pad":"${'.'.repeat(size - json.length)}"}`;
}

/** flowPayload(seq, key, size).length, without building it. */
export function payloadBytes(seq: number, key: number, size: number): number {
  const json = 41 + String(seq).length + String(key).length; // {"type":"tick","seq":,"key":"k","pad":""}
  return Math.max(size, json);
}

export class Producer {
  produced = 0;
  delivered = 0;
  dropped = 0;
  /** given to sink.send, callback not yet fired */
  inFlight = 0;
  producerPaused = false;
  stopped: string | null = null;
  maxBuffered = 0;
  private queue: Msg[] = [];
  private queueBytes = 0;
  private readonly latest = new Map<number, Msg>();
  private latestBytes = 0;
  private credit = 0;
  private lastTick: number | null = null;
  /** the last fits() said no because the server's memory budget is spent */
  private budgetRefused = false;
  private readonly onSent = (err?: Error | null, count = 1) => {
    this.inFlight -= count;
    if (err) {
      this.dropped += count;
      // a write that failed will fail again, and never raises bufferedAmount: stop here
      if (!this.stopped) this.stopped = `a write to the socket failed (${err.message})`;
    } else this.delivered += count;
  };
  private seq = 0;

  constructor(
    private readonly sink: FlowSink,
    public config: FlowConfig,
  ) {}

  stats(): FlowStats {
    return {
      produced: this.produced,
      delivered: this.delivered,
      dropped: this.dropped,
      queued: this.queue.length + this.latest.size + this.inFlight,
      queueLength: this.queue.length + this.latest.size,
      queueBytes: this.queueBytes + this.latestBytes,
      bufferedAmount: this.sink.bufferedAmount,
      writableLength: this.sink.writableLength,
      producerPaused: this.producerPaused,
      stopped: this.stopped,
      maxBuffered: this.maxBuffered,
    };
  }

  /** Switches strategy or figures live; pending messages move to the new strategy's queue. */
  reconfigure(config: FlowConfig): void {
    const was = this.config.strategy;
    this.config = config;
    if (was === 'coalesce' && config.strategy !== 'coalesce') {
      const values = [...this.latest.values()].sort((a, b) => a.seq - b.seq);
      this.latest.clear();
      this.latestBytes = 0;
      for (const m of values) this.enqueue(m);
    } else if (was !== 'coalesce' && config.strategy === 'coalesce') {
      const queued = this.queue;
      this.queue = [];
      this.queueBytes = 0;
      for (const m of queued) this.coalesce(m);
    }
    if (config.strategy !== 'pause') this.producerPaused = false;
    if (config.strategy !== 'none') this.stopped = null;
    this.trimQueue();
    this.pump();
  }

  /**
   * Produces what is due at `now` (ms), at most `maxMessages` and never more than MAX_CATCH_UP_MS'
   * worth, then sends what the strategy allows. Returns how many messages it produced.
   */
  tick(now: number, maxMessages = Infinity): number {
    const dt = this.lastTick === null ? 0 : Math.max(0, now - this.lastTick);
    this.lastTick = now;
    if (!this.sink.open) return 0;
    if (this.producerPaused && this.sink.bufferedAmount <= this.config.lowWater) this.producerPaused = false;
    if (this.stopped || this.producerPaused) {
      this.credit = 0;
      this.pump();
      return 0;
    }
    const cap = Math.max(1, (this.config.rate * MAX_CATCH_UP_MS) / 1000);
    this.credit = Math.min(cap, this.credit + (dt / 1000) * this.config.rate);
    let made = 0;
    while (this.credit >= 1 && !this.stopped && !this.producerPaused && this.sink.open) {
      if (made >= maxMessages) {
        // the rest of this tick's share is not produced (the server is busy): skipped, not owed
        this.credit = 0;
        break;
      }
      this.credit--;
      this.produce();
      made++;
    }
    this.pump();
    return made;
  }

  private produce(): void {
    const seq = ++this.seq;
    const key = seq % this.config.keys;
    const m: Msg = { seq, key, bytes: payloadBytes(seq, key, this.config.size) };
    this.produced++;
    switch (this.config.strategy) {
      case 'none':
        this.enqueue(m);
        this.pump();
        if (this.queue.length > 0) {
          // The next send would pass the safety cap: stop here, as a real server would not.
          this.stopped ??= this.budgetRefused
            ? 'the server memory budget is spent (see /__wslab/health)'
            : `bufferedAmount reached the safety cap of ${this.config.capBytes} bytes`;
          this.dropped += this.queue.length;
          this.queue = [];
          this.queueBytes = 0;
        }
        break;
      case 'drop-newest':
        if (this.queue.length >= this.config.queueMax) this.dropped++;
        else this.enqueue(m);
        this.pump();
        break;
      case 'drop-oldest':
        this.enqueue(m);
        this.trimQueue();
        this.pump();
        break;
      case 'coalesce':
        this.coalesce(m);
        this.pump();
        break;
      case 'pause':
        this.enqueue(m);
        this.pump();
        if (this.sink.bufferedAmount >= this.config.highWater) this.producerPaused = true;
        break;
    }
  }

  private enqueue(m: Msg): void {
    this.queue.push(m);
    this.queueBytes += m.bytes;
  }

  private coalesce(m: Msg): void {
    const old = this.latest.get(m.key);
    if (old) {
      this.dropped++;
      this.latestBytes -= old.bytes;
      this.latest.delete(m.key); // re-insert: the map stays in order of the newest values
    }
    this.latest.set(m.key, m);
    this.latestBytes += m.bytes;
  }

  /** drop-oldest (and any bounded queue after a switch): keep at most queueMax. */
  private trimQueue(): void {
    const bounded = this.config.strategy === 'drop-oldest' || this.config.strategy === 'drop-newest';
    if (!bounded) return;
    while (this.queue.length > this.config.queueMax) {
      const m = this.queue.shift()!;
      this.queueBytes -= m.bytes;
      this.dropped++;
    }
  }

  /** Room for `bytes` more under the strategy's limit. */
  private fits(bytes: number): boolean {
    const limit = this.config.strategy === 'none' || this.config.strategy === 'pause' ? this.config.capBytes : this.config.highWater;
    const total = this.sink.bufferedAmount + bytes + FRAME_OVERHEAD;
    if (total > limit) return false;
    this.budgetRefused = this.sink.reserve ? !this.sink.reserve(total) : false;
    return !this.budgetRefused;
  }

  /** Sends queued messages while they fit. */
  pump(): void {
    if (!this.sink.open) return;
    // what drained since the last pump goes back to the budget
    this.sink.reserve?.(this.sink.bufferedAmount);
    while (this.queue.length > 0 && this.sink.open && !this.writeFailed() && this.fits(this.queue[0].bytes)) {
      const m = this.queue.shift()!;
      this.queueBytes -= m.bytes;
      this.send(this.sink.encode ? this.sink.encode(m.seq, m.key, this.config.size) : flowPayload(m.seq, m.key, this.config.size), 1);
    }
    if (this.latest.size > 0) {
      // One batch of the latest values: a JSON array, as many as fit.
      const parts: string[] = [];
      let bytes = 2;
      for (const [key, m] of this.latest) {
        const add = m.bytes + (parts.length ? 1 : 0);
        if (!this.fits(bytes + add)) break;
        parts.push(flowPayload(m.seq, m.key, this.config.size));
        bytes += add;
        this.latest.delete(key);
        this.latestBytes -= m.bytes;
      }
      if (parts.length) this.send(`[${parts.join(',')}]`, parts.length);
    }
  }

  private writeFailed(): boolean {
    return this.stopped !== null && this.stopped.startsWith('a write');
  }

  private send(text: string | Uint8Array, count: number): void {
    this.inFlight += count;
    this.sink.send(text, count === 1 ? this.onSent : (err) => this.onSent(err, count));
    const b = this.sink.bufferedAmount;
    if (b > this.maxBuffered) this.maxBuffered = b;
  }
}
