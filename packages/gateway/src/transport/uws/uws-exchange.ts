/**
 * HttpExchange over a uWS request/response pair. The request object is valid only during the handler's
 * synchronous call, so header() reads through to it then (no copies on the send path's hot loop).
 */
import { STATUS_CODES } from 'node:http';
import type { HttpExchange, HttpStream, HttpStreamOptions } from '../transport.js';
import type { HttpRequest, HttpResponse } from './load-uws.js';
import { UwsStream } from './uws-stream.js';

export class UwsExchange implements HttpExchange {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  finished = false;
  /** uWS keeps every connection open; a client that asks for a close (health checkers do) gets one. */
  private readonly clientWantsClose: boolean;
  /** A body was announced and not read to its end: answering now must close, or its bytes would be parsed as the next request. */
  private bodyPending: boolean;
  private abortHandler: (() => void) | undefined;
  /** Set once the answer is a stream: an abort is then the stream's. */
  private streamed: UwsStream | undefined;

  constructor(
    private readonly res: HttpResponse,
    private readonly req: HttpRequest,
  ) {
    this.method = req.getMethod().toUpperCase();
    this.path = req.getUrl();
    this.query = req.getQuery() ?? '';
    const connection = req.getHeader('connection');
    this.clientWantsClose = connection !== '' && /\bclose\b/i.test(connection);
    const length = req.getHeader('content-length');
    this.bodyPending = (length !== '' && length !== '0') || req.getHeader('transfer-encoding') !== '';
    res.onAborted(() => {
      this.streamed?.abort();
      if (this.finished) return;
      this.finished = true;
      this.abortHandler?.();
    });
  }

  header(name: string): string {
    return this.req.getHeader(name);
  }

  forEachHeader(visit: (name: string, value: string) => void): void {
    this.req.forEach(visit);
  }

  param(index: number): string {
    return this.req.getParameter(index) ?? '';
  }

  remoteAddress(): string {
    return Buffer.from(this.res.getRemoteAddressAsText()).toString();
  }

  onData(handler: (chunk: Buffer, isLast: boolean) => void): void {
    this.res.onData((chunk, isLast) => {
      if (this.finished) return;
      // The ArrayBuffer is reused by uWS after this callback: copy it (Buffer.from wraps the copy).
      const copy = Buffer.from(chunk.slice(0));
      if (!isLast) return handler(copy, false);
      this.bodyPending = false;
      // uWS does not support pipelining behind an async answer: when another request follows in the same
      // read, it closes the connection unanswered (uNetworking/uWebSockets.js#277, wontfix). The last chunk
      // is handed over once that read is parsed, so such a request is dropped before it is applied (and a
      // retry cannot deliver twice) rather than applied and left unanswered (issue 12.5).
      setImmediate(() => {
        if (!this.finished) handler(copy, true);
      });
    });
  }

  onAborted(handler: () => void): void {
    this.abortHandler = handler;
  }

  respond(status: number, headers: Iterable<readonly [string, string]>, body: string | Uint8Array, closeConnection = false): void {
    if (this.finished) return;
    this.finished = true; // answered: nothing else may touch res
    const res = this.res;
    res.cork(() => {
      res.writeStatus(statusLine(status));
      for (const [key, value] of headers) if (key.toLowerCase() !== 'content-length') res.writeHeader(key, value);
      const close = closeConnection || this.clientWantsClose || this.bodyPending;
      // HEAD: the length the GET would have, and no body.
      if (this.method === 'HEAD') res.endWithoutBody(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength, close);
      else res.end(body, close);
    });
  }

  stream(status: number, headers: Iterable<readonly [string, string]>, options: HttpStreamOptions): HttpStream {
    if (this.finished) throw new Error('stream(): the exchange is already finished');
    this.finished = true; // `respond` may no longer touch res
    return (this.streamed = new UwsStream(this.res, statusLine(status), [...headers], options.maxBackpressureBytes, this.clientWantsClose));
  }
}

const statusLines = new Map<number, string>();
function statusLine(status: number): string {
  let line = statusLines.get(status);
  if (line === undefined) statusLines.set(status, (line = `${status} ${STATUS_CODES[status] ?? ''}`));
  return line;
}
