/** Unique names so tests sharing one Redis never see each other's keys. */
import { randomBytes } from 'node:crypto';

/** A fresh Redis key prefix such as `t3f9a1c2b7d:` (valid for CG_KEY_PREFIX: no braces, no spaces). */
export function uniqueKeyPrefix(label = 't'): string {
  return `${label}${randomBytes(5).toString('hex')}:`;
}

/** A fresh identifier (letters, digits, '-'), e.g. for node IDs. */
export function uniqueId(label = 'id'): string {
  return `${label}-${randomBytes(4).toString('hex')}`;
}
