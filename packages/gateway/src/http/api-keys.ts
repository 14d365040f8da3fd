import { createHash, timingSafeEqual } from 'node:crypto';
import { ApiErrorCode } from '@channel-gateway/protocol';
import { LogBudget } from '../log-budget.js';
import type { Logger } from '../logger.js';
import type { GatewayMetrics } from '../ops/metrics.js';
import { HttpApiError } from './api-error.js';
import { AUTH_WINDOW_MS, FailedAuthThrottle } from './auth-throttle.js';

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

/** What a refused key is logged as: the first 8 hex digits of its SHA-256 (never the key itself). */
export function keyFingerprint(key: string): string {
  return key ? digest(key).toString('hex').slice(0, 8) : 'none';
}

/** The client's address: the last X-Forwarded-For entry behind a trusted proxy (it appends), else the peer. */
export function clientAddress(remoteAddress: string, forwardedFor: string, trustProxy: boolean): string {
  if (trustProxy && forwardedFor) return forwardedFor.slice(forwardedFor.lastIndexOf(',') + 1).trim();
  return remoteAddress;
}

export interface ApiKeyGuardOptions {
  keys: readonly string[];
  /** Failed attempts per address and minute before it gets 429; 0: no throttle. */
  failuresPerMinute: number;
  trustProxy: boolean;
  logger: Logger;
  metrics: GatewayMetrics;
  now?: () => number;
}

/**
 * Authenticates `Authorization: Bearer <api key>` for every API route (Hono and native), with one
 * throttle of failed attempts per address shared by all of them.
 */
export class ApiKeyGuard {
  private readonly isValidKey: (candidate: string) => boolean;
  private readonly throttle: FailedAuthThrottle;
  private readonly logBudget = new LogBudget(10);
  private readonly now: () => number;

  constructor(private readonly options: ApiKeyGuardOptions) {
    this.isValidKey = apiKeyChecker(options.keys);
    this.throttle = new FailedAuthThrottle(options.failuresPerMinute);
    this.now = options.now ?? Date.now;
  }

  /** Throws the 401 or 429 to answer when the request may not use the API. */
  check(authorization: string, remoteAddress: string, forwardedFor: string): void {
    const address = clientAddress(remoteAddress, forwardedFor, this.options.trustProxy);
    const now = this.now();
    const retryAfter = this.throttle.retryAfterSeconds(address, now);
    if (retryAfter !== undefined) {
      this.options.metrics.authFailures.inc({ result: 'throttled' });
      throw new HttpApiError(429, ApiErrorCode.RATE_LIMITED, 'too many failed API-key attempts from this address; try again later', undefined, {
        'Retry-After': String(retryAfter),
      });
    }
    const key = authorization.startsWith('Bearer ') ? authorization.slice(7).trim() : '';
    if (this.isValidKey(key)) return;
    this.options.metrics.authFailures.inc({ result: 'refused' });
    const { throttledNow, failures } = this.throttle.recordFailure(address, now);
    const budget = this.logBudget.take();
    if (budget)
      this.options.logger.warn(
        { address, keyFingerprint: keyFingerprint(key), failures, ...(budget.suppressed ? { suppressed: budget.suppressed } : {}) },
        'api key refused',
      );
    // Always logged: once per address and window, so it cannot flood.
    if (throttledNow) this.options.logger.warn({ address, failures, forSeconds: AUTH_WINDOW_MS / 1000 }, 'api key attempts throttled');
    throw new HttpApiError(401, ApiErrorCode.UNAUTHORIZED, authorization ? 'the API key is not valid' : 'missing Authorization: Bearer <api key>');
  }
}
