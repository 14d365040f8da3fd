import type { Redis } from 'ioredis';
import type { RedisKeys } from '@channel-gateway/protocol';
import type { NodeLiveness } from './node-liveness.js';

/** Heartbeats in a sorted set, each node's clients in a set of its own, a lock key per reap. */
export class RedisNodeLiveness implements NodeLiveness {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async heartbeat(nodeId: string, now: number): Promise<void> {
    await this.redis.zadd(this.keys.nodes(), now, nodeId);
  }

  async staleNodes(cutoff: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.nodes(), '-inf', `(${cutoff}`);
  }

  async liveCount(cutoff: number): Promise<number> {
    return this.redis.zcount(this.keys.nodes(), cutoff, '+inf');
  }

  async trackClient(nodeId: string, clientId: string): Promise<void> {
    await this.redis.sadd(this.keys.nodeClients(nodeId), clientId);
  }

  async untrackClient(nodeId: string, clientId: string): Promise<void> {
    await this.redis.srem(this.keys.nodeClients(nodeId), clientId);
  }

  async *clientsOf(nodeId: string): AsyncIterable<string[]> {
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.sscan(this.keys.nodeClients(nodeId), cursor, 'COUNT', 500);
      cursor = next;
      if (batch.length > 0) yield batch;
    } while (cursor !== '0');
  }

  async claimReap(nodeId: string, leaseMs: number): Promise<boolean> {
    return (await this.redis.set(this.keys.reapLock(nodeId), '1', 'PX', leaseMs, 'NX')) === 'OK';
  }

  async forget(nodeId: string): Promise<void> {
    await this.redis.multi().zrem(this.keys.nodes(), nodeId).del(this.keys.nodeClients(nodeId), this.keys.reapLock(nodeId)).exec();
  }
}
