/**
 * Failed API-key attempts per client address (issue 12 item 7): past `limit` failures within a minute the
 * address is refused with 429 until that minute is over, whatever key it presents (checking the key
 * meanwhile would let a correct guess through at full speed). Memory is bounded: entries of past windows
 * are dropped, and the table is capped.
 */
export const AUTH_WINDOW_MS = 60_000;
const MAX_TRACKED_ADDRESSES = 100_000;

interface Window {
  startedAt: number;
  failures: number;
}

export interface AuthFailure {
  /** True when this failure reached the limit (the address is refused from now on). */
  throttledNow: boolean;
  /** Failures of this address in the current window, this one included. */
  failures: number;
}

export class FailedAuthThrottle {
  // Insertion order is window start order (an entry is re-inserted when its window starts over).
  private readonly windows = new Map<string, Window>();

  /** `limit` 0 turns the throttle off. */
  constructor(private readonly limit: number) {}

  /** Seconds until `address` may try again, or undefined when it may try now. */
  retryAfterSeconds(address: string, now: number): number | undefined {
    if (this.limit === 0) return undefined;
    const window = this.windows.get(address);
    if (!window || now - window.startedAt >= AUTH_WINDOW_MS || window.failures < this.limit) return undefined;
    return Math.max(1, Math.ceil((window.startedAt + AUTH_WINDOW_MS - now) / 1000));
  }

  recordFailure(address: string, now: number): AuthFailure {
    if (this.limit === 0) return { throttledNow: false, failures: 0 };
    this.forgetPast(now);
    let window = this.windows.get(address);
    if (!window || now - window.startedAt >= AUTH_WINDOW_MS) {
      this.windows.delete(address);
      if (this.windows.size >= MAX_TRACKED_ADDRESSES) this.windows.delete(this.windows.keys().next().value!);
      window = { startedAt: now, failures: 0 };
      this.windows.set(address, window);
    }
    window.failures++;
    return { throttledNow: window.failures === this.limit, failures: window.failures };
  }

  /** Addresses tracked now (for tests of the bound). */
  get size(): number {
    return this.windows.size;
  }

  private forgetPast(now: number): void {
    for (const [address, window] of this.windows) {
      if (now - window.startedAt < AUTH_WINDOW_MS) return; // the rest started later
      this.windows.delete(address);
    }
  }
}
