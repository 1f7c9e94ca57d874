import { afterEach, expect, test } from 'vitest';
import { LoopDelayMonitor } from '../../server/process/loop-delay.ts';

let monitor: LoopDelayMonitor | null = null;
afterEach(() => monitor?.close());

test('the loop delay is null during the first window, then reports a window in which the loop was blocked', async () => {
  monitor = new LoopDelayMonitor(300);
  expect(monitor.latest).toBe(null);
  // block the event loop for 120 ms inside the first window
  await new Promise((r) => setTimeout(r, 20));
  const until = performance.now() + 120;
  while (performance.now() < until);
  while (monitor.latest === null) await new Promise((r) => setTimeout(r, 20));
  const first = monitor.latest;
  expect(first.windowMs).toBe(300);
  expect(first.maxMs).toBeGreaterThanOrEqual(100);
  expect(first.p50Ms).toBeLessThanOrEqual(first.p99Ms);
  expect(first.p99Ms).toBeLessThanOrEqual(first.maxMs);
});
