// Reconnect delays: exponential backoff with full jitter (AWS Architecture Blog, "Exponential
// Backoff And Jitter"): the n-th retry in a row waits a uniformly random time in
// [0, min(cap, base × 2^n)). Full jitter spreads a crowd of clients that lost the same server at
// the same moment, so they do not all come back in the same millisecond. Pure: the random source
// is a parameter.

export interface BackoffPolicy {
  /** the ceiling of the first retry, ms */
  baseMs: number;
  /** no retry waits longer than this, ms */
  capMs: number;
  /** a connection that stays open this long resets the retry count, ms */
  stableMs: number;
}

export const DEFAULT_POLICY: BackoffPolicy = { baseMs: 500, capMs: 15_000, stableMs: 5_000 };

/** The largest delay retry number `retry` (0 = the first retry after a drop) may wait. */
export function backoffCeiling(retry: number, policy: BackoffPolicy): number {
  // 2 ** 60 overflows nothing in doubles, but keep the exponent small anyway
  return Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(retry, 30));
}

/** Full jitter: a delay in [0, ceiling). `random` returns [0, 1) like Math.random. */
export function fullJitterDelay(retry: number, policy: BackoffPolicy, random: () => number): number {
  const r = random();
  const unit = r < 0 ? 0 : r >= 1 ? 0.999999 : r;
  return Math.floor(unit * backoffCeiling(retry, policy));
}
