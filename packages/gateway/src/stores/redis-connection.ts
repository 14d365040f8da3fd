/**
 * The one Redis connection every Redis store of a node shares (commands, scripts; the inbox subscribes on a
 * duplicate of it).
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { GatewayConfig } from '../config.js';

/** The Redis connection: one server by URL, or the master that Sentinel names (and follows over failovers). */
export function connectRedis(config: GatewayConfig): Redis {
  const options: RedisOptions = {
    // Commands issued in the same tick share one write.
    enableAutoPipelining: true,
    // Fail a command after one reconnect attempt, so the API answers 503 quickly while Redis is down.
    maxRetriesPerRequest: 1,
    connectionName: `cg:${config.nodeId}`,
    // A Redis that keeps its connection open but answers nothing (stopped, swapping) fails each command
    // after this, so the API answers 503 instead of hanging (issue 12).
    commandTimeout: config.redisCommandTimeoutMs,
  };
  if (!config.redisSentinels) return new Redis(config.redisUrl!, options);
  // The URL, if any, gives user, password, TLS and db; the sentinels give the address.
  return new Redis(config.redisUrl ?? 'redis://localhost', {
    ...options,
    sentinels: config.redisSentinels,
    name: config.redisSentinelMaster,
    // A sentinel that does not answer is skipped for the next one.
    sentinelCommandTimeout: config.redisCommandTimeoutMs,
    // Reconnect as soon as Sentinel announces a new master, rather than when a write fails.
    failoverDetector: true,
    // A write that reached a demoted master: reconnect (to the new one) and send it again. A replica refuses
    // a script before running it, so sending it again cannot apply it twice.
    reconnectOnError: (error) => (error.message.startsWith('READONLY') ? 2 : false),
  });
}
