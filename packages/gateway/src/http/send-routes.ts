/**
 * The send path, served on the transport directly rather than through Hono: turning every request into a
 * fetch `Request` costs about three times the CPU of the whole send on uWS (see bench/README.md). Same validation,
 * authentication and error answers as the Hono routes, from the same modules.
 *
 *   POST /v1/channels/{clientId}/messages   {"message"}            → 202 {"status"}
 *   POST /v1/messages                       {"messages":[…]}       → 202 {"results":[…]}
 */
import { ApiErrorCode } from '@channel-gateway/protocol';
import type { ChannelService } from '../channels/channel-service.js';
import type { Logger } from '../logger.js';
import type { GatewayMetrics } from '../ops/metrics.js';
import type { HttpExchange, Transport } from '../transport/transport.js';
import { HttpApiError } from './api-error.js';
import type { ApiKeyGuard } from './api-keys.js';
import { errorResponse } from './error-response.js';
import { parseJsonBody } from './json-body.js';
import { readBody, writeJson } from './read-body.js';
import { parseBatch, parseIdempotencyKeyHeader, parsePathClientId, parseSendMessage } from './validation.js';

export interface SendRoutesDeps {
  service: ChannelService;
  apiKeys: ApiKeyGuard;
  maxBodyBytes: number;
  metrics: GatewayMetrics;
  storesReachable(): boolean;
  logger: Logger;
}

const SINGLE_ROUTE = '/v1/channels/:clientId/messages';
const BATCH_ROUTE = '/v1/messages';

export function mountSendRoutes(transport: Transport, deps: SendRoutesDeps): void {
  /** Reads headers (only valid now), then the body, then runs `handle` and answers its result as JSON. */
  const route =
    (name: string, handle: (body: unknown, req: { clientIdParam: string; idempotencyKey: string }) => Promise<unknown>) => (exchange: HttpExchange) => {
      const contentType = exchange.header('content-type');
      const clientIdParam = exchange.param(0);
      const idempotencyKey = exchange.header('idempotency-key');
      try {
        deps.apiKeys.check(exchange.header('authorization'), exchange.remoteAddress(), exchange.header('x-forwarded-for'));
      } catch (error) {
        return answerError(exchange, name, error);
      }
      readBody(exchange, deps.maxBodyBytes, (buffer) => {
        let body: unknown;
        try {
          body = parseJsonBody(contentType, buffer.toString('utf8'));
        } catch (error) {
          return answerError(exchange, name, error);
        }
        handle(body, { clientIdParam, idempotencyKey }).then(
          (result) => {
            deps.metrics.countHttpRequest(name, 202);
            writeJson(exchange, 202, result);
          },
          (error: unknown) => answerError(exchange, name, error),
        );
      });
    };

  const answerError = (exchange: HttpExchange, name: string, error: unknown) => {
    const answer = errorResponse(error, deps.storesReachable());
    if (answer.unexpected) deps.logger.error({ err: (error as Error).message, stack: (error as Error).stack, route: name }, 'request failed');
    deps.metrics.countHttpRequest(name, answer.status);
    writeJson(exchange, answer.status, answer.body, answer.headers);
  };

  transport.route(
    'post',
    SINGLE_ROUTE,
    route(SINGLE_ROUTE, async (body, { clientIdParam, idempotencyKey }) => {
      const clientId = parsePathClientId(decodePathSegment(clientIdParam));
      return { status: await deps.service.send(clientId, parseSendMessage(body), parseIdempotencyKeyHeader(idempotencyKey)) };
    }),
  );

  transport.route(
    'post',
    BATCH_ROUTE,
    route(BATCH_ROUTE, async (body, { idempotencyKey }) => {
      // Valid items go to the store in one step (in order: per-client order is the array's order). The
      // header keys the items that bring no key of their own (as the Go SDK sends it: a retried batch is safe).
      const batchKey = parseIdempotencyKeyHeader(idempotencyKey);
      const results = await deps.service.sendBatch(parseBatch(body), batchKey);
      return { results };
    }),
  );
}

function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpApiError(400, ApiErrorCode.INVALID_FIELD, 'clientId is not a valid percent-encoded path segment', 'clientId');
  }
}
