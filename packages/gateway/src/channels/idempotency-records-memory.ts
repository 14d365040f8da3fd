/**
 * The memory store's idempotency keys: a Map in insertion order. Every record lives for the same window,
 * so the oldest are always at the front and expiry is a walk from there (amortised O(1) per send).
 * Bounded: past `maxKeys` the oldest are forgotten before their window ends (counted in `forgotten`).
 */
import type { SendStatus } from '@channel-gateway/protocol';

export interface IdempotencyRecord {
  readonly clientId: string;
  readonly fingerprint: string;
  readonly status: SendStatus;
  readonly seq: number | undefined;
  readonly expiresAt: number;
}

export class MemoryIdempotencyRecords {
  private readonly records = new Map<string, IdempotencyRecord>();
  /** Keys dropped before their window ended because the map was full. */
  forgotten = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxKeys: number,
  ) {}

  get(key: string, now: number): IdempotencyRecord | undefined {
    this.expire(now);
    return this.records.get(key);
  }

  remember(key: string, record: Omit<IdempotencyRecord, 'expiresAt'>, now: number): void {
    this.records.delete(key);
    this.records.set(key, { ...record, expiresAt: now + this.ttlMs });
    while (this.records.size > this.maxKeys) {
      this.records.delete(this.records.keys().next().value!);
      this.forgotten++;
    }
  }

  get size(): number {
    return this.records.size;
  }

  private expire(now: number): void {
    for (const [key, record] of this.records) {
      if (record.expiresAt > now) return;
      this.records.delete(key);
    }
  }
}
