/**
 * Request bodies and JSON answers on raw uWS, shared by the fetch adapter and the native send routes.
 * A body is read with a hard cap: a declared Content-Length over the cap is refused before any of it is
 * read, a streamed one as soon as it passes the cap.
 */
import { STATUS_CODES } from 'node:http';
import { ApiErrorCode } from '@channel-gateway/protocol';
import type { HttpResponse } from '../sockets/uws.js';

/** What outlives the synchronous uWS handler: whether the client went away, and whether it asked to close. */
export interface RequestState {
  aborted: boolean;
  closeConnection: boolean;
}

const TOO_LARGE = JSON.stringify({ error: { code: ApiErrorCode.PAYLOAD_TOO_LARGE, message: 'the request body is too large' } });

export function trackRequest(res: HttpResponse, connectionHeader: string): RequestState {
  // uWS keeps every connection open; a client that asks for a close (health checkers do) gets one.
  const state: RequestState = { aborted: false, closeConnection: connectionHeader !== '' && /\bclose\b/i.test(connectionHeader) };
  res.onAborted(() => (state.aborted = true));
  return state;
}

/** Reads the whole body (at most `maxBytes`), then calls `onBody`; answers 413 itself when it is too large. */
export function readBody(res: HttpResponse, state: RequestState, declaredLength: string, maxBytes: number, onBody: (body: Buffer) => void): void {
  if (Number(declaredLength || '0') > maxBytes) return refuseTooLarge(res, state);
  const chunks: Buffer[] = [];
  let received = 0;
  res.onData((chunk, isLast) => {
    if (state.aborted || received < 0) return;
    received += chunk.byteLength;
    if (received > maxBytes) {
      received = -1;
      return refuseTooLarge(res, state);
    }
    // The ArrayBuffer is reused by uWS after this callback: copy it (once; Buffer.from wraps the copy).
    chunks.push(Buffer.from(chunk.slice(0)));
    if (isLast) onBody(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
  });
}

export function writeResponse(res: HttpResponse, state: RequestState, status: number, headers: Iterable<[string, string]>, body: string | ArrayBuffer): void {
  if (state.aborted) return;
  state.aborted = true; // answered: nothing else may touch res
  res.cork(() => {
    res.writeStatus(statusLine(status));
    for (const [key, value] of headers) if (key !== 'content-length') res.writeHeader(key, value);
    res.end(body, state.closeConnection);
  });
}

const statusLines = new Map<number, string>();
function statusLine(status: number): string {
  let line = statusLines.get(status);
  if (line === undefined) statusLines.set(status, (line = `${status} ${STATUS_CODES[status] ?? ''}`));
  return line;
}

const JSON_HEADERS: Array<[string, string]> = [['content-type', 'application/json']];

export function writeJson(res: HttpResponse, state: RequestState, status: number, body: unknown): void {
  writeResponse(res, state, status, JSON_HEADERS, JSON.stringify(body));
}

function refuseTooLarge(res: HttpResponse, state: RequestState): void {
  state.closeConnection = true; // the rest of the body is not read
  writeResponse(res, state, 413, JSON_HEADERS, TOO_LARGE);
}
