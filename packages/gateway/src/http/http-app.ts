import { Hono } from 'hono';
import { getPath } from 'hono/utils/url';
import { ApiErrorCode } from '@channel-gateway/protocol';
import type { ChannelService } from '../channels/channel-service.js';
import type { Logger } from '../logger.js';
import type { GatewayMetrics } from '../ops/metrics.js';
import { allowedMethods, methodNotAllowedBody } from './allowed-methods.js';
import { HttpApiError } from './api-error.js';
import type { ApiKeyGuard } from './api-keys.js';
import { channelRoutes } from './channel-routes.js';
import { errorResponse } from './error-response.js';
import { opsRoutes, type Readiness } from './ops-routes.js';

/** What the server adapter passes to every request besides the Request itself. */
export interface HttpBindings {
  /** The peer's address (the load balancer's, behind one; see ApiKeyGuard for X-Forwarded-For). */
  remoteAddress: string;
  /**
   * The path as sent, routed on instead of the Request's URL: a URL removes dot segments, so the client
   * IDs `.` and `..` (`/v1/channels/%2E`) would otherwise reach another route.
   */
  path: string;
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

/** Hono's own path reading (it decodes what is safe to decode), applied to the path as sent rather than to the URL. */
function routedPath(request: Request, options?: { env?: unknown }): string {
  const sent = (options?.env as Partial<HttpBindings> | undefined)?.path;
  return getPath(sent === undefined ? request : ({ url: `http://localhost${sent}` } as Request));
}

/** The Hono application: ops routes and the `/v1` API, with JSON errors for everything. */
export function createHttpApp(deps: HttpAppDeps): Hono<{ Bindings: HttpBindings }> {
  const app = new Hono<{ Bindings: HttpBindings }>({ getPath: routedPath });
  app.use('*', async (c, next) => {
    await next();
    deps.metrics.countHttpRequest(c.req.routePath, c.res.status);
  });
  app.route('/', opsRoutes(deps.metrics, deps.readiness));
  app.route('/v1', channelRoutes(deps.service, deps.apiKeys));
  app.notFound((c) => {
    const path = c.env?.path ?? c.req.path;
    const allow = allowedMethods(path);
    if (allow) return c.json(methodNotAllowedBody(c.req.method, path, allow), 405, { Allow: allow });
    return c.json(new HttpApiError(404, ApiErrorCode.NOT_FOUND, `no route for ${c.req.method} ${path}`).toBody(), 404);
  });
  app.onError((error, c) => {
    const answer = errorResponse(error, deps.storesReachable());
    if (answer.unexpected) deps.logger.error({ err: error.message, stack: error.stack, path: c.req.path }, 'request failed');
    return c.json(answer.body, answer.status as 400, answer.headers);
  });
  return app;
}
