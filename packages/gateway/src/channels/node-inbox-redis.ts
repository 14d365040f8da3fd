import type { Redis } from 'ioredis';
import type { RedisKeys } from '@channel-gateway/protocol';
import { decodeEnvelopes, encodeEnvelope } from './inbox-envelope.js';
import type { InboxMessage, NodeInbox } from './node-inbox.js';

/**
 * One Redis pub/sub channel per node. The subscriber is a connection of its own (a subscribed
 * connection cannot run other commands); ioredis resubscribes by itself after a reconnect.
 */
export class RedisNodeInbox implements NodeInbox {
  private subscriber: Redis | undefined;
  private subscribed = false;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    /** Called for every message that cannot be decoded and every subscriber error (both counted as Redis errors). */
    private readonly onUndecodable: (envelope: string) => void = () => {},
  ) {}

  async publish(nodeId: string, message: InboxMessage): Promise<boolean> {
    return (await this.redis.publish(this.keys.nodeInbox(nodeId), encodeEnvelope(message))) > 0;
  }

  async subscribe(nodeId: string, handler: (message: InboxMessage) => void): Promise<void> {
    const subscriber = this.redis.duplicate();
    this.subscriber = subscriber;
    const channel = this.keys.nodeInbox(nodeId);
    // Errors are the main connection's to report (it sees the same outage); without a listener ioredis prints them.
    subscriber.on('error', () => this.onUndecodable(''));
    subscriber.on('message', (from: string, envelope: string) => {
      if (from !== channel) return;
      const messages = decodeEnvelopes(envelope);
      if (!messages) return this.onUndecodable(envelope);
      for (const message of messages) handler(message);
    });
    // After a reconnect ioredis replays SUBSCRIBE; we are live again once it is ready.
    subscriber.on('ready', () => (this.subscribed = true));
    subscriber.on('close', () => (this.subscribed = false));
    await subscriber.subscribe(channel);
    this.subscribed = true;
  }

  isLive(): boolean {
    return this.subscribed && this.subscriber?.status === 'ready';
  }

  async close(): Promise<void> {
    this.subscribed = false;
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
  }
}
