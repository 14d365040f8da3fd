import { describe, expect, it } from 'vitest';
import { AUTH_WINDOW_MS, FailedAuthThrottle } from '../../src/http/auth-throttle.js';
import { LogBudget } from '../../src/log-budget.js';

describe('failed API-key attempts per address', () => {
  it('refuses an address that reached the limit until its minute is over, others unaffected', () => {
    const throttle = new FailedAuthThrottle(3);
    expect(throttle.recordFailure('a', 0)).toEqual({ throttledNow: false, failures: 1 });
    throttle.recordFailure('a', 10);
    expect(throttle.retryAfterSeconds('a', 20)).toBeUndefined();
    expect(throttle.recordFailure('a', 1_000)).toEqual({ throttledNow: true, failures: 3 });
    expect(throttle.retryAfterSeconds('a', 1_000)).toBe(59);
    expect(throttle.retryAfterSeconds('b', 1_000)).toBeUndefined();
    expect(throttle.retryAfterSeconds('a', AUTH_WINDOW_MS - 1)).toBe(1);
    expect(throttle.retryAfterSeconds('a', AUTH_WINDOW_MS)).toBeUndefined();
  });

  it('is off with a limit of 0', () => {
    const throttle = new FailedAuthThrottle(0);
    for (let i = 0; i < 100; i++) throttle.recordFailure('a', i);
    expect(throttle.retryAfterSeconds('a', 100)).toBeUndefined();
    expect(throttle.size).toBe(0);
  });

  it('keeps memory bounded: past windows are forgotten and the table is capped', () => {
    const throttle = new FailedAuthThrottle(5);
    for (let i = 0; i < 1_000; i++) throttle.recordFailure(`old-${i}`, 0);
    throttle.recordFailure('new', AUTH_WINDOW_MS);
    expect(throttle.size).toBe(1);
    for (let i = 0; i < 150_000; i++) throttle.recordFailure(`flood-${i}`, AUTH_WINDOW_MS + 1);
    expect(throttle.size).toBe(100_000);
  });
});

describe('log budget', () => {
  it('lets a few lines a second through and reports how many it dropped', () => {
    let now = 0;
    const budget = new LogBudget(2, () => now);
    expect(budget.take()).toEqual({ suppressed: 0 });
    expect(budget.take()).toEqual({ suppressed: 0 });
    expect(budget.take()).toBeUndefined();
    expect(budget.take()).toBeUndefined();
    now = 1_000;
    expect(budget.take()).toEqual({ suppressed: 2 });
  });
});
