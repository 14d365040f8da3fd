/**
 * Releasing closed sockets when the store cannot be reached: the retry queue is bounded, and a release
 * pushed out of it is counted (cg_release_drops_total), never dropped silently. The store is a real
 * RedisChannelStore pointed at a port nothing listens on.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { redisKeys } from '@channel-gateway/protocol';
import { getFreePort } from '../../../../test/support/index.js';
import { RedisChannelStore } from '../../src/channels/channel-store-redis.js';
import { systemClock } from '../../src/clock.js';
import { createLogger } from '../../src/logger.js';
import { GatewayMetrics } from '../../src/ops/metrics.js';
import { MemoryNodeLiveness } from '../../src/presence/node-liveness-memory.js';
import { Connection } from '../../src/sockets/connection.js';
import { ConnectionRegistry } from '../../src/sockets/connection-registry.js';
import { OwnershipRelease } from '../../src/sockets/ownership-release.js';
import { DEFAULT_TEST_LIMITS, DEFAULT_TEST_PRESENCE } from '../support/store-fixtures.js';

/** A socket that attached in epoch e1, delivered up to `lastSeq`, and closed. */
function closedSocket(id: string, clientId: string, lastSeq: number): Connection {
  const connection = new Connection(id, 1_000_000, '127.0.0.1');
  connection.opened({ send: () => 'sent', bufferedAmount: () => 0, end: () => undefined, cork: (writes) => writes() });
  connection.beginHello();
  connection.identify(clientId, Date.now() + 60_000);
  connection.attachedFrom(lastSeq + 1);
  connection.ownsClient('e1');
  expect(connection.transportClosed().owner).toBe(true);
  return connection;
}

describe('OwnershipRelease with the store unreachable', () => {
  let redis: Redis | undefined;
  afterEach(() => redis?.disconnect());

  it('keeps failed releases for retry up to its bound, and counts each one it had to give up', async () => {
    redis = new Redis(`redis://127.0.0.1:${await getFreePort()}`, { enableOfflineQueue: false, lazyConnect: true, retryStrategy: () => null });
    const metrics = new GatewayMetrics({ defaultMetrics: false });
    const registry = new ConnectionRegistry(metrics);
    const release = new OwnershipRelease(
      {
        nodeId: 'node-a',
        channels: new RedisChannelStore(redis, redisKeys('t:'), DEFAULT_TEST_LIMITS, DEFAULT_TEST_PRESENCE),
        liveness: new MemoryNodeLiveness(),
        registry,
        clock: systemClock,
        metrics,
        logger: createLogger('silent', 'node-a'),
      },
      2,
    );
    for (const [index, clientId] of ['c1', 'c2', 'c3'].entries()) release.release(closedSocket(`k${index}`, clientId, index + 10));
    await release.settle();

    expect(release.pending).toBe(2);
    expect((await metrics.detachesPending.get()).values[0]?.value).toBe(2);
    expect((await metrics.releaseDrops.get()).values[0]?.value).toBe(1);
    // The oldest was given up; the others are still known, so a takeover can still be answered for them.
    expect(release.deliveredSeq('k0')).toBeUndefined();
    expect(release.deliveredSeq('k2', 'e1')).toBe(12);
    expect(release.deliveredSeq('k2', 'another epoch')).toBeUndefined();

    release.retryQueued();
    await release.settle();
    expect(release.pending).toBe(2);
    expect((await metrics.releaseDrops.get()).values[0]?.value).toBe(1);
  });
});
