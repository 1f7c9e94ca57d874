// A token bucket per remote address: `burst` attempts at once, refilled at `perSecond`.
// Buckets that are full again are forgotten, so the map stays as small as the set of busy clients.

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    readonly perSecond: number,
    readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Takes one token for this key; false when the key is over its rate. */
  take(key: string): boolean {
    const t = this.now();
    const bucket = this.buckets.get(key);
    let tokens = this.burst;
    if (bucket) tokens = Math.min(this.burst, bucket.tokens + ((t - bucket.at) / 1000) * this.perSecond);
    if (tokens < 1) {
      this.buckets.set(key, { tokens, at: t });
      return false;
    }
    this.buckets.set(key, { tokens: tokens - 1, at: t });
    if (this.buckets.size > 10_000) this.sweep(t);
    return true;
  }

  private sweep(t: number): void {
    for (const [key, b] of this.buckets) {
      if (b.tokens + ((t - b.at) / 1000) * this.perSecond >= this.burst) this.buckets.delete(key);
    }
  }
}
