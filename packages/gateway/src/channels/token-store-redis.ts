import type { Redis } from 'ioredis';
import type { RedisKeys } from '@channel-gateway/protocol';
import { EXPIRED_TOKEN_RETENTION_MS, type TokenRecord, type TokenStore } from './token-store.js';

/**
 * Tokens as Redis strings `<generation> <expiresAt> <clientId>` (client IDs have no control characters
 * but may contain spaces, so the client ID goes last). Redis forgets them after the retention window.
 */
export class RedisTokenStore implements TokenStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async save(tokenHash: string, record: TokenRecord): Promise<void> {
    const value = `${record.generation} ${record.expiresAt} ${record.clientId}`;
    await this.redis.set(this.keys.token(tokenHash), value, 'PXAT', record.expiresAt + EXPIRED_TOKEN_RETENTION_MS);
  }

  async find(tokenHash: string): Promise<TokenRecord | undefined> {
    return parseRecord(await this.redis.get(this.keys.token(tokenHash)));
  }

  async findMany(tokenHashes: readonly string[]): Promise<Array<TokenRecord | undefined>> {
    if (tokenHashes.length === 0) return [];
    // One MGET: token keys carry no hash tag, so this (like send-many.lua) assumes one Redis shard.
    const values = await this.redis.mget(tokenHashes.map((hash) => this.keys.token(hash)));
    return values.map(parseRecord);
  }

  async close(): Promise<void> {}
}

function parseRecord(value: string | null): TokenRecord | undefined {
  if (value === null) return undefined;
  const first = value.indexOf(' ');
  const second = value.indexOf(' ', first + 1);
  if (first < 0 || second < 0) return undefined;
  return {
    generation: value.slice(0, first),
    expiresAt: Number(value.slice(first + 1, second)),
    clientId: value.slice(second + 1),
  };
}
