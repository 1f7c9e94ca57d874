// The server-wide memory budget: leases grow only while the budget has room, shrink always, and
// give everything back when released; refusals carry a sentence that names the budget.
import { describe, expect, test } from 'vitest';
import { DEFAULT_MEMORY_BUDGET, MemoryBudget, parseMemoryBudget } from '../../server/process/budget.ts';

const MiB = 1024 * 1024;

describe('MemoryBudget', () => {
  test('leases draw from one total: a grow that would pass the limit is refused and changes nothing', () => {
    const b = new MemoryBudget(16 * MiB);
    const a = b.lease('push send buffers')!;
    const h = b.lease('history readers', 4 * MiB)!;
    expect(a.resize(10 * MiB)).toBe(true);
    expect(b.usedBytes).toBe(14 * MiB);
    expect(a.resize(12 * MiB + 1)).toBe(false);
    expect(a.size).toBe(10 * MiB);
    expect(b.usedBytes).toBe(14 * MiB);
    expect(b.lease('deflate contexts', 2 * MiB + 1)).toBeNull();
    expect(b.snapshot()).toEqual({
      budgetBytes: 16 * MiB,
      usedBytes: 14 * MiB,
      peakBytes: 14 * MiB,
      byKind: { 'push send buffers': 10 * MiB, 'history readers': 4 * MiB },
      refused: 2,
    });
    h.release();
    expect(a.resize(12 * MiB)).toBe(true);
    expect(b.freeBytes).toBe(4 * MiB);
  });

  test('shrinking always succeeds, a released lease gives back all it held and never grows again', () => {
    const b = new MemoryBudget(16 * MiB);
    const a = b.lease('push send buffers', 16 * MiB)!;
    expect(a.resize(1000)).toBe(true);
    expect(b.usedBytes).toBe(1000);
    a.release();
    a.release();
    expect(b.usedBytes).toBe(0);
    expect(b.snapshot().byKind).toEqual({});
    expect(a.resize(10)).toBe(false);
    expect(b.usedBytes).toBe(0);
    expect(b.snapshot().peakBytes).toBe(16 * MiB);
  });

  test('the refusal sentence names what was refused, the budget and the flag that raises it', () => {
    const b = new MemoryBudget(16 * MiB);
    b.lease('history readers', 8 * MiB);
    expect(b.spent('a history reader (GET /__wslab/events)')).toBe(
      "The server's memory budget of 16 MiB is spent (8 MiB in use); a history reader (GET /__wslab/events) was refused. Close some connections, or start the server with a larger --memory-budget.",
    );
  });

  test('the default is 256 MiB', () => {
    expect(new MemoryBudget().limit).toBe(DEFAULT_MEMORY_BUDGET);
    expect(DEFAULT_MEMORY_BUDGET).toBe(256 * MiB);
  });
});

describe('parseMemoryBudget (--memory-budget)', () => {
  test('a bare number is MiB; K, M and G suffixes are accepted', () => {
    expect(parseMemoryBudget('256')).toBe(256 * MiB);
    expect(parseMemoryBudget('512M')).toBe(512 * MiB);
    expect(parseMemoryBudget('1G')).toBe(1024 * MiB);
    expect(parseMemoryBudget('1.5GiB')).toBe(1536 * MiB);
    expect(parseMemoryBudget('65536k')).toBe(64 * MiB);
  });

  test('nonsense and sizes outside 16 MiB to 64 GiB are refused with the reason', () => {
    expect(() => parseMemoryBudget('lots')).toThrow('--memory-budget must be a size such as 256 (MiB), 512M or 1G, not "lots"');
    expect(() => parseMemoryBudget('8')).toThrow('--memory-budget must be from 16 MiB to 65536 MiB, not 8 MiB');
  });
});
