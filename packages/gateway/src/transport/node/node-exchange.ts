/** HttpExchange over node:http's request/response pair. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { HttpExchange, HttpStream, HttpStreamOptions } from '../transport.js';
import { NodeStream } from './node-stream.js';
import { peerAddress } from './peer-address.js';

export class NodeExchange implements HttpExchange {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  private answered = false;
  private aborted = false;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly params: string[],
    /** The body when it is not `req` itself (a request node:http handed over as an upgrade). */
    private readonly body: Readable = req,
    /** The server's inactivity timeout (a stream lifts it while it runs). */
    private readonly idleTimeoutMs = 10_000,
  ) {
    this.method = (req.method ?? 'GET').toUpperCase();
    const url = req.url ?? '/';
    const mark = url.indexOf('?');
    this.path = mark < 0 ? url : url.slice(0, mark);
    this.query = mark < 0 ? '' : url.slice(mark + 1);
    res.once('close', () => {
      if (this.answered) return;
      this.aborted = true;
      this.abortHandler?.();
    });
  }

  private abortHandler: (() => void) | undefined;

  get finished(): boolean {
    return this.answered || this.aborted;
  }

  header(name: string): string {
    const value = this.req.headers[name];
    return value === undefined ? '' : Array.isArray(value) ? (value[0] ?? '') : value;
  }

  forEachHeader(visit: (name: string, value: string) => void): void {
    const raw = this.req.rawHeaders;
    for (let i = 0; i + 1 < raw.length; i += 2) visit(raw[i]!.toLowerCase(), raw[i + 1]!);
  }

  param(index: number): string {
    return this.params[index] ?? '';
  }

  remoteAddress(): string {
    return peerAddress(this.req.socket);
  }

  onData(handler: (chunk: Buffer, isLast: boolean) => void): void {
    this.body.on('data', (chunk: Buffer) => {
      if (!this.finished) handler(chunk, false);
    });
    this.body.once('end', () => {
      if (!this.finished) handler(Buffer.alloc(0), true);
    });
  }

  onAborted(handler: () => void): void {
    this.abortHandler = handler;
  }

  respond(status: number, headers: Iterable<readonly [string, string]>, body: string | Uint8Array, closeConnection = false): void {
    if (this.finished) return;
    this.answered = true;
    const res = this.res;
    res.statusCode = status;
    for (const [key, value] of headers) if (key.toLowerCase() !== 'content-length') res.appendHeader(key, value);
    // node:http answers `Connection: close` itself to a client that asked for it. A body not read to its
    // end is not drained either: the connection closes after the answer. HTTP/1.0 always gets a close
    // (node:http would keep an HTTP/1.0 `Connection: keep-alive` open, a legacy extension nothing here needs).
    if (closeConnection || !this.req.complete || this.req.httpVersionMinor === 0) res.setHeader('connection', 'close');
    // Always a Content-Length (as uWS): HTTP/1.0 clients then need not wait for the close.
    if (status !== 204 && status !== 304) res.setHeader('content-length', typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);
    res.end(body);
  }

  stream(status: number, headers: Iterable<readonly [string, string]>, options: HttpStreamOptions): HttpStream {
    if (this.finished) throw new Error('stream(): the exchange is already finished');
    this.answered = true;
    const res = this.res;
    res.statusCode = status;
    for (const [key, value] of headers) if (key.toLowerCase() !== 'content-length') res.appendHeader(key, value);
    return new NodeStream(this.req, res, options.maxBackpressureBytes, this.idleTimeoutMs);
  }
}
