/** What one node tells another about sockets it holds. */
export type InboxMessage =
  /** A message for a client whose socket this node holds. */
  | { readonly kind: 'deliver'; readonly clientId: string; readonly seq: number; readonly encodedData: string }
  /** A newer socket took the client: close `connectionId` with REPLACED. */
  | { readonly kind: 'replaced'; readonly clientId: string; readonly connectionId: string }
  /**
   * Sent right after a `replaced` for the same socket (publish order keeps them in that order) when the newer
   * socket waits to hear how far the replaced one delivered: answer `to.nodeId` with a `handover` for
   * `to.connectionId`. A kind of its own so that a node that does not know it still closes the old socket.
   */
  | {
      readonly kind: 'ask-delivered';
      readonly clientId: string;
      readonly connectionId: string;
      readonly to: { readonly nodeId: string; readonly connectionId: string };
    }
  /**
   * The answer to an `ask-delivered`: the replaced socket delivered up to `deliveredSeq` (-1 when its node no
   * longer knows), so the newer socket `connectionId` replays only what comes after it.
   */
  | { readonly kind: 'handover'; readonly clientId: string; readonly connectionId: string; readonly deliveredSeq: number }
  /** The channel was deleted: close `connectionId` with INVALID_TOKEN. */
  | { readonly kind: 'revoked'; readonly clientId: string; readonly connectionId: string }
  /**
   * `POST /v1/refresh` reached another node, which checked the new token: expire `connectionId` at
   * `expiresAt` from now on, and answer `replyTo.nodeId` with a `refresh-answer` for `replyTo.requestId`.
   */
  | {
      readonly kind: 'refresh';
      readonly clientId: string;
      readonly connectionId: string;
      readonly expiresAt: number;
      readonly replyTo: { readonly nodeId: string; readonly requestId: string };
    }
  /** Whether the `refresh` `requestId` was applied (false: that connection is no longer open on the node). */
  | { readonly kind: 'refresh-answer'; readonly clientId: string; readonly requestId: string; readonly applied: boolean };

export interface InboxHandler {
  onMessage(message: InboxMessage): void;
  /**
   * The subscription was interrupted and is in place again: whatever was published to this node in
   * between is lost (and in the buffers), so live sockets must resume.
   */
  onResubscribed(): void;
}

/**
 * Routing between nodes: one inbox (one pub/sub subscription) per node, not one per client.
 * At most once: a message published while the node is not subscribed is lost, which is why every
 * `deliver` is also in the client's buffer and a reconnecting client replays from there.
 * Messages from one publisher to one node arrive in publish order.
 */
export interface NodeInbox {
  /** Sends to a node's inbox; resolves to whether some node was subscribed to receive it. */
  publish(nodeId: string, message: InboxMessage): Promise<boolean>;
  /**
   * Starts receiving this node's messages. Call once. Resolves once subscribed, or once the first attempt
   * failed (the store is unreachable): the subscription is then made as soon as it answers (isLive tells).
   */
  subscribe(nodeId: string, handler: InboxHandler): Promise<void>;
  /** True while the subscription is in place (part of /readyz). */
  isLive(): boolean;
  close(): Promise<void>;
}
