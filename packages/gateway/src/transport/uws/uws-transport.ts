/**
 * The uWebSockets.js transport: the fast path, used whenever a native build loads (see load-uws.ts).
 * Routes map one to one onto uWS routes; the WebSocket endpoint onto `app.ws`.
 */
import { INTERNAL_ERROR_BODY, JSON_HEADERS, type TransportOptions } from '../internal-error.js';
import { requestHeadProblem } from '../request-head-limits.js';
import type { HttpHandler, SocketRoute, Transport } from '../transport.js';
import type { LoadedUws, TemplatedApp, UsListenSocket } from './load-uws.js';
import { UwsExchange } from './uws-exchange.js';
import { UwsSocket } from './uws-socket.js';

/** LIBUS_LISTEN_EXCLUSIVE_PORT: no SO_REUSEPORT. */
const EXCLUSIVE_PORT = 1;

/** uWS copies the user data's own properties (not its prototype), so the socket's data rides in a wrapper. */
interface UserData<T> {
  data: T;
  socket: UwsSocket | undefined;
}

export class UwsTransport implements Transport {
  readonly name = 'uws' as const;
  readonly build: string;
  private readonly app: TemplatedApp;
  private listenSocket: UsListenSocket | undefined;

  constructor(
    private readonly loaded: LoadedUws,
    private readonly options: TransportOptions,
  ) {
    this.build = loaded.build;
    this.app = loaded.uws.App();
  }

  route(method: 'post' | 'any', pattern: string, handler: HttpHandler): void {
    this.app[method](pattern, (res, req) => {
      const exchange = new UwsExchange(res, req);
      try {
        const refused = requestHeadProblem((visit) => req.forEach(visit));
        if (refused) return exchange.respond(refused.status, JSON_HEADERS, refused.body, true);
        handler(exchange);
      } catch (error) {
        this.options.onError(error, `${exchange.method} ${pattern}`);
        exchange.respond(500, JSON_HEADERS, INTERNAL_ERROR_BODY, true);
      }
    });
  }

  socket<T>(route: SocketRoute<T>): void {
    const { uws } = this.loaded;
    const guard = (where: string, socket: UwsSocket | undefined, run: () => void) => {
      try {
        run();
      } catch (error) {
        this.options.onError(error, where);
        socket?.end(1011, 'internal error');
      }
    };
    this.app.ws<UserData<T>>(route.path, {
      maxPayloadLength: route.maxPayloadBytes,
      maxBackpressure: route.maxBackpressureBytes,
      idleTimeout: route.idleTimeoutSeconds,
      sendPingsAutomatically: true,
      compression: route.compression ? uws.SHARED_COMPRESSOR : uws.DISABLED,
      upgrade: (res, req, context) => {
        const key = req.getHeader('sec-websocket-key');
        const protocol = req.getHeader('sec-websocket-protocol');
        const extensions = req.getHeader('sec-websocket-extensions');
        try {
          const answer = route.upgrade({ header: (name) => req.getHeader(name), remoteAddress: () => Buffer.from(res.getRemoteAddressAsText()).toString() });
          if ('refuse' in answer) {
            const { status, body, headers = {} } = answer.refuse;
            res.cork(() => {
              res.writeStatus(`${status} Refused`);
              for (const [name, value] of Object.entries(headers)) res.writeHeader(name, value);
              res.end(body, true);
            });
          } else res.upgrade<UserData<T>>({ data: answer.accept, socket: undefined }, key, protocol, extensions, context);
        } catch (error) {
          this.options.onError(error, 'websocket upgrade');
          res.writeStatus('500 Internal Server Error').end(INTERNAL_ERROR_BODY, true);
        }
      },
      open: (ws) => {
        const user = ws.getUserData();
        const socket = (user.socket = new UwsSocket(ws));
        guard('websocket open', socket, () => route.open(socket, user.data));
      },
      message: (ws, message, isBinary) => {
        const user = ws.getUserData();
        guard('websocket message', user.socket, () => route.message(user.socket!, user.data, new Uint8Array(message), isBinary));
      },
      close: (ws, code) => {
        const user = ws.getUserData();
        user.socket!.closed = true;
        guard('websocket close', undefined, () => route.close(user.socket!, user.data, code));
      },
    });
  }

  listen(host: string, port: number): Promise<number> {
    const { uws } = this.loaded;
    return new Promise((resolve, reject) => {
      // Exclusive: uWS otherwise shares a port with another process already on it (SO_REUSEPORT), and two
      // nodes then answer at random (issue 11).
      // (The typings lack the host + options overload that both builds take; the one `any` of this wrapper.)
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const listen = this.app.listen.bind(this.app) as (...args: any[]) => void;
      listen(host, port, EXCLUSIVE_PORT, (socket: UsListenSocket | false) => {
        if (!socket) return reject(new Error(`cannot listen on ${host}:${port}: the port is in use (or the address is not available here)`));
        this.listenSocket = socket;
        resolve(uws.us_socket_local_port(socket));
      });
    });
  }

  close(): void {
    if (this.listenSocket) this.loaded.uws.us_listen_socket_close(this.listenSocket);
    this.listenSocket = undefined;
    // The official build can also drop open keep-alive connections; the fork has no app.close().
    (this.app as { close?: () => void }).close?.();
  }
}
