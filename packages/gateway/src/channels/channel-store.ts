import type { GapFrame, SendStatus, StreamPosition } from '@channel-gateway/protocol';
import type { PresenceStore } from '../presence/presence-store.js';

/** The socket that holds a client: `<nodeId> <connectionId>`. Node IDs have no spaces. */
export interface Owner {
  readonly nodeId: string;
  readonly connectionId: string;
}

export interface ChannelInfo {
  readonly clientId: string;
  /** Latest expiry of the channel's tokens (ms since the Unix epoch). */
  readonly expiresAt: number;
  /** The generation its tokens must carry: a token of an earlier one was revoked (token refresh checks it). */
  readonly generation: string;
  readonly owner?: Owner & { readonly connectedAt: number };
}

/** A message kept in the client's buffer. `encodedData` is the message already JSON-encoded as a string literal. */
export interface BufferedMessage {
  readonly seq: number;
  readonly encodedData: string;
}

export interface BufferLimits {
  readonly maxMessages: number;
  readonly maxBytes: number;
  readonly ttlMs: number;
  /** How long an idempotency key is remembered (at least `ttlMs`, the replay buffer's lifetime). */
  readonly idempotencyTtlMs: number;
  /** Memory store only: most idempotency keys remembered; beyond it the oldest are forgotten early. */
  readonly idempotencyMaxKeys: number;
}

/** How long a channel's record outlives its expiry, so a socket closing at expiry still settles presence. */
export const CHANNEL_LINGER_MS = 60 * 60 * 1000;

export interface AttachRequest {
  readonly clientId: string;
  /** From the token; a mismatch means the channel was deleted since the token was issued. */
  readonly generation: string;
  readonly owner: Owner;
  readonly now: number;
  readonly resume?: StreamPosition;
}

export type AttachResult =
  | { readonly kind: 'invalid' }
  | { readonly kind: 'expired' }
  | {
      readonly kind: 'attached';
      readonly epoch: string;
      /** Replay starts at this seq: the socket has (or is not owed) everything before it. */
      readonly replayFrom: number;
      /** The client's newest seq when the socket attached: live messages continue from the next one. */
      readonly lastSeq: number;
      /** Messages to replay, in seq order. */
      readonly replay: readonly BufferedMessage[];
      /** Set when the client must be told that something could not be replayed. */
      readonly gap?: GapFrame;
      /** The socket this one replaced, if another one held the client. */
      readonly previousOwner?: Owner;
      /** Set when this attach changed presence: the connected webhook was queued, or dropped (outbox full). */
      readonly presence?: 'connected' | 'dropped';
    };

export interface OutgoingMessage {
  readonly clientId: string;
  /** The message already JSON-encoded as a string literal. */
  readonly encodedData: string;
  /**
   * Set for a send by token: the channel generation the token was issued in. The message goes out only
   * while the channel is still in that generation (`no_channel` once it was deleted, even if re-created),
   * checked in the same atomic step as the append, so a revoked token never delivers.
   */
  readonly generation?: string;
  /** Set when the sender gave an idempotency key (see ChannelStore.sendMany). */
  readonly idempotency?: IdempotencyTag;
}

/** An idempotency key and a fingerprint of the message's data (idempotency.ts), to tell a retry from a reuse. */
export interface IdempotencyTag {
  readonly key: string;
  readonly fingerprint: string;
}

export type SendResult =
  | {
      readonly status: SendStatus;
      /** Position given to the message (absent for `no_channel`). */
      readonly seq?: number;
      /** The key was seen before for this client and message: nothing was sent; status and seq are the first send's. */
      readonly replayed?: true;
    }
  | {
      /** The key was first used for another client or another message: nothing was sent. */
      readonly status: 'key_reused';
      readonly differs: 'client' | 'message';
    };

/**
 * A client's channel: lifetime and generation, its message stream (epoch, seq, buffer) and which socket
 * owns it. One store, because a send must append to the buffer, read the owner and publish to the owning
 * node atomically (one Redis round trip), and a socket must claim ownership and read the buffer atomically,
 * so that every message is either replayed or delivered live, never neither. Presence state lives here too
 * (presence/presence-store.ts says why).
 */
export interface ChannelStore extends PresenceStore {
  /** Creates the channel, or extends its lifetime to `expiresAt` if later. Returns the generation for new tokens. */
  open(clientId: string, expiresAt: number, now: number): Promise<string>;

  /**
   * For each message in order (so per-client order is the array's order): gives it the next seq of its
   * client, appends it to the buffer (trimmed to the limits, never below the newest message) and, when a
   * socket owns the client, publishes it to the owning node's inbox (a store serving that very node may
   * hand it to the node's inbox directly). On Redis: one script call, and one publish per other owning
   * node for the whole array. Per message: `routed` when a node received the publish (or took it directly),
   * `queued` when no socket (or no live node) holds the client, `no_channel` when the channel does not
   * exist, has expired, or is not in the message's `generation` (when it names one).
   *
   * Idempotency: a message whose key was already used (in an earlier call through any node, or earlier in
   * this array) within `idempotencyTtlMs` is not sent again; it is answered with the first send's status and
   * seq (`replayed`), or `key_reused` when that first send was for another client or another fingerprint.
   * The check, the send and remembering the key are one atomic step, so concurrent repeats send once.
   * The first send's status is remembered whatever it was, `no_channel` included.
   */
  sendMany(messages: ReadonlyArray<OutgoingMessage>, now: number): Promise<SendResult[]>;

  /**
   * Makes `owner` the client's socket (the newest wins) and returns the buffered messages it should get:
   * after `resume.seq` when the position is valid, otherwise after the last message a socket delivered.
   * Presence: cancels a pending disconnect (a reconnect inside the grace window), and queues the connected
   * webhook when the app was not told the client is connected.
   */
  attach(request: AttachRequest): Promise<AttachResult>;

  /**
   * The socket closed having delivered up to `deliveredSeq` in `epoch`. Releases ownership if `owner` still
   * holds it and returns whether it did (false when a newer socket had taken over). A release makes the
   * disconnect pending: it is reported after the grace window unless a socket comes back.
   */
  detach(clientId: string, owner: Owner, epoch: string, deliveredSeq: number, now: number): Promise<boolean>;

  /** The live channel, or undefined when there is none (never created, deleted or expired). */
  info(clientId: string, now: number): Promise<ChannelInfo | undefined>;

  /**
   * Deletes the channel and its buffer, revoking every token issued for it, and tells the owning node to
   * close the socket (reporting the client disconnected at once). Returns false when there was no live channel.
   */
  delete(clientId: string, now: number): Promise<boolean>;

  close(): Promise<void>;
}

/** Which messages a socket gets, and which gap it is told about, given where it stands. Shared by both stores. */
export function planReplay(epoch: string, lastSeq: number, deliveredSeq: number, resume: StreamPosition | undefined): { from: number; gap?: GapFrame } {
  if (!resume) return { from: deliveredSeq + 1 };
  if (resume.epoch !== epoch) return { from: deliveredSeq + 1, gap: { type: 'gap', reason: 'epoch' } };
  if (resume.seq > lastSeq) return { from: deliveredSeq + 1, gap: { type: 'gap', reason: 'position' } };
  return { from: resume.seq + 1 };
}

/** The gap between where replay should start and the oldest message still buffered, if any. */
export function expiredGap(from: number, lastSeq: number, replay: readonly BufferedMessage[]): GapFrame | undefined {
  if (from > lastSeq) return undefined;
  const oldest = replay[0]?.seq ?? lastSeq + 1;
  return oldest > from ? { type: 'gap', reason: 'expired', from, to: oldest - 1 } : undefined;
}
