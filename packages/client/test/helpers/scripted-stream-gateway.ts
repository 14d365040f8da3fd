import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { HelloFrame, ServerFrame } from '@channel-gateway/protocol';

/** One `POST /v1/stream` as the scripted gateway sees it; the test says what the gateway answers. */
export class GatewayStream {
  readonly hello: HelloFrame;
  /** Settles when the client goes away (it aborted the request) or the answer is over. */
  readonly closed: Promise<void>;
  private started = false;

  constructor(
    readonly request: IncomingMessage,
    body: string,
    private readonly response: ServerResponse,
  ) {
    this.hello = JSON.parse(body) as HelloFrame;
    this.closed = new Promise((resolve) => response.once('close', () => resolve()));
  }

  /** Answers 200 with the event-stream headers and the first heartbeat, as the gateway does. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-store, no-transform' });
    this.response.write(':\n\n');
  }

  /** Refuses the stream with a plain HTTP answer (503 draining, 429 rate limited, 400 bad hello). */
  refuse(status: number): void {
    this.response.writeHead(status, { 'content-type': 'application/json' }).end('{"error":{"code":"refused","message":"refused"}}');
  }

  send(frame: ServerFrame | { type: 'close'; code: number; reason: string }): void {
    this.raw(`data: ${JSON.stringify(frame)}\n\n`);
  }

  /** Writes text as it is (to cut events at odd places). */
  raw(text: string): void {
    this.start();
    this.response.write(text);
  }

  heartbeat(): void {
    this.raw(':\n\n');
  }

  open(epoch = 'e1'): void {
    this.send({ type: 'open', clientId: 'client-1', epoch, expiresAt: Date.now() + 3_600_000 });
  }

  msg(seq: number, data: string): void {
    this.send({ type: 'msg', seq, data });
  }

  /** The gateway's close: the close frame, then the end of the answer. */
  close(code: number, reason = 'CLOSED'): void {
    this.send({ type: 'close', code, reason });
    this.response.end();
  }

  /** Ends the answer without a close frame (a proxy timing out, a node gone): a drop for the client. */
  end(): void {
    this.start();
    this.response.end();
  }

  /** Cuts the TCP connection mid-answer. */
  destroy(): void {
    this.request.socket.destroy();
  }
}

/** One `POST /v1/refresh` as the scripted gateway sees it; the test answers it. */
export class GatewayRefresh {
  constructor(
    readonly request: IncomingMessage,
    readonly body: unknown,
    private readonly response: ServerResponse,
  ) {}

  answer(status: number, body: unknown): void {
    this.response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }
}

/**
 * An HTTP server on an ephemeral port that hands each `POST /v1/stream` (and `POST /v1/refresh`) to the
 * test, in order. WebSocket
 * upgrades on it are refused (401, as a proxy that strips the upgrade headers makes the gateway answer)
 * or left hanging, so a client that tries a WebSocket here has to fall back.
 */
export class ScriptedStreamGateway {
  private readonly arrived: GatewayStream[] = [];
  private readonly waiting: Array<(stream: GatewayStream) => void> = [];
  private readonly refreshes: GatewayRefresh[] = [];
  private readonly refreshWaiting: Array<(refresh: GatewayRefresh) => void> = [];
  private readonly sockets = new Set<Socket>();
  private readonly upgradeWaiters: Array<() => void> = [];
  /** Upgrade requests seen (each one refused or left hanging). */
  upgrades = 0;
  streams = 0;

  private constructor(
    private readonly server: Server,
    readonly origin: string,
  ) {}

  get streamUrl(): string {
    return `${this.origin}/v1/stream`;
  }

  get socketUrl(): string {
    return `${this.origin.replace('http:', 'ws:')}/v1/socket`;
  }

  static async start(upgrades: 'refuse' | 'hang' = 'refuse'): Promise<ScriptedStreamGateway> {
    let gateway: ScriptedStreamGateway | undefined;
    const server = createServer((request, response) => void gateway!.handle(request, response));
    server.on('connection', (socket) => {
      gateway!.sockets.add(socket);
      socket.once('close', () => gateway!.sockets.delete(socket));
    });
    server.on('upgrade', (_request, socket: Socket) => {
      gateway!.upgrades += 1;
      for (const waiter of gateway!.upgradeWaiters.splice(0)) waiter();
      if (upgrades === 'refuse') socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    gateway = new ScriptedStreamGateway(server, `http://127.0.0.1:${port}`);
    return gateway;
  }

  /** Resolves once `count` upgrade requests have arrived. */
  untilUpgrades(count: number): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (this.upgrades >= count) resolve();
        else this.upgradeWaiters.push(check);
      };
      check();
    });
  }

  nextStream(): Promise<GatewayStream> {
    const stream = this.arrived.shift();
    if (stream) return Promise.resolve(stream);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  nextRefresh(): Promise<GatewayRefresh> {
    const refresh = this.refreshes.shift();
    if (refresh) return Promise.resolve(refresh);
    return new Promise((resolve) => this.refreshWaiting.push(resolve));
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== 'POST' || (request.url !== '/v1/stream' && request.url !== '/v1/refresh')) {
      response.writeHead(404).end();
      return;
    }
    let body = '';
    request.setEncoding('utf8');
    for await (const chunk of request) body += chunk;
    if (request.url === '/v1/refresh') {
      const refresh = new GatewayRefresh(request, JSON.parse(body), response);
      const waiter = this.refreshWaiting.shift();
      if (waiter) waiter(refresh);
      else this.refreshes.push(refresh);
      return;
    }
    this.streams += 1;
    const stream = new GatewayStream(request, body, response);
    const waiter = this.waiting.shift();
    if (waiter) waiter(stream);
    else this.arrived.push(stream);
  }
}
