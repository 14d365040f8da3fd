import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ClientFrame, HelloFrame, ServerFrame } from '@channel-gateway/protocol';

/** One client WebSocket as the scripted gateway sees it; the test says what the gateway does. */
export class GatewaySocket {
  readonly hello: Promise<HelloFrame>;
  /** Close code the gateway saw (1005 when the client sent none, 1006 when the connection dropped). */
  readonly closed: Promise<number>;
  /** Every frame the client sent after its hello (pings), in order. */
  readonly frames: ClientFrame[] = [];
  private readonly frameWaiters: Array<() => void> = [];

  constructor(
    private readonly ws: WebSocket,
    readonly path: string | undefined,
  ) {
    this.hello = new Promise((resolve) => ws.once('message', (data) => resolve(JSON.parse(String(data)) as HelloFrame)));
    this.closed = new Promise((resolve) => ws.once('close', (code) => resolve(code)));
    let first = true;
    ws.on('message', (data) => {
      if (first) {
        first = false;
        return;
      }
      this.frames.push(JSON.parse(String(data)) as ClientFrame);
      for (const waiter of this.frameWaiters.splice(0)) waiter();
    });
  }

  /** Resolves once the client has sent `count` frames after its hello. */
  framesReceived(count: number): Promise<ClientFrame[]> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (this.frames.length >= count) resolve(this.frames.slice(0, count));
        else this.frameWaiters.push(check);
      };
      check();
    });
  }

  send(frame: ServerFrame): void {
    this.ws.send(JSON.stringify(frame));
  }

  open(epoch = 'e1'): void {
    this.send({ type: 'open', clientId: 'client-1', epoch, expiresAt: Date.now() + 3_600_000 });
  }

  msg(seq: number, data: string): void {
    this.send({ type: 'msg', seq, data });
  }

  close(code: number): void {
    this.ws.close(code);
  }

  /** Drops the TCP connection without a close frame, as a network failure would (client sees 1006). */
  terminate(): void {
    this.ws.terminate();
  }
}

/** A WebSocket server on an ephemeral port that hands each incoming socket to the test, in order. */
export class ScriptedGateway {
  private readonly arrived: GatewaySocket[] = [];
  private readonly waiting: Array<(socket: GatewaySocket) => void> = [];
  connections = 0;

  private constructor(
    private readonly server: WebSocketServer,
    readonly url: string,
  ) {
    server.on('connection', (ws, request) => {
      this.connections += 1;
      const socket = new GatewaySocket(ws, request.url);
      const waiter = this.waiting.shift();
      if (waiter) waiter(socket);
      else this.arrived.push(socket);
    });
  }

  static async start(): Promise<ScriptedGateway> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    return new ScriptedGateway(server, `ws://127.0.0.1:${port}/v1/socket`);
  }

  nextSocket(): Promise<GatewaySocket> {
    const socket = this.arrived.shift();
    if (socket) return Promise.resolve(socket);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  async stop(): Promise<void> {
    for (const client of this.server.clients) client.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
