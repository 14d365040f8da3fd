import type { Redis } from 'ioredis';
import type { RedisKeys } from '@channel-gateway/protocol';
import { defineScript, type ScriptCall } from '../stores/redis-scripts.js';
import { decodeJob, encodeJob, type WebhookJob, type WebhookOutbox } from './webhook-outbox.js';

/** Jobs in a hash, their next attempt times in a sorted set; claiming moves a job's time to its lease end. */
export class RedisWebhookOutbox implements WebhookOutbox {
  private readonly claim: ScriptCall;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {
    this.claim = defineScript(redis, 'cgClaimWebhooks', 'claim-webhooks.lua', 2);
  }

  async claimDue(now: number, limit: number, leaseUntil: number): Promise<WebhookJob[]> {
    const reply = (await this.claim(this.keys.webhookDue(), this.keys.webhookJobs(), now, limit, leaseUntil)) as string[];
    const jobs: WebhookJob[] = [];
    for (let i = 0; i + 1 < reply.length; i += 2) {
      const job = decodeJob(reply[i]!, reply[i + 1]!);
      if (job) jobs.push(job);
    }
    return jobs;
  }

  async complete(id: string): Promise<void> {
    await this.redis.multi().zrem(this.keys.webhookDue(), id).hdel(this.keys.webhookJobs(), id).exec();
  }

  async reschedule(job: WebhookJob, at: number): Promise<void> {
    const value = encodeJob({ ...job, attempts: job.attempts + 1 });
    await this.redis.multi().hset(this.keys.webhookJobs(), job.id, value).zadd(this.keys.webhookDue(), at, job.id).exec();
  }

  async backlog(): Promise<number> {
    return this.redis.zcard(this.keys.webhookDue());
  }
}
