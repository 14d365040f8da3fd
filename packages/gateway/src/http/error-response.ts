import { ApiErrorCode } from '@channel-gateway/protocol';
import { IdempotencyKeyReusedError } from '../channels/idempotency.js';
import { HttpApiError } from './api-error.js';

/**
 * The answer for an error thrown while serving the API, the same for Hono routes and native routes:
 * its own status for an HttpApiError; 409 for an idempotency key reused for another send; 503 when the stores cannot be reached (Redis down); 500 otherwise
 * (a bug: the caller logs it).
 */
export function errorResponse(error: unknown, storesReachable: boolean): { status: number; body: unknown; unexpected: boolean } {
  if (error instanceof HttpApiError) return { status: error.status, body: error.toBody(), unexpected: false };
  if (error instanceof IdempotencyKeyReusedError) return { status: 409, body: { error: error.apiError }, unexpected: false };
  if (!storesReachable) {
    return { status: 503, body: new HttpApiError(503, ApiErrorCode.UNAVAILABLE, 'the gateway cannot reach Redis; try again').toBody(), unexpected: false };
  }
  return { status: 500, body: { error: { code: ApiErrorCode.INTERNAL, message: 'internal error' } }, unexpected: true };
}
