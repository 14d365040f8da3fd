/**
 * The portable transport: node:http for HTTP and `ws` for the WebSocket endpoint. Used where no native
 * uWS build loads (Node 22/24 on glibc < 2.38, arm64 with the fork, …). Same limits and close codes as
 * uWS: a frame past the payload limit closes with 1009 (ws does), a send past the backpressure limit is
 * dropped, a socket silent for the idle timeout is closed after automatic pings.
 */
import { STATUS_CODES, ServerResponse, createServer, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { PassThrough, type Duplex, type Readable } from 'node:stream';
import { WebSocketServer } from 'ws';
import { INTERNAL_ERROR_BODY, JSON_HEADERS, type TransportOptions } from '../internal-error.js';
import { MAX_REQUEST_HEADER_BYTES, requestHeadProblem } from '../request-head-limits.js';
import type { HttpHandler, SocketRoute, Transport } from '../transport.js';
import { NodeExchange } from './node-exchange.js';
import { NodeSocket } from './node-socket.js';
import { peerAddress } from './peer-address.js';
import { RouteTable } from './route-table.js';
import { IdleSweeper } from './idle-sweeper.js';

/** As uWS: an HTTP connection that sends nothing for this long is closed (slowloris). */
const HTTP_IDLE_TIMEOUT_MS = 10_000;

export class NodeTransport implements Transport {
  readonly name = 'node' as const;
  readonly build: string;
  private readonly routes = new RouteTable();
  private readonly server: Server;
  private readonly sockets = new Set<NodeSocket>();
  private sweeper: IdleSweeper | undefined;
  private upgradeHandler: ((req: IncomingMessage, socket: Duplex, head: Buffer) => void) | undefined;

  constructor(
    wsVersion: string,
    private readonly options: TransportOptions,
  ) {
    this.build = `node:http@${process.versions.node}+ws@${wsVersion}`;
    this.server = createServer({
      noDelay: true,
      headersTimeout: HTTP_IDLE_TIMEOUT_MS,
      keepAliveTimeout: HTTP_IDLE_TIMEOUT_MS,
      maxHeaderSize: MAX_REQUEST_HEADER_BYTES,
    });
    this.server.timeout = HTTP_IDLE_TIMEOUT_MS;
    this.server.on('request', (req, res) => this.serve(req, res));
    // node:http hands CONNECT to this event and closes the connection unanswered when nobody listens.
    this.server.on('connect', (_req: IncomingMessage, socket: Duplex) => {
      socket.on('error', () => socket.destroy());
      refuseUpgrade(socket, 405, JSON.stringify({ error: { code: 'method_not_allowed', message: 'CONNECT is not served here' } }));
    });
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', () => socket.destroy());
      // Any Upgrade header lands here, e.g. Java's HttpClient asking for `h2c` on every request: only a
      // WebSocket upgrade is one; the rest are ordinary requests, served as uWS serves them.
      if (!/^websocket$/i.test(String(req.headers.upgrade ?? '').trim())) return this.serveDetached(req, socket as Socket, head);
      const path = (req.url ?? '/').split('?')[0];
      if (!this.upgradeHandler || path !== this.socketPath) return refuseUpgrade(socket, 404, 'no WebSocket endpoint here');
      this.upgradeHandler(req, socket, head);
    });
  }

  private serve(req: IncomingMessage, res: ServerResponse, body?: Readable): void {
    const match = this.routes.match((req.method ?? '').toUpperCase(), (req.url ?? '/').split('?')[0]!);
    const exchange = new NodeExchange(req, res, match?.params ?? [], body, HTTP_IDLE_TIMEOUT_MS);
    try {
      if (!match) throw new Error('no route (the gateway always mounts a catch-all)');
      // node:http itself refuses a repeated Content-Length (400) and heads over 16 KiB (431).
      const refused = requestHeadProblem((visit) => exchange.forEachHeader(visit));
      if (refused) return exchange.respond(refused.status, JSON_HEADERS, refused.body, true);
      match.handler(exchange);
    } catch (error) {
      this.options.onError(error, `${exchange.method} ${exchange.path}`);
      exchange.respond(500, JSON_HEADERS, INTERNAL_ERROR_BODY, true);
    }
  }

  /**
   * Serves a request node:http handed over as an upgrade (its parser has let go of the socket): an answer
   * on a ServerResponse bound to the socket, and the connection closed after the answer.
   */
  private serveDetached(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket);
    res.once('finish', () => socket.end());
    // node has ended `req` without its body: the body (Content-Length only) is read off the socket here.
    const body = new PassThrough();
    let left = Number(req.headers['content-length'] ?? 0) || 0;
    const feed = (chunk: Buffer) => {
      const part = chunk.subarray(0, left);
      left -= part.length;
      if (part.length > 0) body.write(part);
      if (left <= 0) {
        socket.off('data', feed);
        body.end();
      }
    };
    if (left <= 0) body.end();
    else {
      if (head.length > 0) feed(head);
      if (left > 0) socket.on('data', feed);
    }
    this.serve(req, res, body);
  }

  private socketPath = '';

  route(method: 'post' | 'any', pattern: string, handler: HttpHandler): void {
    this.routes.add(method, pattern, handler);
  }

  socket<T>(route: SocketRoute<T>): void {
    this.socketPath = route.path;
    const wss = new WebSocketServer({ noServer: true, clientTracking: false, maxPayload: route.maxPayloadBytes, perMessageDeflate: route.compression });
    this.sweeper = new IdleSweeper(this.sockets, route.idleTimeoutSeconds * 1000);
    const guard = (where: string, socket: NodeSocket | undefined, run: () => void) => {
      try {
        run();
      } catch (error) {
        this.options.onError(error, where);
        socket?.end(1011, 'internal error');
      }
    };
    this.upgradeHandler = (req, tcp, head) => {
      let answer;
      try {
        answer = route.upgrade({ header: (name) => headerOf(req, name), remoteAddress: () => peerAddress(req.socket) });
      } catch (error) {
        this.options.onError(error, 'websocket upgrade');
        return refuseUpgrade(tcp, 500, INTERNAL_ERROR_BODY);
      }
      if ('refuse' in answer) return refuseUpgrade(tcp, answer.refuse.status, answer.refuse.body, answer.refuse.headers);
      const { accept: data } = answer;
      wss.handleUpgrade(req, tcp, head, (ws) => {
        const socket = new NodeSocket(ws, route.maxBackpressureBytes);
        this.sockets.add(socket);
        ws.on('message', (message: Buffer, isBinary: boolean) => {
          socket.seen();
          guard('websocket message', socket, () => route.message(socket, data, message, isBinary));
        });
        ws.on('pong', () => socket.seen());
        ws.on('ping', () => socket.seen());
        ws.on('error', () => undefined); // followed by 'close' (e.g. 1009 past maxPayload)
        ws.on('close', (code: number) => {
          socket.closed = true;
          this.sockets.delete(socket);
          guard('websocket close', undefined, () => route.close(socket, data, code));
        });
        guard('websocket open', socket, () => route.open(socket, data));
      });
    };
  }

  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) => {
        reject(
          new Error(
            error.code === 'EADDRINUSE' ? `cannot listen on ${host}:${port}: the port is in use` : `cannot listen on ${host}:${port}: ${error.message}`,
          ),
        );
      };
      this.server.once('error', onError);
      this.server.listen({ host, port, exclusive: true }, () => {
        this.server.off('error', onError);
        this.sweeper?.start();
        const address = this.server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  close(): void {
    this.sweeper?.stop();
    this.server.close();
    this.server.closeAllConnections();
    for (const socket of this.sockets) socket.ws.terminate();
    this.sockets.clear();
  }
}

function headerOf(req: IncomingMessage, name: string): string {
  const value = req.headers[name];
  return value === undefined ? '' : Array.isArray(value) ? (value[0] ?? '') : value;
}

/** A plain HTTP answer on a socket that node:http handed over (upgrade, CONNECT), then the end of the connection. */
function refuseUpgrade(socket: Duplex, status: number, body: string, headers: Readonly<Record<string, string>> = {}): void {
  const length = Buffer.byteLength(body);
  const extra = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Type: text/plain\r\n${extra}Content-Length: ${length}\r\n\r\n${body}`,
  );
}
