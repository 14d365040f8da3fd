import { ApiErrorCode } from '@channel-gateway/protocol';
import { IdempotencyKeyReusedError } from '../channels/idempotency.js';
import { storeUnavailableBecause, type StoreUnavailable } from '../stores/store-health.js';
import { HttpApiError } from './api-error.js';

export interface ErrorAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** A bug: the caller logs it (with its stack). Store outages are not: the store health logs them once. */
  unexpected: boolean;
}

/** Seconds a client should wait before retrying, by cause (a full Redis needs an operator, so longer). */
const RETRY_AFTER_SECONDS: Record<StoreUnavailable, number> = { unreachable: 1, not_answering: 2, full: 5 };

const UNAVAILABLE_MESSAGE: Record<StoreUnavailable, string> = {
  unreachable: 'the gateway cannot reach Redis; try again',
  // A command that timed out may still run once Redis wakes up: the outcome of this request is unknown.
  not_answering: 'Redis did not answer in time; try again, with the same Idempotency-Key (a send may still have been applied)',
  full: 'Redis is out of memory (maxmemory) and refuses writes; try again later',
};

/**
 * The answer for an error thrown while serving the API, the same for Hono routes and native routes:
 * its own status for an HttpApiError; 409 for an idempotency key reused for another send; 503 with
 * Retry-After when the stores cannot serve (Redis down, silent or full); 500 otherwise (a bug: the
 * caller logs it).
 */
export function errorResponse(error: unknown, storesReachable: boolean): ErrorAnswer {
  if (error instanceof HttpApiError) return { status: error.status, body: error.toBody(), headers: error.headers, unexpected: false };
  if (error instanceof IdempotencyKeyReusedError) return { status: 409, body: { error: error.apiError }, unexpected: false };
  const reason = storeUnavailableBecause(error) ?? (storesReachable ? undefined : 'unreachable');
  if (reason) {
    const code = reason === 'full' ? ApiErrorCode.STORAGE_FULL : ApiErrorCode.UNAVAILABLE;
    return {
      status: 503,
      body: new HttpApiError(503, code, UNAVAILABLE_MESSAGE[reason]).toBody(),
      headers: { 'Retry-After': String(RETRY_AFTER_SECONDS[reason]) },
      unexpected: false,
    };
  }
  return { status: 500, body: { error: { code: ApiErrorCode.INTERNAL, message: 'internal error' } }, unexpected: true };
}
