import type { InboxHandler, InboxMessage, NodeInbox } from './node-inbox.js';

/**
 * In-process routing for a single node (or several nodes in one process sharing a hub).
 * Delivery is asynchronous, as over pub/sub, and in publish order.
 */
export class MemoryInboxHub {
  private readonly handlers = new Map<string, (message: InboxMessage) => void>();

  publish(nodeId: string, message: InboxMessage): boolean {
    const handler = this.handlers.get(nodeId);
    if (!handler) return false;
    queueMicrotask(() => handler(message));
    return true;
  }

  register(nodeId: string, handler: (message: InboxMessage) => void): void {
    this.handlers.set(nodeId, handler);
  }

  unregister(nodeId: string): void {
    this.handlers.delete(nodeId);
  }
}

export class MemoryNodeInbox implements NodeInbox {
  private nodeId: string | undefined;

  constructor(private readonly hub: MemoryInboxHub) {}

  async publish(nodeId: string, message: InboxMessage): Promise<boolean> {
    return this.hub.publish(nodeId, message);
  }

  /** In process nothing interrupts the subscription: `onResubscribed` is never called. */
  async subscribe(nodeId: string, handler: InboxHandler): Promise<void> {
    this.nodeId = nodeId;
    this.hub.register(nodeId, (message) => handler.onMessage(message));
  }

  isLive(): boolean {
    return this.nodeId !== undefined;
  }

  async close(): Promise<void> {
    if (this.nodeId !== undefined) this.hub.unregister(this.nodeId);
    this.nodeId = undefined;
  }
}
