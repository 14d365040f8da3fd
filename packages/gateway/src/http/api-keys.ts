import { createHash, timingSafeEqual } from 'node:crypto';
import { ApiErrorCode } from '@channel-gateway/protocol';
import { HttpApiError } from './api-error.js';

/** Compares API keys in constant time (via their SHA-256, so lengths do not leak either). */
export function apiKeyChecker(keys: readonly string[]): (candidate: string) => boolean {
  const digests = keys.map(digest);
  return (candidate) => {
    if (!candidate) return false;
    const given = digest(candidate);
    let ok = false;
    for (const known of digests) ok = timingSafeEqual(known, given) || ok;
    return ok;
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Checks an `Authorization` header; throws the 401 to answer when it does not carry a valid key. */
export function bearerAuthenticator(keys: readonly string[]): (authorization: string) => void {
  const isValidKey = apiKeyChecker(keys);
  return (authorization) => {
    const key = authorization.startsWith('Bearer ') ? authorization.slice(7).trim() : '';
    if (isValidKey(key)) return;
    throw new HttpApiError(401, ApiErrorCode.UNAUTHORIZED, authorization ? 'the API key is not valid' : 'missing Authorization: Bearer <api key>');
  };
}
