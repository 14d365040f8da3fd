/**
 * Per-IP token bucket for new sockets. Idle entries are forgotten, and the table is capped, so a flood of
 * distinct addresses cannot grow memory without bound.
 */
const MAX_TRACKED_ADDRESSES = 100_000;

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export class ConnectRateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly burst: number;

  constructor(private readonly perSecond: number) {
    this.burst = perSecond * 2;
  }

  /** Takes one token for `address`; false when the address is over its rate. */
  allow(address: string, now: number): boolean {
    let bucket = this.buckets.get(address);
    if (!bucket) {
      if (this.buckets.size >= MAX_TRACKED_ADDRESSES) this.forgetIdle(now, true);
      bucket = { tokens: this.burst, updatedAt: now };
      this.buckets.set(address, bucket);
    } else {
      bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.perSecond);
      bucket.updatedAt = now;
    }
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** Drops full buckets (they behave exactly like absent ones); with `all`, drops everything if that frees nothing. */
  forgetIdle(now: number, all = false): void {
    for (const [address, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.perSecond >= this.burst) this.buckets.delete(address);
    }
    if (all && this.buckets.size >= MAX_TRACKED_ADDRESSES) this.buckets.clear();
  }
}
