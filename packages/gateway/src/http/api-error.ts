import { ApiErrorCode, type ApiError, type ApiErrorCodeValue } from '@channel-gateway/protocol';

/** An error the API answers with its own status and `{"error":{"code","message","field"?}}`. */
export class HttpApiError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 429 | 503,
    readonly code: ApiErrorCodeValue,
    message: string,
    readonly field?: string,
    /** Extra response headers, e.g. Retry-After. */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }

  toBody(): { error: ApiError } {
    return { error: { code: this.code, message: this.message, ...(this.field ? { field: this.field } : {}) } };
  }
}

export const invalidField = (field: string, message: string) => new HttpApiError(400, ApiErrorCode.INVALID_FIELD, `${field} ${message}`, field);
