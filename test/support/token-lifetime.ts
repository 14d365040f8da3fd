/**
 * Tokens that expire in seconds, for tests of expiry and refresh against real gateway processes: the API
 * takes whole minutes (as GAE did), so a test rewrites the expiry in the token's own Redis record
 * (`<prefix>tok:<sha256>` = `<generation> <expiresAt> <clientId>`, channels/token-store-redis.ts). The
 * gateway reads that record at the hello and at a refresh, exactly as in production; nothing in the
 * gateway knows about tests.
 */
import { createHash } from 'node:crypto';
import { redisCommand } from './redis.js';

export interface TokenRecordLocation {
  /** CG_REDIS_URL of the nodes. */
  redisUrl: string;
  /** CG_KEY_PREFIX of the nodes. */
  keyPrefix: string;
}

/** Makes `token` expire at `expiresAt` (ms since the epoch); returns that time. */
export async function setTokenExpiry(where: TokenRecordLocation, token: string, expiresAt: number): Promise<number> {
  const key = `${where.keyPrefix}tok:${createHash('sha256').update(token).digest('hex')}`;
  const value = await redisCommand(where.redisUrl, 'GET', key);
  if (typeof value !== 'string') throw new Error(`no token record at ${key}`);
  const [generation, , ...clientId] = value.split(' ');
  // KEEPTTL: Redis forgets the record when it would have (an hour past the original expiry).
  await redisCommand(where.redisUrl, 'SET', key, `${generation} ${expiresAt} ${clientId.join(' ')}`, 'KEEPTTL');
  return expiresAt;
}

/** Makes `token` expire `lifetimeMs` from now. */
export function shortenToken(where: TokenRecordLocation, token: string, lifetimeMs: number): Promise<number> {
  return setTokenExpiry(where, token, Date.now() + lifetimeMs);
}
