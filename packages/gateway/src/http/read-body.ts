/**
 * Request bodies and JSON answers over the transport, shared by the fetch bridge and the native send
 * routes. A body is read with a hard cap: a declared Content-Length over the cap is refused before any of
 * it is read, a streamed one as soon as it passes the cap.
 */
import { ApiErrorCode } from '@channel-gateway/protocol';
import type { HttpExchange } from '../transport/transport.js';

const TOO_LARGE = JSON.stringify({ error: { code: ApiErrorCode.PAYLOAD_TOO_LARGE, message: 'the request body is too large' } });
const JSON_HEADERS: Array<[string, string]> = [['content-type', 'application/json']];

/** Reads the whole body (at most `maxBytes`), then calls `onBody`; answers 413 itself when it is too large. */
export function readBody(exchange: HttpExchange, maxBytes: number, onBody: (body: Buffer) => void): void {
  if (Number(exchange.header('content-length') || '0') > maxBytes) return refuseTooLarge(exchange);
  const chunks: Buffer[] = [];
  let received = 0;
  exchange.onData((chunk, isLast) => {
    if (received < 0) return;
    received += chunk.byteLength;
    if (received > maxBytes) {
      received = -1;
      return refuseTooLarge(exchange);
    }
    if (chunk.byteLength > 0) chunks.push(chunk);
    if (isLast) onBody(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
  });
}

export function writeJson(exchange: HttpExchange, status: number, body: unknown, headers?: Record<string, string>): void {
  exchange.respond(status, headers ? [...JSON_HEADERS, ...Object.entries(headers)] : JSON_HEADERS, JSON.stringify(body));
}

function refuseTooLarge(exchange: HttpExchange): void {
  exchange.respond(413, JSON_HEADERS, TOO_LARGE, true); // the rest of the body is not read
}
