/**
 * Redis key and channel names, in one place so every node (and any tool reading Redis) agrees.
 *
 * Keys of one client share a hash tag, so a Lua script can touch all of them in Redis Cluster.
 * See `clientTag` for how a client ID becomes that tag (injectively: two IDs never share a key).
 */
export interface RedisKeys {
  /** Hash: the client's channel (generation, stream epoch/seq, expiry, owner, presence); fields: `ChannelField`. */
  channel(clientId: string): string;
  /** Sorted set: the client's recent messages, scored by seq. */
  buffer(clientId: string): string;
  /** String: SHA-256 hex of a token → the client it opens and the channel generation it belongs to. */
  token(tokenHash: string): string;
  /** String: an idempotency key → the first send's status, seq, message fingerprint and client; expires. */
  idempotency(key: string): string;
  /** Pub/sub channel each node subscribes to: deliveries and control messages for sockets it holds. */
  nodeInbox(nodeId: string): string;
  /** Sorted set: client ID → time its disconnected webhook becomes due (after the grace window). */
  pendingDisconnects(): string;
  /** Sorted set: webhook job ID → time of its next delivery attempt. */
  webhookDue(): string;
  /** Hash: webhook job ID → `<attempts> <firstAt> <event> <clientId>`. */
  webhookJobs(): string;
  /** String counter for webhook job IDs. */
  webhookSeq(): string;
  /** Sorted set: node ID → time of its last heartbeat. */
  nodes(): string;
  /** Set: client IDs whose socket a node holds (what to release if the node dies). */
  nodeClients(nodeId: string): string;
  /** String lock: one surviving node at a time reaps a dead one. */
  reapLock(nodeId: string): string;
  /** String a node writes every second (with a short expiry) to learn whether Redis answers and accepts writes. */
  healthProbe(nodeId: string): string;
}

export function redisKeys(prefix: string): RedisKeys {
  if (/[{}]/.test(prefix)) throw new Error('Redis key prefix must not contain braces');
  return {
    channel: (clientId) => `${prefix}{${clientTag(clientId)}}:ch`,
    buffer: (clientId) => `${prefix}{${clientTag(clientId)}}:buf`,
    token: (tokenHash) => `${prefix}tok:${tokenHash}`,
    idempotency: (key) => `${prefix}idem:${key}`,
    nodeInbox: (nodeId) => `${prefix}node:${nodeId}`,
    pendingDisconnects: () => `${prefix}presence:pending`,
    webhookDue: () => `${prefix}wh:due`,
    webhookJobs: () => `${prefix}wh:jobs`,
    webhookSeq: () => `${prefix}wh:seq`,
    nodes: () => `${prefix}nodes`,
    nodeClients: (nodeId) => `${prefix}node:${nodeId}:clients`,
    reapLock: (nodeId) => `${prefix}node:${nodeId}:reap`,
    healthProbe: (nodeId) => `${prefix}node:${nodeId}:probe`,
  };
}

/**
 * The fields of a client's channel hash (`RedisKeys.channel`), the one list of them: the gateway's code
 * reads them by these names, and a unit test checks that its Lua scripts use no other field (and which
 * script touches which: docs/REDIS.md has the same table, also checked).
 */
export const ChannelField = {
  // The channel's lifetime.
  /** The channel generation its tokens were issued in; a new one after a delete or an expiry. */
  generation: 'gen',
  /** Latest expiry of its tokens (ms since the Unix epoch). */
  expiresAt: 'exp',
  // Its message stream.
  /** The stream's epoch: a new one when the channel starts over, so old positions mean nothing. */
  epoch: 'epoch',
  /** The newest message's seq. */
  lastSeq: 'seq',
  /** The highest seq a socket of this client delivered (replay for a new socket starts after it). */
  deliveredSeq: 'dlv',
  // A summary of the buffer, so that a send trims only when a limit is passed.
  /** Messages in the buffer. */
  bufferCount: 'bn',
  /** Bytes of encoded data in the buffer. */
  bufferBytes: 'bb',
  /** When the oldest buffered message was sent (ms). */
  bufferOldestAt: 'bo',
  // Ownership and presence (presence/presence-store.ts).
  /** The socket that holds the client: `<nodeId> <connectionId>`; absent while none does. */
  owner: 'own',
  /** When that socket attached (ms). */
  connectedAt: 'cat',
  /** `c` while the app was told "connected" and not yet "disconnected" (presence webhooks). */
  presence: 'pst',
} as const;
export type ChannelField = (typeof ChannelField)[keyof typeof ChannelField];

const ENCODED = 'b64:';

/**
 * The hash tag of a client's keys. An ID is its own tag unless it could end the tag early (a brace) or
 * be mistaken for an encoded one (it starts with `b64:`); those are tagged `b64:` + base64url(UTF-8).
 * Injective: plain tags never start with `b64:`, encoded ones always do, and base64url is one-to-one
 * (client IDs are well-formed Unicode, so their UTF-8 is too). Tags are never empty and never hold a
 * brace, so Redis Cluster hashes every key of one client to one slot.
 *
 * Before issue 12, IDs starting with `b64:` were used as their own tag, so `{bob}` and `b64:e2JvYn0`
 * shared keys; only such IDs moved (plain IDs and IDs with braces keep their keys).
 */
export function clientTag(clientId: string): string {
  if (!clientId.startsWith(ENCODED) && !clientId.includes('{') && !clientId.includes('}')) return clientId;
  return ENCODED + base64url(clientId);
}

/** The client ID a tag stands for (the inverse of `clientTag`; for tools that read Redis). */
export function clientIdFromTag(tag: string): string {
  if (!tag.startsWith(ENCODED)) return tag;
  const binary = atob(tag.slice(ENCODED.length).replace(/-/g, '+').replace(/_/g, '/'));
  return new TextDecoder().decode(Uint8Array.from(binary, (char) => char.charCodeAt(0)));
}

function base64url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
