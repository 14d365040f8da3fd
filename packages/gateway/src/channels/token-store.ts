/** What a token opens: a client ID, in one generation of its channel, until a time. */
export interface TokenRecord {
  readonly clientId: string;
  /** The channel generation the token was issued in; deleting the channel starts a new one, revoking it. */
  readonly generation: string;
  /** Milliseconds since the Unix epoch. */
  readonly expiresAt: number;
}

/**
 * Token hash → record. Stores hashes only, never tokens.
 * Records stay findable for `EXPIRED_TOKEN_RETENTION_MS` after they expire, so the gateway can answer
 * GAE's "Token+timed+out." rather than "Invalid+token."; after that they are forgotten (never kept forever).
 */
export interface TokenStore {
  save(tokenHash: string, record: TokenRecord): Promise<void>;
  /** The record, expired or not (callers compare expiresAt with their clock); undefined when unknown. */
  find(tokenHash: string): Promise<TokenRecord | undefined>;
  /** `find` for many hashes in one store round trip (a batch sent by token), answers in the same order. */
  findMany(tokenHashes: readonly string[]): Promise<Array<TokenRecord | undefined>>;
  close(): Promise<void>;
}

export const EXPIRED_TOKEN_RETENTION_MS = 60 * 60 * 1000;
