import type { Redis } from 'ioredis';
import type { RedisKeys } from '@channel-gateway/protocol';
import { decodeEnvelopes, encodeEnvelope } from './inbox-envelope.js';
import type { InboxHandler, InboxMessage, NodeInbox } from './node-inbox.js';

/**
 * One Redis pub/sub channel per node. The subscriber is a connection of its own (a subscribed
 * connection cannot run other commands); ioredis resubscribes by itself after a reconnect.
 */
export class RedisNodeInbox implements NodeInbox {
  private subscriber: Redis | undefined;
  private subscribed = false;
  private nodeId: string | undefined;
  private handler: InboxHandler | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    /** Called for every message that cannot be decoded and every subscriber error (both counted as Redis errors). */
    private readonly onUndecodable: (envelope: string) => void = () => {},
  ) {}

  async publish(nodeId: string, message: InboxMessage): Promise<boolean> {
    return (await this.redis.publish(this.keys.nodeInbox(nodeId), encodeEnvelope(message))) > 0;
  }

  async subscribe(nodeId: string, handler: InboxHandler): Promise<void> {
    // No command timeout here: a SUBSCRIBE that timed out while Redis was silent would leave the connection
    // up but unsubscribed, with no 'ready' to retry on. Readiness comes from the main connection's probe.
    const subscriber = this.redis.duplicate({ commandTimeout: undefined });
    this.subscriber = subscriber;
    this.nodeId = nodeId;
    this.handler = handler;
    const channel = this.keys.nodeInbox(nodeId);
    // Errors are the main connection's to report (it sees the same outage); without a listener ioredis prints them.
    subscriber.on('error', () => this.onUndecodable(''));
    subscriber.on('message', (from: string, envelope: string) => {
      if (from !== channel) return;
      const messages = decodeEnvelopes(envelope);
      if (!messages) return this.onUndecodable(envelope);
      for (const message of messages) handler.onMessage(message);
    });
    let interrupted = false;
    subscriber.on('close', () => {
      interrupted ||= this.subscribed;
      this.subscribed = false;
    });
    // After a reconnect ioredis replays SUBSCRIBE itself; subscribing again (a no-op for Redis) gives us
    // the moment the subscription is certainly back, after which a resumed socket misses nothing.
    const resubscribe = () =>
      subscriber.subscribe(channel).then(
        () => {
          if (subscriber !== this.subscriber) return; // closed meanwhile
          interrupted = false;
          this.subscribed = true;
          handler.onResubscribed();
        },
        () => undefined, // dropped again: the next 'ready' retries
      );
    subscriber.on('ready', () => {
      if (interrupted) void resubscribe();
    });
    try {
      await subscriber.subscribe(channel);
      this.subscribed = true;
    } catch {
      // Redis not reachable yet (a node started before its Redis): the first 'ready' subscribes, as after
      // an outage. Until then isLive() is false, so the node is not ready.
      interrupted = true;
      if (subscriber.status === 'ready') void resubscribe(); // it came up while the attempt was failing
    }
  }

  isLive(): boolean {
    return this.subscribed && this.subscriber?.status === 'ready';
  }

  /** This node's ID while its subscription is live: only then may sends to its own clients skip pub/sub. */
  liveNodeId(): string | undefined {
    return this.isLive() ? this.nodeId : undefined;
  }

  /** Messages for this node that did not need the pub/sub hop (see RedisChannelStore), to its handler. */
  deliverLocally(messages: readonly InboxMessage[]): void {
    for (const message of messages) this.handler?.onMessage(message);
  }

  async close(): Promise<void> {
    this.subscribed = false;
    this.handler = undefined;
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    await subscriber?.quit().catch(() => subscriber.disconnect());
  }
}
