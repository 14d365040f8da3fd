import { Hono } from 'hono';
import { ApiErrorCode } from '@channel-gateway/protocol';
import type { ChannelService } from '../channels/channel-service.js';
import type { Logger } from '../logger.js';
import type { GatewayMetrics } from '../ops/metrics.js';
import { HttpApiError } from './api-error.js';
import { channelRoutes } from './channel-routes.js';
import { opsRoutes, type Readiness } from './ops-routes.js';

export interface HttpAppDeps {
  service: ChannelService;
  apiKeys: readonly string[];
  metrics: GatewayMetrics;
  readiness: Readiness;
  /** Whether the stores answer: an unexpected error while they do not is a 503, not a 500. */
  storesReachable(): boolean;
  logger: Logger;
}

/** The Hono application: ops routes and the `/v1` API, with JSON errors for everything. */
export function createHttpApp(deps: HttpAppDeps): Hono {
  const app = new Hono();
  app.use('*', async (c, next) => {
    await next();
    deps.metrics.httpRequests.inc({ route: c.req.routePath, code: c.res.status });
  });
  app.route('/', opsRoutes(deps.metrics, deps.readiness));
  app.route('/v1', channelRoutes(deps.service, deps.apiKeys));
  app.notFound((c) => c.json(new HttpApiError(404, ApiErrorCode.NOT_FOUND, `no route for ${c.req.method} ${c.req.path}`).toBody(), 404));
  app.onError((error, c) => {
    if (error instanceof HttpApiError) return c.json(error.toBody(), error.status);
    if (!deps.storesReachable()) {
      return c.json(new HttpApiError(503, ApiErrorCode.UNAVAILABLE, 'the gateway cannot reach Redis; try again').toBody(), 503);
    }
    deps.logger.error({ err: error.message, stack: error.stack, path: c.req.path }, 'request failed');
    return c.json({ error: { code: ApiErrorCode.INTERNAL, message: 'internal error' } }, 500);
  });
  return app;
}
