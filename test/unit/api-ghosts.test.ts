// The ghosts lab's REST bodies: one schema each, the same sentences the API answers with.
import { describe, expect, it } from 'vitest';
import { SimBlackhole, SimHeartbeat, SimSpawn } from '../../server/core/api/ghosts.ts';

const first = (r: { error?: { issues: { message: string }[] } }) => r.error?.issues[0]?.message;

describe('/__wslab/sim bodies', () => {
  it('spawn: count defaults to 1; every field has its range', () => {
    expect(SimSpawn.parse({})).toEqual({ count: 1 });
    expect(SimSpawn.parse({ count: 20, heartbeatMs: 200, misses: 2, stateBytes: 65536 })).toEqual({ count: 20, heartbeatMs: 200, misses: 2, stateBytes: 65536 });
    expect(first(SimSpawn.safeParse({ count: 5001 }))).toBe('count must be an integer from 1 to 5000');
    expect(first(SimSpawn.safeParse({ heartbeatMs: 10 }))).toBe('heartbeatMs must be 0 (off) or an integer from 50 to 3600000');
    expect(first(SimSpawn.safeParse({ stateBytes: 262145 }))).toBe('stateBytes must be an integer from 0 to 262144');
  });
  it('blackhole: all or a count, on by default', () => {
    expect(SimBlackhole.parse({ all: true })).toEqual({ all: true, on: true });
    expect(SimBlackhole.parse({ count: 3, on: false })).toEqual({ count: 3, on: false });
    expect(first(SimBlackhole.safeParse({}))).toBe('give {"all": true} or {"count": N}');
    expect(first(SimBlackhole.safeParse({ all: true, on: 'yes' }))).toBe('on must be true or false');
  });
  it('heartbeat: the heartbeat rule', () => {
    expect(SimHeartbeat.parse({ intervalMs: 200, maxMisses: 2 })).toEqual({ intervalMs: 200, maxMisses: 2 });
    expect(first(SimHeartbeat.safeParse({ intervalMs: 20 }))).toBe('intervalMs must be 0 (off) or an integer from 50 to 3600000');
  });
});
