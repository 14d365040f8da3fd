import { ulid } from 'ulid';
import type { SendStatus } from '@channel-gateway/protocol';
import {
  expiredGap,
  planReplay,
  type AttachRequest,
  type AttachResult,
  type BufferLimits,
  type BufferedMessage,
  type ChannelInfo,
  type ChannelStore,
  type IdempotencyTag,
  type OutgoingMessage,
  type Owner,
  type SendResult,
  CHANNEL_LINGER_MS,
} from './channel-store.js';
import type { PresenceSettings, SettleResult } from '../presence/presence-store.js';
import { MemoryIdempotencyRecords } from './idempotency-records-memory.js';
import type { MemoryInboxHub } from './node-inbox-memory.js';
import type { MemoryWebhookOutbox } from '../presence/webhook-outbox-memory.js';

interface StoredMessage extends BufferedMessage {
  readonly sentAt: number;
}

interface MemoryChannel {
  generation: string;
  epoch: string;
  expiresAt: number;
  lastSeq: number;
  deliveredSeq: number;
  owner?: Owner & { connectedAt: number };
  buffer: StoredMessage[];
  bufferBytes: number;
  /** The app was told "connected" (and not yet "disconnected"). */
  reportedConnected: boolean;
}

/**
 * Single-node channel store: the same guarantees as the Redis one, in a Map. Expired channels are swept
 * once a minute so memory is bounded by live channels.
 */
export class MemoryChannelStore implements ChannelStore {
  private readonly channels = new Map<string, MemoryChannel>();
  /** Client ID → when its disconnected webhook becomes due. */
  private readonly pendingDisconnects = new Map<string, number>();
  private readonly sweeper: NodeJS.Timeout;
  readonly idempotency: MemoryIdempotencyRecords;

  constructor(
    private readonly hub: MemoryInboxHub,
    private readonly limits: BufferLimits,
    now: () => number,
    private readonly presence: PresenceSettings,
    private readonly outbox: MemoryWebhookOutbox,
  ) {
    this.idempotency = new MemoryIdempotencyRecords(limits.idempotencyTtlMs, limits.idempotencyMaxKeys);
    this.sweeper = setInterval(() => {
      const at = now();
      for (const [clientId, channel] of this.channels) if (channel.expiresAt + CHANNEL_LINGER_MS <= at) this.channels.delete(clientId);
    }, 60_000);
    this.sweeper.unref();
  }

  async open(clientId: string, expiresAt: number, now: number): Promise<string> {
    const existing = this.live(clientId, now);
    if (existing) {
      existing.expiresAt = Math.max(existing.expiresAt, expiresAt);
      return existing.generation;
    }
    const channel: MemoryChannel = {
      generation: ulid(),
      epoch: ulid(),
      expiresAt,
      lastSeq: 0,
      deliveredSeq: 0,
      buffer: [],
      bufferBytes: 0,
      reportedConnected: false,
    };
    this.channels.set(clientId, channel);
    return channel.generation;
  }

  private sendOne({ clientId, encodedData, generation }: OutgoingMessage, now: number): { status: SendStatus; seq?: number } {
    const channel = this.live(clientId, now);
    if (!channel || (generation !== undefined && channel.generation !== generation)) return { status: 'no_channel' };
    const seq = ++channel.lastSeq;
    channel.buffer.push({ seq, encodedData, sentAt: now });
    channel.bufferBytes += encodedData.length;
    this.trim(channel, now);
    if (channel.owner && this.hub.publish(channel.owner.nodeId, { kind: 'deliver', clientId, seq, encodedData })) {
      return { status: 'routed', seq };
    }
    return { status: 'queued', seq };
  }

  async sendMany(messages: ReadonlyArray<OutgoingMessage>, now: number): Promise<SendResult[]> {
    const results: SendResult[] = [];
    for (const message of messages) results.push(message.idempotency ? this.sendTagged(message, message.idempotency, now) : this.sendOne(message, now));
    return results;
  }

  /** Messages run one at a time, so the check, the send and remembering the key cannot interleave. */
  private sendTagged(message: OutgoingMessage, tag: IdempotencyTag, now: number): SendResult {
    const prior = this.idempotency.get(tag.key, now);
    if (prior) {
      if (prior.clientId !== message.clientId) return { status: 'key_reused', differs: 'client' };
      if (prior.fingerprint !== tag.fingerprint) return { status: 'key_reused', differs: 'message' };
      return prior.seq === undefined ? { status: prior.status, replayed: true } : { status: prior.status, seq: prior.seq, replayed: true };
    }
    const result = this.sendOne(message, now);
    this.idempotency.remember(tag.key, { clientId: message.clientId, fingerprint: tag.fingerprint, status: result.status, seq: result.seq }, now);
    return result;
  }

  async attach(request: AttachRequest): Promise<AttachResult> {
    const channel = this.channels.get(request.clientId);
    if (!channel || channel.generation !== request.generation) return { kind: 'invalid' };
    if (channel.expiresAt <= request.now) return { kind: 'expired' };
    const previous = channel.owner;
    channel.owner = { ...request.owner, connectedAt: request.now };
    this.trim(channel, request.now);
    const plan = planReplay(channel.epoch, channel.lastSeq, channel.deliveredSeq, request.resume);
    const replay = channel.buffer.filter((message) => message.seq >= plan.from).map(({ seq, encodedData }) => ({ seq, encodedData }));
    const gap = plan.gap ?? expiredGap(plan.from, channel.lastSeq, replay);
    const previousOwner = previous && !sameOwner(previous, request.owner) ? { nodeId: previous.nodeId, connectionId: previous.connectionId } : undefined;
    let presence: 'connected' | 'dropped' | undefined;
    if (this.presence.webhooks) {
      this.pendingDisconnects.delete(request.clientId);
      if (!channel.reportedConnected) {
        channel.reportedConnected = true;
        presence = this.outbox.add('connected', request.clientId, request.now) ? 'connected' : 'dropped';
      }
    }
    return {
      kind: 'attached',
      epoch: channel.epoch,
      replayFrom: plan.from,
      lastSeq: channel.lastSeq,
      replay,
      ...(gap ? { gap } : {}),
      ...(previousOwner ? { previousOwner } : {}),
      ...(presence ? { presence } : {}),
    };
  }

  async detach(clientId: string, owner: Owner, epoch: string, deliveredSeq: number, now: number): Promise<boolean> {
    const channel = this.channels.get(clientId);
    if (!channel || channel.epoch !== epoch) return false;
    channel.deliveredSeq = Math.max(channel.deliveredSeq, deliveredSeq);
    if (!channel.owner || !sameOwner(channel.owner, owner)) return false;
    delete channel.owner;
    if (channel.reportedConnected) this.pendingDisconnects.set(clientId, now + this.presence.graceMs);
    return true;
  }

  async settleDisconnects(now: number, limit: number): Promise<SettleResult> {
    const result = { due: 0, queued: 0, dropped: 0 };
    for (const [clientId, dueAt] of this.pendingDisconnects) {
      if (result.due >= limit) break;
      if (dueAt > now) continue;
      result.due++;
      this.pendingDisconnects.delete(clientId);
      const channel = this.channels.get(clientId);
      if (!channel || channel.owner || !channel.reportedConnected) continue;
      channel.reportedConnected = false;
      if (this.outbox.add('disconnected', clientId, now)) result.queued++;
      else result.dropped++;
    }
    return result;
  }

  async releaseDeadOwner(nodeId: string, clientIds: readonly string[], now: number): Promise<number> {
    let released = 0;
    for (const clientId of clientIds) {
      const channel = this.channels.get(clientId);
      if (!channel?.owner || channel.owner.nodeId !== nodeId) continue;
      delete channel.owner;
      released++;
      if (channel.reportedConnected) this.pendingDisconnects.set(clientId, now);
    }
    return released;
  }

  async info(clientId: string, now: number): Promise<ChannelInfo | undefined> {
    const channel = this.live(clientId, now);
    if (!channel) return undefined;
    return { clientId, expiresAt: channel.expiresAt, generation: channel.generation, ...(channel.owner ? { owner: { ...channel.owner } } : {}) };
  }

  async delete(clientId: string, now: number): Promise<boolean> {
    const lingering = this.channels.get(clientId);
    const channel = this.live(clientId, now);
    this.channels.delete(clientId);
    this.pendingDisconnects.delete(clientId);
    // The socket is about to be closed and its detach will find no channel: report the disconnect now.
    if (lingering?.reportedConnected) this.outbox.add('disconnected', clientId, now);
    if (!channel) return false;
    if (channel.owner) this.hub.publish(channel.owner.nodeId, { kind: 'revoked', clientId, connectionId: channel.owner.connectionId });
    return true;
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
  }

  private live(clientId: string, now: number): MemoryChannel | undefined {
    const channel = this.channels.get(clientId);
    return channel && channel.expiresAt > now ? channel : undefined;
  }

  /** Drops the oldest messages beyond the count, byte and age limits, always keeping the newest one. */
  private trim(channel: MemoryChannel, now: number): void {
    const cutoff = now - this.limits.ttlMs;
    let drop = 0;
    let bytes = channel.bufferBytes;
    let count = channel.buffer.length;
    while (count > 1) {
      const oldest = channel.buffer[drop]!;
      if (count <= this.limits.maxMessages && bytes <= this.limits.maxBytes && oldest.sentAt >= cutoff) break;
      bytes -= oldest.encodedData.length;
      drop++;
      count--;
    }
    if (drop > 0) {
      channel.buffer.splice(0, drop);
      channel.bufferBytes = bytes;
    }
  }
}

function sameOwner(a: Owner, b: Owner): boolean {
  return a.nodeId === b.nodeId && a.connectionId === b.connectionId;
}
