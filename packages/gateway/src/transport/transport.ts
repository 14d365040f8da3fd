/**
 * The gateway's own server transport: HTTP routes and the WebSocket endpoint are written once against
 * this interface (http/send-routes.ts, http/fetch-bridge.ts, sockets/socket-server.ts). Two implementations
 * sit beside it: `uws/` (uWebSockets.js, the fast path, used whenever a native build loads) and `node/`
 * (node:http plus `ws`, portable to every Node and platform). Both give the same limits and close codes.
 *
 * A transport never lets an exception out of a handler: whatever a handler throws is logged and
 * answered 500 (HTTP) or closes the socket (WebSocket); the process keeps serving.
 */

export type TransportName = 'uws' | 'node';

/** One HTTP request and its answer. Headers and parameters are valid only during the handler's synchronous call (uWS frees them after). */
export interface HttpExchange {
  /** Upper case, e.g. `POST`. */
  readonly method: string;
  /** The path as sent (not decoded), without the query. */
  readonly path: string;
  /** The query string without `?` ('' when none). */
  readonly query: string;
  /** A request header by lower-case name; '' when absent (repeated headers: the first). */
  header(name: string): string;
  /** Every request header in order, names in lower case, repeats included. */
  forEachHeader(visit: (name: string, value: string) => void): void;
  /** The route pattern's `:name` segment number `index`, as sent (not decoded). */
  param(index: number): string;
  /** The peer's IP address as text. */
  remoteAddress(): string;
  /**
   * Streams the request body: `chunk` is the handler's to keep; the last call has `isLast` (its chunk may be
   * empty). Call at most once, during the handler's synchronous call; not called at all once the client is gone.
   */
  onData(handler: (chunk: Buffer, isLast: boolean) => void): void;
  /** Called once if the client goes away before the answer is sent. */
  onAborted(handler: () => void): void;
  /** True once the answer was sent or the client went away: nothing more may be written. */
  readonly finished: boolean;
  /**
   * Answers in one write (corked on uWS). `closeConnection` closes the connection after it (e.g. when the
   * body was not read). Clients that asked for `Connection: close` get it regardless, and so does a request
   * whose body was not read to its end. To a HEAD request the body's length is sent as Content-Length and
   * the body is not. A no-op when finished.
   */
  respond(status: number, headers: Iterable<readonly [string, string]>, body: string | Uint8Array, closeConnection?: boolean): void;
  /**
   * Answers with a stream instead of `respond`: the status and headers (no Content-Length: chunked on
   * HTTP/1.1, close-delimited on HTTP/1.0; they go out with the first write), then the body in `write`s
   * until `end`. Only after the request body was read to its end; throws when the exchange is finished.
   */
  stream(status: number, headers: Iterable<readonly [string, string]>, options: HttpStreamOptions): HttpStream;
}

export interface HttpStreamOptions {
  /** Queued bytes at which `write` reports `dropped` (as a socket route's maxBackpressureBytes). */
  maxBackpressureBytes: number;
}

/**
 * A streamed answer (HttpExchange.stream): the HTTP counterpart of a TransportSocket's sends, with the same
 * backpressure rule, so a slow reader is found the same way on both.
 */
export interface HttpStream {
  /** Writes a part of the body; `dropped` when what is queued already passes the limit (nothing written). */
  write(text: string): SendResult;
  /** Bytes queued for the client and not yet written to the kernel (on uWS an estimate: see uws-stream.ts). */
  bufferedAmount(): number;
  /** Runs `writes` so that they go out in as few syscalls as the transport can manage. */
  cork(writes: () => void): void;
  /** Writes `last` (whatever is queued, past the limit) and ends the answer. A no-op once ended or aborted. */
  end(last?: string): void;
  /** Called once if the client goes away (or the connection is dropped) before `end`. */
  onAborted(handler: () => void): void;
  /** True once ended or aborted: writes are dropped. */
  readonly finished: boolean;
}

export type HttpHandler = (exchange: HttpExchange) => void;

/** What an upgrade handler sees: the request's headers and peer (valid during the synchronous call). */
export interface UpgradeRequest {
  header(name: string): string;
  remoteAddress(): string;
}

/** Accept with the socket's data, or refuse with a plain HTTP answer (every 503 with a Retry-After among its headers). */
export type UpgradeAnswer<T> = { accept: T } | { refuse: { status: number; body: string; headers?: Readonly<Record<string, string>> } };

/**
 * What `send` did: `sent` (written or queued under the limit), `backpressure` (queued, over half the
 * limit, still under it), `dropped` (not queued: the limit would be passed). The caller closes slow readers.
 */
export type SendResult = 'sent' | 'backpressure' | 'dropped';

/** A WebSocket or a streamed HTTP answer (sockets/stream-socket.ts), as the socket path sees it. */
export interface TransportSocket {
  send(text: string): SendResult;
  /** Bytes queued for the client and not yet written to the kernel. */
  bufferedAmount(): number;
  /** Closes with a code and reason (a close frame, then the TCP connection). */
  end(code: number, reason: string): void;
  /** Runs `writes` so that their frames go out in as few syscalls as the transport can manage. */
  cork(writes: () => void): void;
}

export interface SocketRoute<T> {
  path: string;
  /** Largest inbound frame the transport accepts; past it the socket is closed with 1009. */
  maxPayloadBytes: number;
  /** Queued bytes at which `send` reports `dropped`. */
  maxBackpressureBytes: number;
  /** A socket from which nothing (frames or pongs) arrived for this long is closed; pings are sent automatically before it. */
  idleTimeoutSeconds: number;
  compression: boolean;
  upgrade(request: UpgradeRequest): UpgradeAnswer<T>;
  open(socket: TransportSocket, data: T): void;
  /** `message` is valid only during the call. */
  message(socket: TransportSocket, data: T, message: Uint8Array, isBinary: boolean): void;
  close(socket: TransportSocket, data: T, code: number): void;
}

export interface Transport {
  readonly name: TransportName;
  /** What serves it, e.g. `@btc-vision/uwebsockets.js@20.57.0` or `node:http+ws@8.23.0`. */
  readonly build: string;
  /**
   * Adds an HTTP route. `pattern`: `/literal/:param/literal`, or `/*` for everything. More specific
   * routes win over `/*` whatever the order; `post` routes take only POST.
   */
  route(method: 'post' | 'any', pattern: string, handler: HttpHandler): void;
  /** Adds the WebSocket endpoint (one per transport). A non-upgrade request to its path goes to the HTTP routes. */
  socket<T>(route: SocketRoute<T>): void;
  /** Starts listening (port 0: any free port); resolves with the bound port; rejects with a clear message when the port is taken. */
  listen(host: string, port: number): Promise<number>;
  /** Stops listening and drops the connections still open (sockets should be closed with a code first). */
  close(): void;
}
