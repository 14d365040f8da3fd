/**
 * Time as the gateway sees it. Token expiry is decided by this clock (not by Redis key TTLs), so a test
 * can move time forward to prove expiry without waiting minutes while the production path stays the same.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that runs with real time plus an offset the caller can push forward. */
export class OffsetClock implements Clock {
  private offsetMs = 0;
  now(): number {
    return Date.now() + this.offsetMs;
  }
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}
