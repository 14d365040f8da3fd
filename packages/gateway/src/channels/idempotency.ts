/**
 * Idempotent sends (issue 16): a sender may tag a message with a key so that a retry (after a timeout, a
 * cut connection, a 503) delivers nothing new. The stores remember, per key, the client, a fingerprint of
 * the message and the first send's status and seq (channel-store.ts, sendMany).
 */
import * as crypto from 'node:crypto';
import { ApiErrorCode, type ApiError } from '@channel-gateway/protocol';

/**
 * 128 bits of SHA-256 over the encoded message, enough to tell a different message from a retry, and
 * computed on the node so Redis (which every node shares) only compares strings.
 */
export function fingerprintOf(encodedData: string): string {
  return sha256(encodedData).slice(0, 22);
}

/** The one-shot crypto.hash (Node ≥ 20.12) costs a third of createHash on the send path; older Node falls back. */
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'base64url') => string }).hash;
const sha256 = oneShot
  ? (data: string) => oneShot('sha256', data, 'base64url')
  : (data: string) => crypto.createHash('sha256').update(data).digest('base64url');

/** The API error for a key that came back with another client or message; `field` names where the key was. */
export function keyReusedError(field: string, differs: 'client' | 'message'): ApiError {
  const first = differs === 'client' ? 'a different client' : 'a different message to this client';
  return { code: ApiErrorCode.IDEMPOTENCY_KEY_REUSED, message: `${field} was first used for ${first}; use a new key for a new message`, field };
}

/** Thrown by a single send whose key was reused: the API answers 409 with `error()`'s body. */
export class IdempotencyKeyReusedError extends Error {
  readonly apiError: ApiError;
  constructor(field: string, differs: 'client' | 'message') {
    const apiError = keyReusedError(field, differs);
    super(apiError.message);
    this.apiError = apiError;
  }
}
