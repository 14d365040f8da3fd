/**
 * `POST /v1/stream`: the HTTP stream for clients whose WebSocket cannot connect (docs/PROTOCOL.md, "HTTP
 * stream"). It is served through the WebSocket endpoint's own route: its upgrade checks admit the stream
 * (refusals are plain JSON answers), the request body is the hello frame, and the answer is a
 * StreamSocket that the route opens, hands the hello to, and closes, exactly as a WebSocket's.
 *
 *   POST /v1/stream  {"type":"hello","token":…}  ─▶ 200 text/event-stream: `:` heartbeat, then
 *   `data: {"type":"open",…}`, gap, msg…, and last `data: {"type":"close","code":…,"reason":…}`
 */
import { ApiErrorCode, STREAM_PATH, parseClientFrame } from '@channel-gateway/protocol';
import { readBody } from '../http/read-body.js';
import type { HttpExchange, SocketRoute, Transport } from '../transport/transport.js';
import { HEARTBEAT, StreamSocket } from './stream-socket.js';

export interface StreamRouteOptions {
  /** Origins whose pages may read the stream (CORS); undefined: every origin. */
  allowedOrigins: string[] | undefined;
  /** Largest request body (the hello frame): CG_MAX_INBOUND_FRAME_BYTES. */
  maxBodyBytes: number;
  maxBackpressureBytes: number;
  heartbeatSeconds: number;
}

const JSON_TYPE = ['content-type', 'application/json'] as const;
/** No proxy or browser cache may hold or transform it; nginx must not buffer it. */
const STREAM_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ['content-type', 'text/event-stream; charset=utf-8'],
  ['cache-control', 'no-cache, no-store, no-transform'],
  ['x-accel-buffering', 'no'],
];
/** A refusal at admission: the client backs off as from a failed connection (503: soon). */
const REFUSAL_CODES: Record<number, string> = { 429: ApiErrorCode.RATE_LIMITED, 503: ApiErrorCode.UNAVAILABLE };

export class StreamRoute<T> {
  private readonly open = new Set<StreamSocket>();
  private readonly heartbeats: NodeJS.Timeout;

  constructor(
    private readonly route: SocketRoute<T>,
    private readonly options: StreamRouteOptions,
  ) {
    // One timer for every stream on the node.
    this.heartbeats = setInterval(() => {
      for (const socket of this.open) socket.heartbeat();
    }, options.heartbeatSeconds * 1000);
    this.heartbeats.unref();
  }

  mount(transport: Transport): void {
    transport.route('any', STREAM_PATH, (exchange) => {
      if (exchange.method === 'POST') return this.serve(exchange);
      if (exchange.method === 'OPTIONS')
        return exchange.respond(
          204,
          [
            ...this.cors(exchange),
            ['access-control-allow-methods', 'POST'],
            ['access-control-allow-headers', 'Content-Type'],
            ['access-control-max-age', '600'],
          ],
          '',
        );
      const error = { error: { code: ApiErrorCode.METHOD_NOT_ALLOWED, message: `${exchange.method} is not served on ${STREAM_PATH}; POST the hello frame` } };
      exchange.respond(405, [JSON_TYPE, ['allow', 'POST, OPTIONS']], JSON.stringify(error));
    });
  }

  /** Streams open now. */
  get size(): number {
    return this.open.size;
  }

  stop(): void {
    clearInterval(this.heartbeats);
  }

  private serve(exchange: HttpExchange): void {
    const cors = this.cors(exchange);
    // Before the body is read, and while the headers are valid: the WebSocket upgrade's checks.
    const answer = this.route.upgrade({ header: (name) => exchange.header(name), remoteAddress: () => exchange.remoteAddress() });
    if ('refuse' in answer) {
      const { status, body } = answer.refuse;
      const error = { error: { code: REFUSAL_CODES[status] ?? ApiErrorCode.UNAVAILABLE, message: body } };
      const retry: Array<[string, string]> = status === 503 ? [['retry-after', '1']] : [];
      return exchange.respond(status, [JSON_TYPE, ...cors, ...retry], JSON.stringify(error));
    }
    const data = answer.accept;
    readBody(exchange, this.options.maxBodyBytes, (body) => {
      if (parseClientFrame(body.toString('utf8'))?.type !== 'hello') {
        const error = { error: { code: ApiErrorCode.INVALID_FIELD, message: 'the body must be a hello frame: {"type":"hello","token":"…"}' } };
        return exchange.respond(400, [JSON_TYPE, ...cors], JSON.stringify(error));
      }
      const stream = exchange.stream(200, [...STREAM_HEADERS, ...cors], { maxBackpressureBytes: this.options.maxBackpressureBytes });
      const socket = new StreamSocket(stream, (code) => {
        this.open.delete(socket);
        this.route.close(socket, data, code);
      });
      this.open.add(socket);
      stream.write(HEARTBEAT); // the headers go out now, through proxies too
      this.route.open(socket, data);
      if (!socket.closed) this.route.message(socket, data, body, false);
    });
  }

  /** CORS for an allowed origin (the answer varies by Origin either way). */
  private cors(exchange: HttpExchange): Array<[string, string]> {
    const origin = exchange.header('origin');
    const { allowedOrigins } = this.options;
    const allowed = origin !== '' && (allowedOrigins === undefined || allowedOrigins.includes(origin));
    return allowed
      ? [
          ['access-control-allow-origin', origin],
          ['vary', 'Origin'],
        ]
      : [['vary', 'Origin']];
  }
}
