/**
 * Serves a fetch-style handler (Hono's `app.fetch`) from uWS. The body is read with a hard cap: a declared
 * Content-Length over the cap is refused before any of it is read, a streamed one as soon as it passes.
 */
import { STATUS_CODES } from 'node:http';
import { ApiErrorCode } from '@channel-gateway/protocol';
import type { HttpResponse, TemplatedApp } from '../sockets/uws.js';

export type FetchHandler = (request: Request) => Response | Promise<Response>;

const TOO_LARGE = JSON.stringify({ error: { code: ApiErrorCode.PAYLOAD_TOO_LARGE, message: 'the request body is too large' } });

export function serveFetch(app: TemplatedApp, handler: FetchHandler, options: { maxBodyBytes: number; onError(error: Error): void }): void {
  app.any('/*', (res, req) => {
    // uWS request objects live only until this function returns: copy what we need now.
    const method = req.getMethod().toUpperCase();
    const query = req.getQuery();
    const headers = new Headers();
    req.forEach((key, value) => headers.append(key, value));
    const url = `http://${headers.get('host') ?? 'localhost'}${req.getUrl()}${query ? `?${query}` : ''}`;
    // uWS keeps every connection open; a client that asks for a close (health checkers do) gets one.
    const state = { aborted: false, closeConnection: /\bclose\b/i.test(headers.get('connection') ?? '') };
    res.onAborted(() => (state.aborted = true));

    const declared = Number(headers.get('content-length') ?? '0');
    if (declared > options.maxBodyBytes) return refuseTooLarge(res, state);
    if (method === 'GET' || method === 'HEAD') return void respond(res, state, handler, new Request(url, { method, headers }), options);

    const chunks: Buffer[] = [];
    let received = 0;
    res.onData((chunk, isLast) => {
      if (state.aborted || received < 0) return;
      received += chunk.byteLength;
      if (received > options.maxBodyBytes) {
        received = -1;
        return refuseTooLarge(res, state);
      }
      // The ArrayBuffer is reused by uWS after this callback: copy it.
      chunks.push(Buffer.from(new Uint8Array(chunk).slice()));
      if (isLast) void respond(res, state, handler, new Request(url, { method, headers, body: Buffer.concat(chunks) }), options);
    });
  });
}

async function respond(res: HttpResponse, state: { aborted: boolean; closeConnection: boolean }, handler: FetchHandler, request: Request, options: { onError(error: Error): void }): Promise<void> {
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
  if (state.aborted) return;
  res.cork(() => {
    res.writeStatus(`${response.status} ${STATUS_CODES[response.status] ?? ''}`);
    response.headers.forEach((value, key) => {
      if (key !== 'content-length') res.writeHeader(key, value);
    });
    res.end(body, state.closeConnection);
  });
}

function refuseTooLarge(res: HttpResponse, state: { aborted: boolean }): void {
  if (state.aborted) return;
  state.aborted = true;
  res.cork(() => {
    res.writeStatus('413 Payload Too Large').writeHeader('content-type', 'application/json').end(TOO_LARGE, true);
  });
}
