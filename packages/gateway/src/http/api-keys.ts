import { createHash, timingSafeEqual } from 'node:crypto';

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
