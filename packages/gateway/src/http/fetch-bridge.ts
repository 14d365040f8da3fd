/**
 * Serves a fetch-style handler (Hono's `app.fetch`) on the transport: every route except the native send
 * routes, on both transports (one adapter rather than @hono/node-server, so body limits, error answers and
 * the uWS path stay the same code).
 */
import { ApiErrorCode } from '@channel-gateway/protocol';
import type { HttpExchange, Transport } from '../transport/transport.js';
import { readBody } from './read-body.js';

export type FetchHandler = (request: Request) => Response | Promise<Response>;

export interface FetchBridgeOptions {
  maxBodyBytes: number;
  onError(error: Error): void;
}

export function serveFetch(transport: Transport, handler: FetchHandler, options: FetchBridgeOptions): void {
  transport.route('any', '/*', (exchange) => {
    // Headers are only valid now: copy them.
    const headers = new Headers();
    exchange.forEachHeader((key, value) => headers.append(key, value));
    const url = `http://${headers.get('host') || 'localhost'}${exchange.path}${exchange.query ? `?${exchange.query}` : ''}`;
    const { method } = exchange;
    if (method === 'GET' || method === 'HEAD') return void respond(exchange, handler, () => new Request(url, { method, headers }), options);
    readBody(exchange, options.maxBodyBytes, (body) => {
      void respond(exchange, handler, () => new Request(url, { method, headers, body }), options);
    });
  });
}

async function respond(exchange: HttpExchange, handler: FetchHandler, makeRequest: () => Request, options: FetchBridgeOptions): Promise<void> {
  let response: Response;
  let body: ArrayBuffer;
  try {
    response = await handler(makeRequest());
    body = await response.arrayBuffer();
  } catch (error) {
    options.onError(error as Error);
    response = new Response(JSON.stringify({ error: { code: ApiErrorCode.INTERNAL, message: 'internal error' } }), { status: 500 });
    body = await response.arrayBuffer();
  }
  exchange.respond(response.status, response.headers.entries(), new Uint8Array(body));
}
