import type { PresenceWebhookEvent } from '@channel-gateway/protocol';

/** The wire name of a presence event (@channel-gateway/protocol). */
export type PresenceEvent = PresenceWebhookEvent;

export interface WebhookJob {
  readonly id: string;
  readonly event: PresenceEvent;
  readonly clientId: string;
  /** When the event happened (ms since the Unix epoch). */
  readonly firstAt: number;
  /** Delivery attempts made so far. */
  readonly attempts: number;
}

/**
 * Presence webhooks waiting for delivery, kept outside any node's memory (in Redis when configured), so
 * any live node may deliver them and a node's death loses none. Jobs are added atomically with the
 * presence change that causes them (by the ChannelStore); this interface is the delivery side.
 * At least once: a claimed job that is neither completed nor rescheduled comes back after its lease.
 */
export interface WebhookOutbox {
  /** Takes up to `limit` due jobs and hides them from other claimers until `leaseUntil`. */
  claimDue(now: number, limit: number, leaseUntil: number): Promise<WebhookJob[]>;
  /** The app answered 2xx (or the job is given up): forget it. */
  complete(id: string): Promise<void>;
  /** Try again at `at`, with the attempt counted. */
  reschedule(job: WebhookJob, at: number): Promise<void>;
  /** Jobs waiting (for the backlog metric). */
  backlog(): Promise<number>;
}

/** `<attempts> <firstAt> <event> <clientId>`: the Redis encoding, shared with webhook-outbox.lua. */
export function encodeJob(job: Omit<WebhookJob, 'id'>): string {
  return `${job.attempts} ${job.firstAt} ${job.event} ${job.clientId}`;
}

export function decodeJob(id: string, value: string): WebhookJob | undefined {
  const [attempts, firstAt, event] = value.split(' ', 3);
  const prefix = `${attempts} ${firstAt} ${event} `;
  if (event !== 'connected' && event !== 'disconnected') return undefined;
  return { id, event, clientId: value.slice(prefix.length), firstAt: Number(firstAt), attempts: Number(attempts) };
}
