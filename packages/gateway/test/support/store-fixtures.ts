/**
 * Builds fresh store sets for contract tests: memory, or Redis with a unique key prefix per test.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import { redisKeys } from '@channel-gateway/protocol';
import type { BufferLimits, ChannelStore } from '../../src/channels/channel-store.js';
import type { PresenceSettings } from '../../src/presence/presence-store.js';
import { MemoryWebhookOutbox } from '../../src/presence/webhook-outbox-memory.js';
import { RedisWebhookOutbox } from '../../src/presence/webhook-outbox-redis.js';
import type { WebhookOutbox } from '../../src/presence/webhook-outbox.js';
import type { NodeLiveness } from '../../src/presence/node-liveness.js';
import { MemoryNodeLiveness } from '../../src/presence/node-liveness-memory.js';
import { RedisNodeLiveness } from '../../src/presence/node-liveness-redis.js';
import { MemoryChannelStore } from '../../src/channels/channel-store-memory.js';
import { RedisChannelStore } from '../../src/channels/channel-store-redis.js';
import type { NodeInbox } from '../../src/channels/node-inbox.js';
import { MemoryInboxHub, MemoryNodeInbox } from '../../src/channels/node-inbox-memory.js';
import { RedisNodeInbox } from '../../src/channels/node-inbox-redis.js';
import type { TokenStore } from '../../src/channels/token-store.js';
import { MemoryTokenStore } from '../../src/channels/token-store-memory.js';
import { RedisTokenStore } from '../../src/channels/token-store-redis.js';
import { OffsetClock } from '../../src/clock.js';

export interface StoreSet {
  channels: ChannelStore;
  tokens: TokenStore;
  outbox: WebhookOutbox;
  liveness: NodeLiveness;
  clock: OffsetClock;
  /** A new inbox handle (a node would have one each). */
  newInbox(): NodeInbox;
  /** The channel store as the node behind `inbox` runs it (on Redis it hands that node its own deliveries). */
  channelsAt(inbox: NodeInbox): ChannelStore;
  close(): Promise<void>;
}

export interface StoreOptions extends Partial<BufferLimits> {
  presence?: Partial<PresenceSettings>;
}

export type StoreSetFactory = (options?: StoreOptions) => Promise<StoreSet>;

export const DEFAULT_TEST_LIMITS: BufferLimits = {
  maxMessages: 100,
  maxBytes: 1_000_000,
  ttlMs: 300_000,
  idempotencyTtlMs: 300_000,
  idempotencyMaxKeys: 10_000,
};
export const DEFAULT_TEST_PRESENCE: PresenceSettings = { webhooks: true, graceMs: 5_000, maxBacklog: 1_000 };

function split(options: StoreOptions = {}): { limits: BufferLimits; presence: PresenceSettings } {
  const { presence, ...limits } = options;
  return { limits: { ...DEFAULT_TEST_LIMITS, ...limits }, presence: { ...DEFAULT_TEST_PRESENCE, ...presence } };
}

export const memoryStores: StoreSetFactory = async (options) => {
  const { limits, presence } = split(options);
  const hub = new MemoryInboxHub();
  const clock = new OffsetClock();
  const outbox = new MemoryWebhookOutbox(presence.maxBacklog);
  const channels = new MemoryChannelStore(hub, limits, () => clock.now(), presence, outbox);
  const tokens = new MemoryTokenStore(clock);
  const inboxes: NodeInbox[] = [];
  return {
    channels,
    tokens,
    outbox,
    liveness: new MemoryNodeLiveness(),
    clock,
    newInbox: () => {
      const inbox = new MemoryNodeInbox(hub);
      inboxes.push(inbox);
      return inbox;
    },
    channelsAt: () => channels,
    close: async () => {
      await Promise.all([channels.close(), tokens.close(), ...inboxes.map((inbox) => inbox.close())]);
    },
  };
};

/** Store sets on the Redis that `connect` opens (one connection per set), with a unique key prefix each. */
export function redisStoresOn(connect: () => Redis): StoreSetFactory {
  return (options) => redisStoreSet(connect(), options);
}

/** On the run's shared Redis (inject('redisUrl')). */
export const redisStores: StoreSetFactory = redisStoresOn(() => new Redis(inject('redisUrl'), { enableAutoPipelining: true }));

/** On the master that a sentinel names (found afresh for each set, as a node configured with CG_REDIS_SENTINELS does). */
export function sentinelStores(sentinel: () => { sentinelPort: number; masterName: string }): StoreSetFactory {
  return redisStoresOn(() => {
    const { sentinelPort, masterName } = sentinel();
    return new Redis({ sentinels: [{ host: '127.0.0.1', port: sentinelPort }], name: masterName, enableAutoPipelining: true });
  });
}

async function redisStoreSet(redis: Redis, options?: StoreOptions): Promise<StoreSet> {
  const { limits, presence } = split(options);
  const keys = redisKeys(`t${randomBytes(6).toString('hex')}:`);
  const channels = new RedisChannelStore(redis, keys, limits, presence);
  const tokens = new RedisTokenStore(redis, keys);
  const inboxes: NodeInbox[] = [];
  return {
    channels,
    tokens,
    outbox: new RedisWebhookOutbox(redis, keys),
    liveness: new RedisNodeLiveness(redis, keys),
    clock: new OffsetClock(),
    newInbox: () => {
      const inbox = new RedisNodeInbox(redis, keys);
      inboxes.push(inbox);
      return inbox;
    },
    channelsAt: (inbox) => new RedisChannelStore(redis, keys, limits, presence, inbox as RedisNodeInbox),
    close: async () => {
      await Promise.all(inboxes.map((inbox) => inbox.close()));
      await redis.quit();
    },
  };
}

/** Collects inbox messages and lets a test wait for the n-th one. */
export class InboxRecorder<T> {
  readonly received: T[] = [];
  private waiters: Array<{ count: number; resolve: () => void }> = [];

  resubscribed = 0;

  readonly handler = {
    onMessage: (message: T) => {
      this.received.push(message);
      this.waiters = this.waiters.filter((waiter) => (this.received.length >= waiter.count ? (waiter.resolve(), false) : true));
    },
    onResubscribed: () => {
      this.resubscribed++;
    },
  };

  async waitFor(count: number, timeoutMs = 5_000): Promise<T[]> {
    if (this.received.length >= count) return this.received;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`expected ${count} inbox messages, got ${this.received.length}`)), timeoutMs);
      this.waiters.push({ count, resolve: () => (clearTimeout(timer), resolve()) });
    });
    return this.received;
  }
}
