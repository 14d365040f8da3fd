/**
 * Vitest globalSetup: one Redis for the whole run (REDIS_URL, a container or a spawned redis-server; see
 * redis.ts), handed to test files as inject('redisUrl'), stopped at teardown.
 */
import type { TestProject } from 'vitest/node';
import { startRedis } from './redis.js';
import './provided-context.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const redis = await startRedis();
  process.stderr.write(`[global-setup] Redis (${redis.kind}) at ${redis.url}\n`);
  project.provide('redisUrl', redis.url);
  return async () => {
    await redis.stop();
  };
}
