/**
 * Unauthenticated, cheap routes: health, readiness, metrics, the GAE-compatible browser script, the OpenAPI document.
 */
import { readFileSync } from 'node:fs';
import { Hono } from 'hono';
import { ApiErrorCode, SOCKET_PATH } from '@channel-gateway/protocol';
import type { GatewayMetrics } from '../ops/metrics.js';

/** Every 503 says when to come back: a probe looks again within a second; a missing build needs an operator. */
const READYZ_RETRY_AFTER = { 'Retry-After': '1' };
const NOT_BUILT_RETRY_AFTER = '60';

export interface Readiness {
  /** Undefined when ready, otherwise why not. */
  notReadyBecause(): string | undefined;
}

export function opsRoutes(metrics: GatewayMetrics, readiness: Readiness): Hono {
  const ops = new Hono();
  // dist/assets is what the published package carries (build-assets.mjs); run from src/ in this repository
  // (tests), the same files are read where they are made.
  const jsapi = readFirst(new URL('../assets/jsapi.js', import.meta.url), () => new URL(import.meta.resolve('@channel-gateway/client/jsapi')));
  const openapi = readFirst(new URL('../assets/openapi.yaml', import.meta.url), () => new URL('../../../../docs/openapi.yaml', import.meta.url));

  ops.get('/healthz', (c) => c.json({ status: 'ok' }));
  ops.get('/readyz', (c) => {
    const reason = readiness.notReadyBecause();
    if (!reason) return c.json({ status: 'ready' });
    // Draining is a state of its own (docs/openapi.yaml); any other answer says why the node cannot serve.
    return c.json(reason === 'draining' ? { status: 'draining' } : { status: 'not_ready', reason }, 503, READYZ_RETRY_AFTER);
  });
  ops.get('/metrics', async (c) => c.body(await metrics.registry.metrics(), 200, { 'Content-Type': metrics.registry.contentType }));
  ops.get('/_ah/channel/jsapi', (c) =>
    jsapi
      ? c.body(jsapi, 200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'public, max-age=300' })
      : c.text('the browser client is not built (run pnpm build)', 503, { 'Retry-After': NOT_BUILT_RETRY_AFTER }),
  );
  // The WebSocket endpoint without an upgrade (a browser tab, a curl, a proxy that dropped the Upgrade
  // header): the transports hand such a request to the HTTP routes, and it is told what the path wants.
  ops.get(SOCKET_PATH, (c) =>
    c.json(
      { error: { code: ApiErrorCode.UPGRADE_REQUIRED, message: 'this is the WebSocket endpoint: open it with Upgrade: websocket (docs/PROTOCOL.md)' } },
      426,
      { Upgrade: 'websocket' },
    ),
  );
  ops.get('/openapi.yaml', (c) => (openapi ? c.body(openapi, 200, { 'Content-Type': 'application/yaml; charset=utf-8' }) : c.notFound()));
  return ops;
}

function readFirst(...locations: Array<URL | (() => URL)>): string | undefined {
  for (const location of locations) {
    try {
      return readFileSync(typeof location === 'function' ? location() : location, 'utf8');
    } catch {
      // not there (or the package is not installed): try the next one
    }
  }
  return undefined;
}
