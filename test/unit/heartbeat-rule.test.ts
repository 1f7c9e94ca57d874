// The heartbeat rule is written once (server/core/api/heartbeat.ts) and every way in checks it.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DEFAULT_HEARTBEAT, HeartbeatRequest, heartbeatFromQuery, intervalProblem, missesProblem, INTERVAL_RULE, MISSES_RULE } from '../../server/core/api/heartbeat.ts';

describe('the heartbeat rule', () => {
  it('accepts 0 (off) and 50..3600000 ms, nothing else', () => {
    expect([0, 50, 30_000, 3_600_000].map(intervalProblem)).toEqual([null, null, null, null]);
    expect([1, 49, 3_600_001, -1, 1.5, '100', null].map(intervalProblem)).toEqual(Array(7).fill(INTERVAL_RULE));
    fc.assert(fc.property(fc.integer({ min: -10_000_000, max: 10_000_000 }), (ms) => (intervalProblem(ms) === null) === (ms === 0 || (ms >= 50 && ms <= 3_600_000))));
  });

  it('accepts 1..100 misses', () => {
    expect([1, 2, 100].map(missesProblem)).toEqual([null, null, null]);
    expect([0, 101, 2.5, '2'].map(missesProblem)).toEqual(Array(4).fill(MISSES_RULE));
  });

  it('the REST body schema answers with the same sentences', () => {
    expect(HeartbeatRequest.parse({ intervalMs: 1000, maxMisses: 3, conn: 'c1' })).toEqual({ intervalMs: 1000, maxMisses: 3, conn: 'c1' });
    expect(HeartbeatRequest.safeParse({ intervalMs: 10 }).error?.issues[0]?.message).toBe(INTERVAL_RULE);
    expect(HeartbeatRequest.safeParse({ maxMisses: 0 }).error?.issues[0]?.message).toBe(MISSES_RULE);
    expect(HeartbeatRequest.safeParse({ conn: 5 }).error?.issues[0]?.message).toBe('conn must be a string');
  });

  it('a lab URL query overrides the defaults or says what is wrong', () => {
    expect(heartbeatFromQuery(new URLSearchParams('heartbeat=500&misses=3'), DEFAULT_HEARTBEAT)).toEqual({ intervalMs: 500, maxMisses: 3 });
    expect(heartbeatFromQuery(new URLSearchParams(''), DEFAULT_HEARTBEAT)).toEqual(DEFAULT_HEARTBEAT);
    expect(heartbeatFromQuery(new URLSearchParams('heartbeat=10'), DEFAULT_HEARTBEAT)).toBe('?heartbeat=10: heartbeat must be 0 (off) or an integer from 50 to 3600000');
    expect(heartbeatFromQuery(new URLSearchParams('misses=0'), DEFAULT_HEARTBEAT)).toBe('?misses=0: misses must be an integer from 1 to 100');
    expect(heartbeatFromQuery(new URLSearchParams('heartbeat=abc'), DEFAULT_HEARTBEAT)).toBe('?heartbeat=abc: heartbeat must be 0 (off) or an integer from 50 to 3600000');
  });
});
