/**
 * The methods each known path serves, for the 405 answer and its `Allow` header (RFC 9110 §15.5.6):
 * a wrong method on a known route is 405, an unknown path stays 404. Paths are as sent (not decoded);
 * a `{clientId}` segment is any non-empty segment. Kept beside the routes it describes: channel-routes.ts,
 * send-routes.ts, ops-routes.ts and the socket endpoint.
 */
import { SOCKET_PATH } from '@channel-gateway/protocol';

const READ = 'GET, HEAD';

const ROUTES: ReadonlyArray<readonly [RegExp, string]> = [
  [/^\/v1\/channels$/, 'POST'],
  [/^\/v1\/channels\/[^/]+$/, 'GET, HEAD, DELETE'],
  [/^\/v1\/channels\/[^/]+\/messages$/, 'POST'],
  [/^\/v1\/messages$/, 'POST'],
  [/^\/v1\/presence$/, 'POST'],
  [/^\/(?:healthz|readyz|metrics|openapi\.yaml|_ah\/channel\/jsapi)$/, READ],
  [new RegExp(`^${SOCKET_PATH}$`), 'GET'],
];

/** The `Allow` value for a known path, or undefined for a path the gateway does not serve. */
export function allowedMethods(path: string): string | undefined {
  for (const [pattern, allow] of ROUTES) if (pattern.test(path)) return allow;
  return undefined;
}

/** The 405 body for `method` on `path` (whose methods are `allow`). */
export function methodNotAllowedBody(method: string, path: string, allow: string): { error: { code: 'method_not_allowed'; message: string } } {
  return { error: { code: 'method_not_allowed', message: `${method} is not allowed on ${path} (allowed: ${allow})` } };
}
