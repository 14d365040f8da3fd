import { randomBytes } from 'node:crypto';
import type { PresenceEvent, WebhookJob, WebhookOutbox } from './webhook-outbox.js';

/** Single-node outbox. Bounded: beyond `maxBacklog` jobs, new events are refused (and counted by the caller). */
export class MemoryWebhookOutbox implements WebhookOutbox {
  private readonly jobs = new Map<string, { job: WebhookJob; dueAt: number }>();
  private nextId = 1;
  /** Apps deduplicate on event IDs: a restarted node must not hand out the same ones again. */
  private readonly idPrefix = `m${randomBytes(6).toString('hex')}-`;

  constructor(private readonly maxBacklog: number) {}

  /** Adds a job; false when the backlog is full. Called by the memory ChannelStore. */
  add(event: PresenceEvent, clientId: string, now: number): boolean {
    if (this.jobs.size >= this.maxBacklog) return false;
    const id = this.idPrefix + String(this.nextId++);
    this.jobs.set(id, { job: { id, event, clientId, firstAt: now, attempts: 0 }, dueAt: now });
    return true;
  }

  async claimDue(now: number, limit: number, leaseUntil: number): Promise<WebhookJob[]> {
    const due = [...this.jobs.values()]
      .filter((entry) => entry.dueAt <= now)
      .sort((a, b) => a.dueAt - b.dueAt)
      .slice(0, limit);
    for (const entry of due) entry.dueAt = leaseUntil;
    return due.map((entry) => entry.job);
  }

  async complete(id: string): Promise<void> {
    this.jobs.delete(id);
  }

  async reschedule(job: WebhookJob, at: number): Promise<void> {
    if (!this.jobs.has(job.id)) return;
    this.jobs.set(job.id, { job: { ...job, attempts: job.attempts + 1 }, dueAt: at });
  }

  async backlog(): Promise<number> {
    return this.jobs.size;
  }
}
