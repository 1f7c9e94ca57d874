// Backpressure: a producer at full rate (20,000 messages/s of 512 B) toward a consumer whose link
// has stopped reading (pauseServer): the kernel buffers fill, then ws's. Until each has met its
// limit (stopped, queue full, paused), every strategy keeps the server's buffered bytes (ws bufferedAmount, as the tap reports it) under the
// configured cap, and the books balance exactly: produced = delivered + dropped + queued.
import { describe, expect, test } from 'vitest';
import { useLabServer, type Collector, type TestServer } from '../helpers/server.ts';
import type { EventOf } from '../../server/core/events/schema.ts';
import { MAX_FLOW_RATE, type Strategy } from '../../server/core/labs/flow.ts';

let t: TestServer;
let log: Collector;
useLabServer((server, events) => {
  t = server;
  log = events;
});

async function post(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${t.httpUrl}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

interface Snapshot {
  conn: string;
  strategy: Strategy;
  produced: number;
  delivered: number;
  dropped: number;
  queued: number;
  queueLength: number;
  bufferedAmount: number;
  producerPaused: boolean;
  stopped: string | null;
}

const CAP = 512 * 1024;
const HIGH = 128 * 1024;
const LOW = 32 * 1024;
const QUEUE = 200;
const KEYS = 16;

describe('backpressure strategies against a paused consumer', () => {
  test(
    'each strategy, at 20,000 msg/s until the paused consumer\'s buffers are full, keeps bufferedAmount ≤ the 512 KiB cap, and produced = delivered + dropped + queued',
    async () => {
      const strategies: Strategy[] = ['none', 'drop-newest', 'drop-oldest', 'coalesce', 'pause'];
      // The consumers connect one after another at a trickle (a handshake does not compete with
      // four producers at full rate), then every producer goes to full rate at once.
      const conns = new Map<Strategy, string>();
      for (const strategy of strategies) {
        const s = await post('/__wslab/flow', {
          strategy,
          rate: 1,
          size: 512,
          capBytes: CAP,
          highWater: HIGH,
          lowWater: LOW,
          queueMax: QUEUE,
          keys: KEYS,
          link: { pauseServer: true },
        });
        expect(s.status).toBe(201);
        conns.set(strategy, s.json.conn as string);
      }
      const conn = (strategy: Strategy) => conns.get(strategy)!;
      for (const strategy of strategies) {
        expect((await post(`/__wslab/flow/${conn(strategy)}`, { rate: MAX_FLOW_RATE })).status).toBe(200);
      }

      // How many bytes the kernel takes before the server's own buffer grows depends on the
      // socket buffers (autotuned) and how fast a loaded machine produces: wait for each strategy
      // to meet its limit rather than for a fixed time.
      const full = 60_000;
      const flowOf = (strategy: Strategy, pred: (e: EventOf<'flow'>) => boolean) => log.waitForType('flow', (e) => e.conn === conn(strategy) && pred(e), full);
      await Promise.all([
        flowOf('none', (e) => e.action === 'stopped'),
        flowOf('drop-newest', (e) => e.queueLength === QUEUE && e.dropped > 0),
        flowOf('drop-oldest', (e) => e.queueLength === QUEUE && e.dropped > 0),
        flowOf('coalesce', (e) => e.queueLength === KEYS && e.dropped > 0),
        flowOf('pause', (e) => e.producerPaused),
        ...strategies.map((strategy) => log.waitForType('buffer', (e) => e.conn === conn(strategy) && e.bufferedAmount > 0, full)),
      ]);
      const snaps = (await (await fetch(`${t.httpUrl}/__wslab/flow`)).json()) as Snapshot[];
      const byStrategy = new Map(snaps.map((s) => [s.strategy, s]));

      for (const strategy of strategies) {
        const c = conn(strategy);
        const s = byStrategy.get(strategy)!;
        expect(s.conn).toBe(c);
        // the books balance, exactly
        expect(s.produced).toBe(s.delivered + s.dropped + s.queued);
        expect(s.produced).toBeGreaterThan(0);
        // what the tap measured on the server's socket never passed the cap
        const buffers = log.ofType('buffer', c);
        expect(buffers.length).toBeGreaterThan(0);
        const maxTap = Math.max(...buffers.map((b) => b.bufferedAmount));
        expect(maxTap, `${strategy}: max bufferedAmount ${maxTap}`).toBeLessThanOrEqual(CAP);
        const flows = log.ofType('flow', c);
        expect(Math.max(...flows.map((f) => f.bufferedAmount))).toBeLessThanOrEqual(CAP);
        for (const f of flows) expect(f.produced).toBe(f.delivered + f.dropped + f.queued);
      }

      const none = byStrategy.get('none')!;
      expect(none.stopped).toBe(`bufferedAmount reached the safety cap of ${CAP} bytes`);
      expect(log.ofType('flow', conn('none')).filter((f) => f.action === 'stopped')).toHaveLength(1);

      const newest = byStrategy.get('drop-newest')!;
      expect(newest.queueLength).toBe(QUEUE);
      expect(newest.dropped).toBeGreaterThan(0);
      expect(newest.stopped).toBeNull();

      const oldest = byStrategy.get('drop-oldest')!;
      expect(oldest.queueLength).toBe(QUEUE);
      expect(oldest.dropped).toBeGreaterThan(0);

      const coalesce = byStrategy.get('coalesce')!;
      expect(coalesce.queueLength).toBe(KEYS);
      expect(coalesce.dropped).toBeGreaterThan(0);

      const pause = byStrategy.get('pause')!;
      expect(pause.producerPaused).toBe(true);
      expect(pause.dropped).toBe(0);
      expect(pause.bufferedAmount).toBeGreaterThanOrEqual(HIGH);

      // switching live: drop-oldest → pause keeps the books and stops producing
      const sw = await post(`/__wslab/flow/${conn('drop-oldest')}`, { strategy: 'pause' });
      expect(sw.status).toBe(200);
      expect((sw.json.config as { strategy: string }).strategy).toBe('pause');
      await log.waitForType('flow', (e) => e.conn === conn('drop-oldest') && e.action === 'config' && e.strategy === 'pause');

      for (const c of conns.values()) {
        const res = await fetch(`${t.httpUrl}/__wslab/flow/${c}`, { method: 'DELETE' });
        expect(res.status).toBe(200);
      }
    },
    120_000,
  );

  test('a paused producer resumes below the low-water mark once the consumer reads again, and every message is delivered', async () => {
    const r = await post('/__wslab/flow', { strategy: 'pause', rate: 5000, size: 256, capBytes: CAP, highWater: HIGH, lowWater: LOW, link: { pauseServer: true } });
    const conn = r.json.conn as string;
    // pausing waits for the kernel's socket buffers to fill first: how much they take varies
    await log.waitForType('flow', (e) => e.conn === conn && e.producerPaused, 60_000);
    const resume = await post('/__wslab/link', { conn, pauseServer: false });
    expect(resume.status).toBe(200);
    const seq = log.events.at(-1)!.seq;
    await log.waitForType('flow', (e) => e.conn === conn && e.seq > seq && !e.producerPaused && e.bufferedAmount <= LOW, 60_000);
    const last = log.ofType('flow', conn).at(-1)!;
    expect(last.dropped).toBe(0);
    expect(last.produced).toBe(last.delivered + last.queued);
    await fetch(`${t.httpUrl}/__wslab/flow/${conn}`, { method: 'DELETE' });
  }, 150_000);

  test("the consumer's link reports its conditions and what it forwards (stats events for the lab's rate chart), at the throttled rate", async () => {
    const RATE = 100_000;
    const r = await post('/__wslab/flow', { strategy: 'none', rate: 2000, size: 512, capBytes: CAP, link: { pauseServer: false, s2cBytesPerSec: RATE } });
    expect(r.status).toBe(201);
    const conn = r.json.conn as string;
    const config = await log.waitForType('link', (e) => e.conn === conn && e.action === 'config', 10_000);
    expect(config.conditions).toMatchObject({ s2cBytesPerSec: RATE, pauseServer: false });
    const first = await log.waitForType('link', (e) => e.conn === conn && e.action === 'stats' && e.counters!.s2c.forwarded > 0, 10_000);
    const later = await log.waitForType('link', (e) => e.conn === conn && e.action === 'stats' && e.t >= first.t + 2000, 10_000);
    const rate = ((later.counters!.s2c.forwarded - first.counters!.s2c.forwarded) * 1000) / (later.t - first.t);
    // the link forwards at its limit (wide bounds: a shared machine), never much above it
    expect(rate).toBeGreaterThan(RATE * 0.5);
    expect(rate).toBeLessThan(RATE * 1.3);
    await fetch(`${t.httpUrl}/__wslab/flow/${conn}`, { method: 'DELETE' });
  });

  test('invalid settings are refused with the reason', async () => {
    expect(await post('/__wslab/flow', { strategy: 'yolo' })).toEqual({ status: 400, json: { error: 'strategy must be one of none, drop-newest, drop-oldest, coalesce, pause' } });
    expect(await post('/__wslab/flow', { capBytes: 8192, highWater: 8192 })).toEqual({
      status: 400,
      json: { error: 'highWater (8192) + one message (512 + 10) must fit under capBytes (8192)' },
    });
    expect((await post('/__wslab/flow/c999999', { strategy: 'none' })).status).toBe(404);
  });
});
