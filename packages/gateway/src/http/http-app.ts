import { Hono } from 'hono';
import { ApiErrorCode } from '@channel-gateway/protocol';
import type { ChannelService } from '../channels/channel-service.js';
import type { Logger } from '../logger.js';
import type { GatewayMetrics } from '../ops/metrics.js';
import { HttpApiError } from './api-error.js';
import type { ApiKeyGuard } from './api-keys.js';
import { channelRoutes } from './channel-routes.js';
import { errorResponse } from './error-response.js';
import { opsRoutes, type Readiness } from './ops-routes.js';

/** What the server adapter passes to every request besides the Request itself. */
export interface HttpBindings {
  /** The peer's address (the load balancer's, behind one; see ApiKeyGuard for X-Forwarded-For). */
  remoteAddress: string;
}

export interface HttpAppDeps {
  service: ChannelService;
  apiKeys: ApiKeyGuard;
  metrics: GatewayMetrics;
  readiness: Readiness;
  /** Whether the stores answer: an unexpected error while they do not is a 503, not a 500. */
  storesReachable(): boolean;
  logger: Logger;
}

/** The Hono application: ops routes and the `/v1` API, with JSON errors for everything. */
export function createHttpApp(deps: HttpAppDeps): Hono<{ Bindings: HttpBindings }> {
  const app = new Hono<{ Bindings: HttpBindings }>();
  app.use('*', async (c, next) => {
    await next();
    deps.metrics.countHttpRequest(c.req.routePath, c.res.status);
  });
  app.route('/', opsRoutes(deps.metrics, deps.readiness));
  app.route('/v1', channelRoutes(deps.service, deps.apiKeys));
  app.notFound((c) => c.json(new HttpApiError(404, ApiErrorCode.NOT_FOUND, `no route for ${c.req.method} ${c.req.path}`).toBody(), 404));
  app.onError((error, c) => {
    const answer = errorResponse(error, deps.storesReachable());
    if (answer.unexpected) deps.logger.error({ err: error.message, stack: error.stack, path: c.req.path }, 'request failed');
    return c.json(answer.body, answer.status as 400, answer.headers);
  });
  return app;
}
