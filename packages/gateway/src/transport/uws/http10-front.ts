/**
 * EXPERIMENT (issue 14.6), measured and then removed: a front in this process that owns the public port,
 * looks only at the request line of each connection's first request, and hands the connection either to
 * uWS (HTTP/1.1: bytes piped to uWS listening on a unix socket) or to the node transport's server
 * (anything else, e.g. HTTP/1.0). The figures are in bench/results/2026-12-01-http10-front.md.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { connect } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HttpHandler, SocketRoute, Transport } from '../transport.js';
import type { NodeTransport } from '../node/node-transport.js';
import type { UwsTransport } from './uws-transport.js';

export class FrontedUwsTransport implements Transport {
  readonly name = 'uws' as const;
  readonly build: string;
  private front: Server | undefined;
  private readonly unixPath = join(mkdtempSync(join(tmpdir(), 'cg-front-')), 'uws.sock');

  constructor(
    private readonly uws: UwsTransport,
    private readonly node: NodeTransport,
  ) {
    this.build = `${uws.build} behind an HTTP/1.0 front`;
  }

  route(method: 'post' | 'any', pattern: string, handler: HttpHandler): void {
    this.uws.route(method, pattern, handler);
    this.node.route(method, pattern, handler);
  }

  socket<T>(route: SocketRoute<T>): void {
    this.uws.socket(route);
    this.node.socket(route);
  }

  async listen(host: string, port: number): Promise<number> {
    await this.uws.listenUnix(this.unixPath);
    const front = (this.front = createServer({ noDelay: true }, (client) => this.take(client)));
    return new Promise((resolve, reject) => {
      front.once('error', reject);
      front.listen({ host, port, exclusive: true }, () => {
        const address = front.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  private take(client: Socket): void {
    client.on('error', () => client.destroy());
    client.once('data', (first: Buffer) => {
      const end = first.indexOf('\r\n');
      const line = first.subarray(0, end < 0 ? first.length : end).toString('latin1');
      if (line.endsWith(' HTTP/1.1')) {
        const upstream = connect(this.unixPath);
        upstream.on('error', () => client.destroy());
        upstream.write(first);
        client.pipe(upstream);
        upstream.pipe(client);
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
        return;
      }
      client.pause();
      client.unshift(first);
      this.node.adopt(client);
      client.resume();
    });
  }

  close(): void {
    this.front?.close();
    this.uws.close();
    this.node.close();
  }
}
