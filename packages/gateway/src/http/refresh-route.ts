/**
 * `POST /v1/refresh {"token","connectionId"}`: a newer token for a live connection, sent by the page itself
 * (a stream has no client→server frames), to any node. No API key: the token is the credential, as in the
 * hello. The body is read whatever its Content-Type, so a page sends it as `text/plain` and needs no CORS
 * preflight; the answer carries CORS headers for the page's origin (when `CG_ALLOWED_ORIGINS` lets it in).
 *
 *   200 {"expiresAt"}   the connection now expires then (it also got a `refreshed` frame)
 *   401 invalid_token | token_expired;  409 not_owner (that connection does not hold the token's client);
 *   403 origin_rejected;  429 rate_limited;  503 unavailable (with Retry-After)
 */
import { ApiErrorCode } from '@channel-gateway/protocol';
import type { GatewayConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { GatewayMetrics } from '../ops/metrics.js';
import { ConnectRateLimiter } from '../sockets/connect-rate-limiter.js';
import { clientAddress } from '../sockets/socket-server.js';
import type { HttpRefreshResult, TokenRefresh } from '../sockets/token-refresh.js';
import type { Transport } from '../transport/transport.js';
import { HttpApiError } from './api-error.js';
import { errorResponse } from './error-response.js';
import { readBody, writeJson } from './read-body.js';
import { parseRefreshRequest } from './validation.js';

export const REFRESH_PATH = '/v1/refresh';

export interface RefreshRouteDeps {
  refreshes: TokenRefresh;
  config: Pick<GatewayConfig, 'allowedOrigins' | 'maxInboundFrameBytes' | 'connectsPerSecondPerIp' | 'trustProxy'>;
  metrics: GatewayMetrics;
  storesReachable(): boolean;
  logger: Logger;
}

const REFUSALS: Record<Exclude<HttpRefreshResult, { expiresAt: number }>['refused'], HttpApiError> = {
  invalid_token: new HttpApiError(401, ApiErrorCode.INVALID_TOKEN, 'the token is unknown or was revoked', 'token'),
  expired: new HttpApiError(401, ApiErrorCode.TOKEN_EXPIRED, 'the token has expired', 'token'),
  not_owner: new HttpApiError(
    409,
    ApiErrorCode.NOT_OWNER,
    "that connection does not hold the token's client (it closed, was replaced, or the token is for another client ID); nothing was changed",
    'connectionId',
  ),
  unanswered: new HttpApiError(503, ApiErrorCode.UNAVAILABLE, 'the node holding that connection did not answer in time; try again', undefined, {
    'Retry-After': '1',
  }),
};

export function mountRefreshRoute(transport: Transport, deps: RefreshRouteDeps): void {
  const { config } = deps;
  // Its own budget, at the connect rate: a page refreshes once per token lifetime, so only a flood is refused.
  const limiter = new ConnectRateLimiter(config.connectsPerSecondPerIp);
  transport.route('post', REFRESH_PATH, (exchange) => {
    // Headers are only valid during this call: read them now.
    const origin = exchange.header('origin');
    const cors = corsHeaders(origin, config.allowedOrigins);
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      deps.metrics.countHttpRequest(REFRESH_PATH, status);
      writeJson(exchange, status, body, { ...cors, ...headers });
    };
    const fail = (error: unknown) => {
      const refusal = errorResponse(error, deps.storesReachable());
      if (refusal.unexpected) deps.logger.error({ err: (error as Error).message, stack: (error as Error).stack, route: REFRESH_PATH }, 'request failed');
      answer(refusal.status, refusal.body, refusal.headers);
    };
    if (config.allowedOrigins !== undefined && !config.allowedOrigins.includes(origin)) {
      return fail(new HttpApiError(403, ApiErrorCode.ORIGIN_REJECTED, 'this origin may not use the gateway (CG_ALLOWED_ORIGINS)', 'Origin'));
    }
    // A monotonic clock: a rate needs elapsed time, which a wall clock stepped back (NTP) would make negative.
    if (!limiter.allow(clientAddress(exchange, config.trustProxy), performance.now())) {
      return fail(
        new HttpApiError(429, ApiErrorCode.RATE_LIMITED, 'too many refreshes from this address; try again shortly', undefined, { 'Retry-After': '1' }),
      );
    }
    readBody(exchange, config.maxInboundFrameBytes, (buffer) => {
      let request;
      try {
        request = parseRefreshRequest(parseJson(buffer.toString('utf8')));
      } catch (error) {
        return fail(error);
      }
      deps.refreshes.overHttp(request.token, request.connectionId).then((result) => {
        if ('expiresAt' in result) return answer(200, { expiresAt: result.expiresAt });
        fail(REFUSALS[result.refused]);
      }, fail);
    });
  });
}

/** Any Content-Type: the page sends `text/plain` to stay a "simple" cross-origin request. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpApiError(400, ApiErrorCode.INVALID_JSON, 'the body is not valid JSON', 'body');
  }
}

/** The page may read the answer when its origin is allowed (every origin when CG_ALLOWED_ORIGINS is unset). */
function corsHeaders(origin: string, allowed: readonly string[] | undefined): Record<string, string> {
  if (origin === '' || (allowed !== undefined && !allowed.includes(origin))) return { Vary: 'Origin' };
  return { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' };
}
