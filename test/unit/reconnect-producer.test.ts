// The backpressure producer's strategies against a fake sink whose buffer only grows (a consumer
// that reads nothing): bounded buffers, bounded queues, and books that always balance.
import { describe, expect, test } from 'vitest';
import { DEFAULT_FLOW, flowPayload, mergeFlowConfig, Producer, type FlowSink, type Strategy } from '../../server/core/labs/flow.ts';

class StuckSink implements FlowSink {
  bufferedAmount = 0;
  writableLength = 0;
  open = true;
  /** bytes that "reach the kernel" before the buffer starts to grow */
  kernel: number;
  callbacks: ((err?: Error | null) => void)[] = [];
  constructor(kernel = 0) {
    this.kernel = kernel;
  }
  send(data: string, cb: (err?: Error | null) => void) {
    if (this.kernel >= data.length) {
      this.kernel -= data.length;
      cb();
      return;
    }
    this.bufferedAmount += data.length + 4;
    this.writableLength = this.bufferedAmount;
    this.callbacks.push(cb);
  }
}

const config = (strategy: Strategy) => mergeFlowConfig(DEFAULT_FLOW, { strategy, rate: 1000, size: 100, capBytes: 20_000, highWater: 10_000, lowWater: 2_000, queueMax: 50, keys: 4 });

function run(strategy: Strategy, seconds: number, kernel = 0) {
  const sink = new StuckSink(kernel);
  const p = new Producer(sink, config(strategy));
  for (let t = 0; t <= seconds * 1000; t += 10) p.tick(t);
  return { p, sink, s: p.stats() };
}

describe('flowPayload', () => {
  test('is exactly size bytes of JSON carrying seq and key', () => {
    const m = flowPayload(7, 3, 100);
    expect(m.length).toBe(100);
    expect(JSON.parse(m)).toMatchObject({ type: 'tick', seq: 7, key: 'k3' });
  });
});

describe('Producer strategies against a consumer that reads nothing', () => {
  test('none: sends until the next message would pass the 20,000 B cap, then stops for good', () => {
    const { s, sink } = run('none', 2);
    expect(s.stopped).toBe('bufferedAmount reached the safety cap of 20000 bytes');
    expect(sink.bufferedAmount).toBeLessThanOrEqual(20_000);
    expect(s.produced).toBe(s.delivered + s.dropped + s.queued);
    expect(s.dropped).toBe(1);
  });

  test('drop-newest: the queue holds 50, newer messages are dropped, the buffer stays ≤ highWater', () => {
    const { s, sink } = run('drop-newest', 2);
    expect(s.produced).toBe(2000);
    expect(s.queueLength).toBe(50);
    expect(sink.bufferedAmount).toBeLessThanOrEqual(10_000);
    expect(s.produced).toBe(s.delivered + s.dropped + s.queued);
  });

  test('drop-oldest: the queue keeps the 50 newest', () => {
    const { p, s } = run('drop-oldest', 2);
    expect(s.queueLength).toBe(50);
    expect(s.produced).toBe(s.delivered + s.dropped + s.queued);
    // the queue holds seq 1951..2000
    const queue = (p as unknown as { queue: { seq: number }[] }).queue;
    expect(queue.map((m) => m.seq)).toEqual(Array.from({ length: 50 }, (_, i) => 1951 + i));
  });

  test('coalesce: at most one pending value per key (4), the rest counted as dropped', () => {
    const { s } = run('coalesce', 2);
    expect(s.queueLength).toBe(4);
    expect(s.produced).toBe(s.delivered + s.dropped + s.queued);
  });

  test('pause: production stops at highWater and nothing is dropped', () => {
    const { s, sink } = run('pause', 2);
    expect(s.producerPaused).toBe(true);
    expect(s.dropped).toBe(0);
    expect(sink.bufferedAmount).toBeGreaterThanOrEqual(10_000);
    expect(sink.bufferedAmount).toBeLessThanOrEqual(20_000);
    expect(s.produced).toBe(s.delivered + s.queued);
  });

  test('pause resumes once bufferedAmount falls to lowWater', () => {
    const sink = new StuckSink();
    const p = new Producer(sink, config('pause'));
    for (let t = 0; t <= 1000; t += 10) p.tick(t);
    expect(p.producerPaused).toBe(true);
    // the consumer reads everything
    for (const cb of sink.callbacks.splice(0)) cb();
    sink.bufferedAmount = 0;
    p.tick(1010);
    expect(p.producerPaused).toBe(false);
  });

  test('switching coalesce → drop-oldest moves the pending values to the queue without losing count', () => {
    const sink = new StuckSink();
    const p = new Producer(sink, config('coalesce'));
    for (let t = 0; t <= 1000; t += 10) p.tick(t);
    p.reconfigure(config('drop-oldest'));
    const s = p.stats();
    expect(s.produced).toBe(s.delivered + s.dropped + s.queued);
    expect(s.queueLength).toBe(4);
  });
});

describe('mergeFlowConfig', () => {
  test('refuses a highWater that leaves no room for a message under the cap', () => {
    expect(() => mergeFlowConfig(DEFAULT_FLOW, { capBytes: 10_000, highWater: 9_900, size: 200 })).toThrow('highWater (9900) + one message (200 + 10) must fit under capBytes (10000)');
  });
  test('refuses lowWater at or above highWater', () => {
    expect(() => mergeFlowConfig(DEFAULT_FLOW, { lowWater: 300_000 })).toThrow('lowWater (300000) must be below highWater (262144)');
  });
});

describe('payloadBytes', () => {
  test('equals the length of the message it stands for, small sizes and large', async () => {
    const { payloadBytes } = await import('../../server/core/labs/flow.ts');
    for (const [seq, key, size] of [[1, 2, 0], [123456, 15, 16], [7, 3, 100], [99999999, 999, 512]]) {
      expect(payloadBytes(seq, key, size)).toBe(flowPayload(seq, key, size).length);
    }
  });
});
