// One memory budget for the whole server. Every buffer a client can make the server fill draws from
// it: the send buffers of the push labs (ticker, backpressure), the HTTP history readers, the
// permessage-deflate contexts. A buffer takes a lease, grows it before it grows, and shrinks it as it
// drains; when the budget is spent the lease refuses to grow and the caller refuses the client with
// a sentence that says so (503, or a close 1013 on an open socket).
//
// Pure: no node:* imports. The budget counts bytes the server chose to hold; it does not read RSS.

/** Default: 256 MiB for everything clients can make the server buffer. */
export const DEFAULT_MEMORY_BUDGET = 256 * 1024 * 1024;
/** Smallest budget the server accepts (a few connections' worth). */
export const MIN_MEMORY_BUDGET = 16 * 1024 * 1024;
export const MAX_MEMORY_BUDGET = 64 * 1024 * 1024 * 1024;

export function mib(bytes: number): string {
  const m = bytes / (1024 * 1024);
  return `${Number.isInteger(m) ? m : m.toFixed(1)} MiB`;
}

export interface BudgetSnapshot {
  budgetBytes: number;
  usedBytes: number;
  /** the most in use at once since start */
  peakBytes: number;
  /** bytes in use by what holds them ("push send buffers", "history readers", "deflate contexts") */
  byKind: Record<string, number>;
  /** grows refused since start */
  refused: number;
}

/** One buffer's share of the budget. Its size follows the buffer: grown before, shrunk after. */
export class Lease {
  size = 0;
  private released = false;

  constructor(
    private readonly budget: MemoryBudget,
    readonly kind: string,
  ) {}

  /** Sets the lease to `bytes`; shrinking always succeeds, growing only while the budget has room. */
  resize(bytes: number): boolean {
    if (this.released) return false;
    const want = Math.max(0, Math.ceil(bytes));
    if (want === this.size) return true;
    if (!this.budget.move(this.kind, want - this.size)) return false;
    this.size = want;
    return true;
  }

  /** Gives the lease back (idempotent); a released lease never grows again. */
  release(): void {
    if (this.released) return;
    this.budget.move(this.kind, -this.size);
    this.size = 0;
    this.released = true;
  }
}

export class MemoryBudget {
  private used = 0;
  private peak = 0;
  private refusals = 0;
  private readonly kinds = new Map<string, number>();

  constructor(readonly limit: number = DEFAULT_MEMORY_BUDGET) {
    if (!Number.isFinite(limit) || limit <= 0) throw new RangeError(`memory budget must be a positive number of bytes, not ${limit}`);
  }

  get usedBytes(): number {
    return this.used;
  }

  get freeBytes(): number {
    return Math.max(0, this.limit - this.used);
  }

  /** A lease of 0 bytes; or, with `bytes`, one of that size, or null when the budget has no room. */
  lease(kind: string, bytes = 0): Lease | null {
    const l = new Lease(this, kind);
    return l.resize(bytes) ? l : null;
  }

  /** Lease bookkeeping: adds `delta` bytes for `kind` if they fit (negative deltas always do). */
  move(kind: string, delta: number): boolean {
    if (delta > 0 && this.used + delta > this.limit) {
      this.refusals++;
      return false;
    }
    this.used += delta;
    if (this.used > this.peak) this.peak = this.used;
    const k = (this.kinds.get(kind) ?? 0) + delta;
    if (k === 0) this.kinds.delete(kind);
    else this.kinds.set(kind, k);
    return true;
  }

  /** The sentence a refusal carries: what was refused, the budget, and what to do. */
  spent(what: string): string {
    return `The server's memory budget of ${mib(this.limit)} is spent (${mib(this.used)} in use); ${what} was refused. Close some connections, or start the server with a larger --memory-budget.`;
  }

  snapshot(): BudgetSnapshot {
    return { budgetBytes: this.limit, usedBytes: this.used, peakBytes: this.peak, byKind: Object.fromEntries(this.kinds), refused: this.refusals };
  }
}

/**
 * Parses a --memory-budget value: a number of MiB ("256"), or with a unit ("512M", "1G", "1.5GiB").
 * Returns bytes, or throws a RangeError with the reason.
 */
export function parseMemoryBudget(raw: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(k|kb|kib|m|mb|mib|g|gb|gib)?\s*$/i.exec(raw);
  if (!m) throw new RangeError(`--memory-budget must be a size such as 256 (MiB), 512M or 1G, not "${raw.slice(0, 40)}"`);
  const unit = (m[2] ?? 'm')[0].toLowerCase();
  const bytes = Math.round(Number(m[1]) * (unit === 'k' ? 1024 : unit === 'g' ? 1024 ** 3 : 1024 ** 2));
  if (bytes < MIN_MEMORY_BUDGET || bytes > MAX_MEMORY_BUDGET) {
    throw new RangeError(`--memory-budget must be from ${mib(MIN_MEMORY_BUDGET)} to ${mib(MAX_MEMORY_BUDGET)}, not ${mib(bytes)}`);
  }
  return bytes;
}
