// The shared producer clock: one timer steps every push producer round-robin, within a per-tick
// bound of work and time, starting each tick where the last one stopped; a producer that throws is
// removed without stopping the others.
import { describe, expect, test } from 'vitest';
import { creditCap, ProducerClock, workUnits, type ClockTimers, type PushProducer } from '../../server/labs/producer-clock.ts';

function fakeTimers() {
  let now = 0;
  let fn: (() => void) | null = null;
  const timers: ClockTimers & { advance(ms: number): void; set(n: number): void; readonly armed: boolean } = {
    now: () => now,
    setInterval: (f) => {
      fn = f;
      return 1;
    },
    clearInterval: () => {
      fn = null;
    },
    advance(ms) {
      now += ms;
    },
    set(n) {
      now = n;
    },
    get armed() {
      return fn !== null;
    },
  };
  return timers;
}

/** A producer that wants `want` units a step and records what it was allowed. */
function greedy(name: string, log: string[], want = Infinity): PushProducer & { allowed: number[] } {
  const allowed: number[] = [];
  return {
    allowed,
    step(_now, allowance) {
      allowed.push(allowance);
      log.push(name);
      return Math.min(want, allowance);
    },
  };
}

describe('ProducerClock', () => {
  test('runs its timer only while producers exist', () => {
    const timers = fakeTimers();
    const clock = new ProducerClock({ timers });
    expect(timers.armed).toBe(false);
    const stop = clock.add(greedy('a', []));
    expect(timers.armed).toBe(true);
    stop();
    stop();
    expect(timers.armed).toBe(false);
    expect(clock.size).toBe(0);
  });

  test('one tick does at most workPerTick units, split evenly, and the next tick starts after the last producer served', () => {
    const timers = fakeTimers();
    const clock = new ProducerClock({ timers, workPerTick: 300, timePerTickMs: 1000 });
    const log: string[] = [];
    const ps = ['a', 'b', 'c', 'd'].map((n) => greedy(n, log));
    for (const p of ps) clock.add(p);
    clock.tick();
    // a share is ceil(300 / 4) = 75; the fourth gets what is left
    expect(ps.map((p) => p.allowed)).toEqual([[75], [75], [75], [75]]);
    expect(log).toEqual(['a', 'b', 'c', 'd']);
    log.length = 0;
    const clock2 = new ProducerClock({ timers, workPerTick: 100, timePerTickMs: 1000 });
    const qs = ['a', 'b', 'c', 'd'].map((n) => greedy(n, log));
    for (const q of qs) clock2.add(q);
    // each takes its whole share of 25: all four fit; then a producer that wants the world still
    // cannot take more than the tick's total
    clock2.tick();
    expect(log).toEqual(['a', 'b', 'c', 'd']);
    expect(qs.reduce((s, q) => s + q.allowed[0], 0)).toBe(100);
  });

  test('when time runs out the tick stops, and the next one begins with the producer that was not served', () => {
    const timers = fakeTimers();
    const clock = new ProducerClock({ timers, workPerTick: 1000, timePerTickMs: 4 });
    const log: string[] = [];
    const slow = (name: string): PushProducer => ({
      step() {
        log.push(name);
        timers.advance(3); // each step costs 3 ms: two fit in a 4 ms tick
        return 1;
      },
    });
    for (const n of ['a', 'b', 'c', 'd', 'e']) clock.add(slow(n));
    clock.tick();
    expect(log).toEqual(['a', 'b']);
    clock.tick();
    expect(log).toEqual(['a', 'b', 'c', 'd']);
    clock.tick();
    expect(log).toEqual(['a', 'b', 'c', 'd', 'e', 'a']);
    expect(clock.cutShort).toBe(3);
  });

  test('a producer that throws is removed and reported; the others keep their turns', () => {
    const timers = fakeTimers();
    const errors: string[] = [];
    const clock = new ProducerClock({ timers, onError: (e) => errors.push((e as Error).message) });
    const log: string[] = [];
    clock.add(greedy('a', log, 1));
    clock.add({
      step() {
        throw new Error('socket gone');
      },
    });
    clock.add(greedy('c', log, 1));
    clock.tick();
    clock.tick();
    expect(errors).toEqual(['socket gone']);
    expect(clock.size).toBe(2);
    expect(log).toEqual(['a', 'c', 'a', 'c']);
  });

  test('a producer that stops itself during its step does not make the next one lose its turn', () => {
    const timers = fakeTimers();
    const clock = new ProducerClock({ timers });
    const log: string[] = [];
    let stopA = () => {};
    stopA = clock.add({
      step() {
        log.push('a');
        stopA();
        return 0;
      },
    });
    clock.add(greedy('b', log, 1));
    clock.add(greedy('c', log, 1));
    clock.tick();
    clock.tick();
    expect(log).toEqual(['a', 'b', 'c', 'b', 'c']);
  });

  test('work units grow with the message size; a producer may owe at most ten periods (100 ms) of its rate', () => {
    expect(workUnits(16)).toBe(1);
    expect(workUnits(4096)).toBe(2);
    expect(workUnits(65536)).toBe(17);
    expect(creditCap(20_000)).toBe(2000);
    expect(creditCap(10)).toBe(1);
  });
});

describe('push payloads written as bytes', () => {
  test('the ticker and the backpressure producer send exactly the text their string forms describe', async () => {
    const { tickerPayload, tickerPayloadBytes } = await import('../../server/labs/ticker.ts');
    const { flowPayloadBytes } = await import('../../server/labs/backpressure/lab.ts');
    const { flowPayload } = await import('../../server/core/labs/flow.ts');
    for (const size of [1, 5, 20, 33, 34, 35, 36, 41, 45, 64, 1000, 65536]) {
      for (const seq of [1, 99, 123456]) {
        expect(tickerPayloadBytes(seq, size).toString('latin1')).toBe(tickerPayload(seq, size));
        expect(flowPayloadBytes(seq, seq % 16, size).toString('latin1')).toBe(flowPayload(seq, seq % 16, size));
      }
    }
  });
});
