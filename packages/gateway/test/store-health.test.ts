/**
 * The store health (issue 12 items 4 and 6) against a real redis-server: a node still connecting at
 * start-up is not ready but logs no outage; a Redis that goes away is one `redis unhealthy` line, and its
 * return one `redis healthy again`.
 */
import { afterEach, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { findRedisServer, getFreePort, spawnProcess, waitFor, type SpawnedProcess } from '../../../test/support/index.js';
import { RedisStoreHealth } from '../src/channels/store-health.js';

let redis: SpawnedProcess | undefined;
let client: Redis | undefined;
let health: RedisStoreHealth | undefined;
afterEach(async () => {
  health?.stop();
  client?.disconnect();
  await redis?.stop('SIGKILL');
});

it('logs no outage while first connecting, then one line when Redis goes away and one when it is back', async () => {
  const port = await getFreePort();
  const logs: Array<{ msg: string; reason?: string }> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
  client = new Redis(`redis://127.0.0.1:${port}`, { maxRetriesPerRequest: 1, commandTimeout: 500, retryStrategy: () => 100 });
  let refused = 0;
  client.on('error', () => refused++);
  health = new RedisStoreHealth(client, 'probe', logger);
  // Over a second of refused connections: at least one probe ran before Redis exists.
  await waitFor(() => refused >= 12, { what: 'a second of refused connections' });
  expect(health.unavailable()).toBe('unreachable');
  expect(logs.filter((entry) => entry.msg === 'redis unhealthy')).toEqual([]);

  const start = async () => {
    redis = spawnProcess(findRedisServer(), ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { name: 'redis-health' });
    await redis.waitForLine(/Ready to accept connections/, 10_000);
  };
  await start();
  await waitFor(() => health!.unavailable() === undefined && logs.length === 0 && refused > 0, { what: 'ready, silently' });

  await redis!.stop('SIGKILL');
  await waitFor(() => logs.some((entry) => entry.msg === 'redis unhealthy'), { what: 'the outage to be logged' });
  expect(health.unavailable()).toBe('unreachable');
  await start();
  await waitFor(() => logs.some((entry) => entry.msg === 'redis healthy again'), { timeoutMs: 10_000, what: 'the recovery to be logged' });
  expect(logs.filter((entry) => entry.msg === 'redis unhealthy').map((entry) => entry.reason)).toEqual(['redis unreachable']);
  expect(health.unavailable()).toBeUndefined();
});
