import { describe, expect, it } from 'vitest';
import { MemoryIdempotencyRecords } from '../../src/channels/idempotency-records-memory.js';
import { channelStoreContract } from '../contracts/channel-store.contract.js';
import { nodeInboxContract } from '../contracts/node-inbox.contract.js';
import { presenceContract } from '../contracts/presence.contract.js';
import { tokenStoreContract } from '../contracts/token-store.contract.js';
import { memoryStores } from '../support/store-fixtures.js';

channelStoreContract('memory', memoryStores);
tokenStoreContract('memory', memoryStores);
nodeInboxContract('memory', memoryStores);
presenceContract('memory', memoryStores);

describe('memory idempotency keys', () => {
  it('forget the oldest keys first once the bound is reached, counting them', () => {
    const records = new MemoryIdempotencyRecords(60_000, 3);
    const now = 1_000;
    for (const key of ['a', 'b', 'c', 'd']) records.remember(key, { clientId: 'c', fingerprint: key, status: 'queued', seq: 1 }, now);
    expect(records.get('a', now)).toBeUndefined();
    expect(records.get('d', now)).toMatchObject({ fingerprint: 'd' });
    expect(records.size).toBe(3);
    expect(records.forgotten).toBe(1);
  });

  it('expire after the window, oldest first', () => {
    const records = new MemoryIdempotencyRecords(1_000, 100);
    records.remember('old', { clientId: 'c', fingerprint: 'x', status: 'routed', seq: 1 }, 0);
    records.remember('new', { clientId: 'c', fingerprint: 'y', status: 'routed', seq: 2 }, 500);
    expect(records.get('old', 999)).toBeDefined();
    expect(records.get('old', 1_000)).toBeUndefined();
    expect(records.get('new', 1_000)).toBeDefined();
    expect(records.size).toBe(1);
    expect(records.forgotten).toBe(0);
  });
});
