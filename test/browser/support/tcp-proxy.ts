/**
 * A TCP proxy for simulating network loss between a browser and a gateway: listens on an ephemeral
 * loopback port and forwards every connection to the target.
 *
 * - `cutAll()` drops every connection at once on both sides (TCP reset, no WebSocket close frame),
 *   as when a network path dies and both ends notice.
 * - `cutClientSide()` drops only the browser's side; the gateway's side stays open and whatever the
 *   gateway writes to it is thrown away, as when only the client notices (the gateway keeps "sending").
 * - `freezeAll()` keeps both sides open but forwards nothing any more: a half-open connection that
 *   neither end notices by itself.
 * - `block()` / `unblock()`: while blocked, new connections are refused (reset), so a test can keep the
 *   network down while it sends.
 * - `latencyMs`: connections accepted while it is set forward every chunk that much later, both ways, in
 *   order (a slow path: what crosses it arrives late, after what took a faster one).
 * - `dropNextAnswers(n)`: the next n times the target writes to a connection, that write is thrown away
 *   and the client's side is reset: the request arrived and was processed, its answer is lost (an HTTP
 *   client sees a network error, as after a cut between request and answer).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

interface Pair {
  client: Socket;
  upstream: Socket;
}

export class TcpProxy {
  /** Connections accepted since start (including those refused while blocked). */
  accepted = 0;
  /** Connections currently forwarded. */
  private readonly live = new Set<Pair>();
  /** Sockets kept open but no longer forwarded (client-side cuts and freezes), closed by close(). */
  private readonly limbo = new Set<Socket>();
  private blocked = false;
  private answersToDrop = 0;
  /** Writes from the target thrown away by dropNextAnswers. */
  droppedAnswers = 0;
  /** Delay added to each chunk, each way, on connections accepted from now on (0: none). */
  latencyMs = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
    let proxy: TcpProxy | undefined;
    const server = createServer((client) => proxy!.accept(client, targetPort, targetHost));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    proxy = new TcpProxy(server, (server.address() as AddressInfo).port);
    return proxy;
  }

  /** http://127.0.0.1:<port>: the gateway's HTTP URL as seen through the proxy. */
  get httpUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Connections currently forwarded. */
  get liveConnections(): number {
    return this.live.size;
  }

  block(): void {
    this.blocked = true;
  }

  unblock(): void {
    this.blocked = false;
  }

  dropNextAnswers(count: number): void {
    this.answersToDrop = count;
  }

  /** Drops every current connection on both sides; returns how many were cut. */
  cutAll(): number {
    return this.takeAll((pair) => {
      reset(pair.client);
      reset(pair.upstream);
    });
  }

  /** Drops the browser's side of every connection; the gateway's side stays open, its writes discarded. */
  cutClientSide(): number {
    return this.takeAll((pair) => {
      reset(pair.client);
      this.keepInLimbo(pair.upstream);
    });
  }

  /** Stops forwarding on every current connection, leaving both sides open and unaware. */
  freezeAll(): number {
    return this.takeAll((pair) => {
      this.keepInLimbo(pair.client);
      this.keepInLimbo(pair.upstream);
    });
  }

  async close(): Promise<void> {
    this.cutAll();
    for (const socket of this.limbo) reset(socket);
    this.limbo.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private takeAll(action: (pair: Pair) => void): number {
    const pairs = [...this.live];
    this.live.clear();
    for (const pair of pairs) {
      pair.client.unpipe();
      action(pair);
    }
    return pairs.length;
  }

  /** Keeps a socket open, reading and discarding what arrives, until close(). */
  private keepInLimbo(socket: Socket): void {
    if (socket.destroyed) return;
    this.limbo.add(socket);
    socket.once('close', () => this.limbo.delete(socket));
    socket.on('data', () => undefined);
    socket.resume();
  }

  private accept(client: Socket, targetPort: number, targetHost: string): void {
    this.accepted += 1;
    client.on('error', () => undefined);
    if (this.blocked) {
      reset(client);
      return;
    }
    const upstream = connect({ port: targetPort, host: targetHost });
    upstream.on('error', () => undefined);
    const pair: Pair = { client, upstream };
    this.live.add(pair);
    const latency = this.latencyMs;
    // Chunks are small on these connections (frames, requests): no backpressure on the delayed path.
    const later = (write: () => void): void => {
      if (latency === 0) return write();
      setTimeout(() => this.live.has(pair) && write(), latency);
    };
    if (latency === 0) client.pipe(upstream);
    else client.on('data', (chunk: Buffer) => this.live.has(pair) && later(() => upstream.write(chunk)));
    // Forwarded by hand rather than piped, so that dropNextAnswers can intercept a write.
    upstream.on('data', (chunk: Buffer) => {
      if (!this.live.has(pair)) return;
      if (this.answersToDrop > 0) {
        this.answersToDrop -= 1;
        this.droppedAnswers += 1;
        this.live.delete(pair);
        client.unpipe();
        reset(client);
        this.keepInLimbo(upstream);
        return;
      }
      if (latency > 0) return later(() => client.write(chunk));
      if (!client.write(chunk)) {
        upstream.pause();
        client.once('drain', () => upstream.resume());
      }
    });
    // One side closing closes the other, as long as the pair is still forwarded.
    const closeBoth = (): void => {
      if (!this.live.delete(pair)) return;
      client.destroy();
      upstream.destroy();
    };
    client.once('close', closeBoth);
    upstream.once('close', closeBoth);
  }
}

/** Ends a connection abruptly: a TCP reset where possible (the peer sees a network error, no close frame). */
function reset(socket: Socket): void {
  try {
    if (socket.readyState === 'open') {
      socket.resetAndDestroy();
      return;
    }
  } catch {
    // Not connected yet: a plain destroy does.
  }
  socket.destroy();
}
