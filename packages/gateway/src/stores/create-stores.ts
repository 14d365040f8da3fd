/**
 * Picks the store implementations once, at start-up: Redis when CG_REDIS_URL is set, memory otherwise.
 */
import { redisKeys } from '@channel-gateway/protocol';
import type { Clock } from '../clock.js';
import type { GatewayConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { GatewayMetrics } from '../ops/metrics.js';
import type { BufferLimits, ChannelStore } from '../channels/channel-store.js';
import type { NodeLiveness } from '../presence/node-liveness.js';
import type { PresenceSettings } from '../presence/presence-store.js';
import { MemoryNodeLiveness } from '../presence/node-liveness-memory.js';
import { RedisNodeLiveness } from '../presence/node-liveness-redis.js';
import type { WebhookOutbox } from '../presence/webhook-outbox.js';
import { MemoryWebhookOutbox } from '../presence/webhook-outbox-memory.js';
import { RedisWebhookOutbox } from '../presence/webhook-outbox-redis.js';
import { MemoryChannelStore } from '../channels/channel-store-memory.js';
import { RedisChannelStore } from '../channels/channel-store-redis.js';
import type { NodeInbox } from '../channels/node-inbox.js';
import { MemoryInboxHub, MemoryNodeInbox } from '../channels/node-inbox-memory.js';
import { RedisNodeInbox } from '../channels/node-inbox-redis.js';
import type { TokenStore } from '../channels/token-store.js';
import { MemoryTokenStore } from '../channels/token-store-memory.js';
import { RedisTokenStore } from '../channels/token-store-redis.js';
import { connectRedis } from './redis-connection.js';
import { READABLE_REASON, RedisStoreHealth, type StoreHealth, type StoreUnavailable } from './store-health.js';

export interface Stores {
  readonly kind: 'memory' | 'redis';
  readonly tokens: TokenStore;
  readonly channels: ChannelStore;
  readonly inbox: NodeInbox;
  readonly liveness: NodeLiveness;
  readonly outbox: WebhookOutbox;
  /** True when the backing store answers and accepts writes (always, for memory). */
  isReachable(): boolean;
  /** Why the stores cannot serve now (for /readyz), or undefined. */
  notReadyBecause(): string | undefined;
  close(): Promise<void>;
}

export function bufferLimits(config: GatewayConfig): BufferLimits {
  return {
    maxMessages: config.buffer.maxMessages,
    maxBytes: config.buffer.maxBytes,
    ttlMs: config.buffer.ttlSeconds * 1000,
    idempotencyTtlMs: config.idempotency.ttlSeconds * 1000,
    idempotencyMaxKeys: config.idempotency.maxKeys,
  };
}

export function presenceSettings(config: GatewayConfig): PresenceSettings {
  return { webhooks: config.webhooks !== undefined, graceMs: config.presence.graceMs, maxBacklog: config.webhooks?.maxBacklog ?? 0 };
}

export function createMemoryStores(config: GatewayConfig, clock: Clock, hub = new MemoryInboxHub()): Stores {
  const tokens = new MemoryTokenStore(clock);
  const outbox = new MemoryWebhookOutbox(config.webhooks?.maxBacklog ?? 0);
  const channels = new MemoryChannelStore(hub, bufferLimits(config), () => clock.now(), presenceSettings(config), outbox);
  const inbox = new MemoryNodeInbox(hub);
  return {
    kind: 'memory',
    tokens,
    channels,
    inbox,
    liveness: new MemoryNodeLiveness(),
    outbox,
    isReachable: () => true,
    notReadyBecause: () => undefined,
    close: async () => {
      await Promise.all([tokens.close(), channels.close(), inbox.close()]);
    },
  };
}

export function createRedisStores(config: GatewayConfig, metrics: GatewayMetrics, logger: Logger): Stores {
  const redis = connectRedis(config);
  redis.on('error', (error: Error) => {
    metrics.redisErrors.inc();
    // An outage (or a Redis not up yet at start-up) gives an error per reconnect attempt while ioredis keeps
    // reconnecting by itself: the store health logs its start and its end once each; these only count.
    logger.debug({ err: error.message }, 'redis connection error');
  });
  const keys = redisKeys(config.keyPrefix);
  const tokens = new RedisTokenStore(redis, keys);
  const inbox = new RedisNodeInbox(redis, keys, () => metrics.redisErrors.inc());
  const channels = new RedisChannelStore(redis, keys, bufferLimits(config), presenceSettings(config), inbox);
  const health: StoreHealth = new RedisStoreHealth(redis, keys.healthProbe(config.nodeId), logger);
  const unavailable = (): StoreUnavailable | undefined => health.unavailable();
  return {
    kind: 'redis',
    tokens,
    channels,
    inbox,
    liveness: new RedisNodeLiveness(redis, keys),
    outbox: new RedisWebhookOutbox(redis, keys),
    isReachable: () => unavailable() === undefined,
    notReadyBecause: () => {
      const reason = unavailable();
      return reason && READABLE_REASON[reason];
    },
    close: async () => {
      health.stop();
      await inbox.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

export function createStores(config: GatewayConfig, clock: Clock, metrics: GatewayMetrics, logger: Logger): Stores {
  return config.redisUrl || config.redisSentinels ? createRedisStores(config, metrics, logger) : createMemoryStores(config, clock);
}
