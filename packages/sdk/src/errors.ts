import type { ApiErrorCodeValue } from '@channel-gateway/protocol';

/**
 * Codes a ChannelGatewayError can carry: the API's own codes, plus the failures that happen before an
 * answer exists. `string & {}` keeps codes from a newer gateway intact instead of mislabelling them,
 * while still letting editors suggest the known ones.
 */
export type ChannelGatewayErrorCode =
  | ApiErrorCodeValue
  /** The request never got an HTTP answer (DNS, refused, reset). */
  | 'network'
  /** No complete answer arrived within `timeoutMs` (an attempt) or `deadlineMs` (the call, retries included). The request may still have been processed. */
  | 'timeout'
  /** The server answered 2xx with a body that is not what the API promises (e.g. a proxy page). */
  | 'invalid_response'
  /** The caller's AbortSignal fired. The request may still have been processed. */
  | 'aborted'
  | (string & {});

export interface ChannelGatewayErrorOptions {
  code: ChannelGatewayErrorCode;
  /** HTTP status, when the gateway (or a proxy in front of it) answered. */
  status?: number | undefined;
  field?: string | undefined;
  cause?: unknown;
}

/**
 * The one error type the SDK throws, so callers need a single `instanceof` check whether the problem was
 * a bad argument (caught locally, nothing sent), an API error answer, a network failure or a timeout.
 */
export class ChannelGatewayError extends Error {
  override readonly name = 'ChannelGatewayError';
  readonly code: ChannelGatewayErrorCode;
  /** HTTP status of the answer; undefined when there was none (local validation, network, timeout). */
  readonly status: number | undefined;
  /** The request field at fault, as the API names it (`clientId`, `messages[3].message`), when known. */
  readonly field: string | undefined;

  constructor(message: string, options: ChannelGatewayErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.status = options.status;
    this.field = options.field;
  }
}

/** Argument rejected before any request: the same code and field names the gateway would have used. */
export function invalidField(field: string, problem: string): ChannelGatewayError {
  return new ChannelGatewayError(`${field} ${problem}`, { code: 'invalid_field', field });
}
