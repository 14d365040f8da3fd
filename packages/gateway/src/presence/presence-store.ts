/**
 * What the presence path needs from where presence state lives. That state sits in each client's channel
 * record, beside its owner, because attaching and detaching a socket must change ownership and presence in
 * one atomic step; the channel stores (channels/channel-store-*.ts) implement this interface. On Redis: the
 * channel hash's `owner`, `connectedAt` and `presence` fields (`ChannelField`), the pending disconnects and
 * the webhook outbox, changed by attach, detach, release-dead-owner, settle-disconnect and delete.lua;
 * docs/REDIS.md ("Presence state") has the whole picture.
 */

/** How the store tracks presence for webhooks. */
export interface PresenceSettings {
  /** Whether presence webhooks are queued at all. */
  readonly webhooks: boolean;
  /** A socket gone for longer than this is reported disconnected. */
  readonly graceMs: number;
  /** Outbox limit; beyond it new webhooks are dropped (and reported so). */
  readonly maxBacklog: number;
}

export interface SettleResult {
  /** Disconnected webhooks queued. */
  readonly queued: number;
  /** Disconnected webhooks dropped because the outbox was full. */
  readonly dropped: number;
  /** Pending disconnects that came due (queued, dropped, or cancelled by a reconnect). */
  readonly due: number;
}

export interface PresenceStore {
  /** Turns up to `limit` pending disconnects that are due into disconnected webhooks (any node may call it). */
  settleDisconnects(now: number, limit: number): Promise<SettleResult>;

  /** Releases the clients that dead node `nodeId` still owns; their disconnects become due now. Returns how many. */
  releaseDeadOwner(nodeId: string, clientIds: readonly string[], now: number): Promise<number>;
}
