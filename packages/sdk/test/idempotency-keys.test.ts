/**
 * Generated idempotency keys (validate.ts): every item of every coalesced batch carries one through the
 * JSON, the gateway and a Redis key, so they are short; they must still be valid keys and never repeat.
 */
import { describe, expect, it } from 'vitest';
import { idempotencyKeyProblem } from '@channel-gateway/protocol';
import { newIdempotencyKey } from '../src/validate.js';

describe('generated idempotency keys', () => {
  it('are short, valid and never repeat', () => {
    const keys = Array.from({ length: 100_000 }, () => newIdempotencyKey());
    expect(new Set(keys).size).toBe(keys.length);
    for (const key of [keys[0]!, keys[99_999]!]) {
      expect(idempotencyKeyProblem(key)).toBeUndefined();
      expect(key.length).toBeLessThanOrEqual(24);
    }
  });

  it('start with 96 random bits drawn for the process', () => {
    const [first, second] = [newIdempotencyKey(), newIdempotencyKey()];
    expect(first.slice(0, 16)).toBe(second.slice(0, 16));
    expect(first.slice(0, 16)).toMatch(/^[\w-]{16}$/);
  });
});
