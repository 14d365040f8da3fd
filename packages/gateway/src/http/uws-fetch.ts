/**
 * Serves a fetch-style handler (Hono's `app.fetch`) from uWS: every route except the native send routes.
 */
import { ApiErrorCode } from '@channel-gateway/protocol';
import type { HttpResponse, TemplatedApp } from '../sockets/uws.js';
import { readBody, trackRequest, writeResponse, type RequestState } from './uws-body.js';

export type FetchHandler = (request: Request) => Response | Promise<Response>;

export function serveFetch(app: TemplatedApp, handler: FetchHandler, options: { maxBodyBytes: number; onError(error: Error): void }): void {
  app.any('/*', (res, req) => {
    // uWS request objects live only until this function returns: copy what we need now.
    const method = req.getMethod().toUpperCase();
    const query = req.getQuery();
    const headers = new Headers();
    req.forEach((key, value) => headers.append(key, value));
    const url = `http://${headers.get('host') ?? 'localhost'}${req.getUrl()}${query ? `?${query}` : ''}`;
    const state = trackRequest(res, headers.get('connection') ?? '');
    if (method === 'GET' || method === 'HEAD') return void respond(res, state, handler, new Request(url, { method, headers }), options);
    readBody(res, state, headers.get('content-length') ?? '', options.maxBodyBytes, (body) => {
      void respond(res, state, handler, new Request(url, { method, headers, body }), options);
    });
  });
}

async function respond(res: HttpResponse, state: RequestState, handler: FetchHandler, request: Request, options: { onError(error: Error): void }): Promise<void> {
  let response: Response;
  let body: ArrayBuffer;
  try {
    response = await handler(request);
    body = await response.arrayBuffer();
  } catch (error) {
    options.onError(error as Error);
    response = new Response(JSON.stringify({ error: { code: ApiErrorCode.INTERNAL, message: 'internal error' } }), { status: 500 });
    body = await response.arrayBuffer();
  }
  writeResponse(res, state, response.status, response.headers.entries(), body);
}
