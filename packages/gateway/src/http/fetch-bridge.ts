/**
 * Serves a fetch-style handler (Hono's `app.fetch`) on the transport: every route except the native send
 * routes, on both transports (one adapter rather than @hono/node-server, so body limits, error answers and
 * the uWS path stay the same code).
 */
import { ApiErrorCode, SOCKET_PATH } from '@channel-gateway/protocol';
import type { HttpExchange, Transport } from '../transport/transport.js';
import type { ApiKeyGuard } from './api-keys.js';
import { allowedMethods, methodNotAllowedBody } from './allowed-methods.js';
import type { HttpApiError } from './api-error.js';
import { readBody } from './read-body.js';

/** What the bridge passes besides the Request: the peer's address (read while the exchange is valid). */
export interface FetchEnv {
  remoteAddress: string;
  /** The path as sent (not decoded, dot segments kept): what the handler routes on. */
  path: string;
}

export type FetchHandler = (request: Request, env: FetchEnv) => Response | Promise<Response>;

export interface FetchBridgeOptions {
  maxBodyBytes: number;
  /** Keys for `/v1/*`: checked here before any body is read (issue 12.3), and again by the routes. */
  apiKeys: ApiKeyGuard;
  onError(error: Error): void;
}

export function serveFetch(transport: Transport, handler: FetchHandler, options: FetchBridgeOptions): void {
  transport.route('any', '/*', (exchange) => {
    const env: FetchEnv = { remoteAddress: exchange.remoteAddress(), path: exchange.path };
    // The socket endpoint takes no API key, also when it is asked without an upgrade (426).
    if (exchange.path.startsWith('/v1/') && exchange.path !== SOCKET_PATH) {
      try {
        options.apiKeys.check(exchange.header('authorization'), env.remoteAddress, exchange.header('x-forwarded-for'));
      } catch (error) {
        const refusal = error as HttpApiError; // 401, or 429 with Retry-After (ApiKeyGuard throws nothing else)
        return exchange.respond(refusal.status, [...JSON_HEADERS, ...Object.entries(refusal.headers ?? {})], JSON.stringify(refusal.toBody()), true);
      }
    }
    // Headers are only valid now: copy them.
    const headers = new Headers();
    exchange.forEachHeader((key, value) => headers.append(key, value));
    const url = `http://${headers.get('host') || 'localhost'}${exchange.path}${exchange.query ? `?${exchange.query}` : ''}`;
    const { method } = exchange;
    // HEAD is served as the GET, and the transport answers the GET's Content-Length with no body.
    if (method === 'GET' || method === 'HEAD') return void respond(exchange, handler, () => new Request(url, { method: 'GET', headers }), env, options);
    readBody(exchange, options.maxBodyBytes, (body) => {
      void respond(exchange, handler, () => new Request(url, { method, headers, body }), env, options);
    });
  });
}

/** Methods a fetch `Request` cannot carry (it throws): nothing here serves them. */
const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);

/**
 * The fetch `Request` for what the client sent, or the 4xx to answer: a Host or path that makes no URL
 * (`user@evil`, `a:99999`, `[`) is the client's error. Issue 12.1: this used to throw out of the uWS
 * callback and end the process.
 */
function toRequest(exchange: HttpExchange, makeRequest: () => Request): Request | { status: number; body: string; allow?: string } {
  if (FORBIDDEN_METHODS.has(exchange.method)) {
    const allow = allowedMethods(exchange.path);
    if (allow) return { status: 405, body: JSON.stringify(methodNotAllowedBody(exchange.method, exchange.path, allow)), allow };
    return { status: 404, body: JSON.stringify({ error: { code: ApiErrorCode.NOT_FOUND, message: `no route for ${exchange.method} ${exchange.path}` } }) };
  }
  try {
    return makeRequest();
  } catch {
    return {
      status: 400,
      body: JSON.stringify({ error: { code: ApiErrorCode.INVALID_FIELD, message: 'the Host header or the path does not form a valid URL', field: 'Host' } }),
    };
  }
}

const JSON_HEADERS: Array<[string, string]> = [['content-type', 'application/json']];

async function respond(exchange: HttpExchange, handler: FetchHandler, makeRequest: () => Request, env: FetchEnv, options: FetchBridgeOptions): Promise<void> {
  const request = toRequest(exchange, makeRequest);
  if (!(request instanceof Request))
    return exchange.respond(request.status, request.allow ? [...JSON_HEADERS, ['allow', request.allow]] : JSON_HEADERS, request.body);
  let response: Response;
  let body: ArrayBuffer;
  try {
    response = await handler(request, env);
    body = await response.arrayBuffer();
  } catch (error) {
    options.onError(error as Error);
    response = new Response(JSON.stringify({ error: { code: ApiErrorCode.INTERNAL, message: 'internal error' } }), { status: 500 });
    body = await response.arrayBuffer();
  }
  exchange.respond(response.status, response.headers.entries(), new Uint8Array(body));
}
