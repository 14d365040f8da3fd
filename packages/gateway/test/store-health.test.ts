/**
 * The store health (issue 12 items 4 and 6) against a real redis-server: a node whose Redis is not there
 * at start-up is not ready and says so in one start-up line (issue 11: one clear line), not as an outage;
 * a Redis that goes away later is one `redis unhealthy` line, and its return one `redis healthy again`.
 */
import { afterEach, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { findRedisServer, getFreePort, spawnProcess, waitFor, type SpawnedProcess } from '../../../test/support/index.js';
import { RedisStoreHealth } from '../src/stores/store-health.js';

let redis: SpawnedProcess | undefined;
let client: Redis | undefined;
let health: RedisStoreHealth | undefined;
afterEach(async () => {
  health?.stop();
  client?.disconnect();
  await redis?.stop('SIGKILL');
});

it('logs one start-up line while Redis is not there yet, then one line when Redis goes away and one when it is back', async () => {
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
  await waitFor(() => logs.length > 0, { what: 'the start-up line' });
  expect(logs.map((entry) => entry.msg)).toEqual(['redis unavailable at start-up: not ready until it answers (retrying)']);

  const start = async () => {
    redis = spawnProcess(findRedisServer(), ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { name: 'redis-health' });
    await redis.waitForLine(/Ready to accept connections/, 10_000);
  };
  await start();
  await waitFor(() => health!.unavailable() === undefined && logs.length === 2, { what: 'ready' });
  expect(logs[1]!.msg).toBe('redis healthy');

  await redis!.stop('SIGKILL');
  await waitFor(() => logs.some((entry) => entry.msg === 'redis unhealthy'), { what: 'the outage to be logged' });
  expect(health.unavailable()).toBe('unreachable');
  await start();
  await waitFor(() => logs.some((entry) => entry.msg === 'redis healthy again'), { timeoutMs: 10_000, what: 'the recovery to be logged' });
  expect(logs.filter((entry) => entry.msg === 'redis unhealthy').map((entry) => entry.reason)).toEqual(['redis unreachable']);
  expect(health.unavailable()).toBeUndefined();
});
