/**
 * Addresses for an SDK's failure tests: a server that accepts connections and never answers (timeouts)
 * and an address where nothing listens (connection refused: a gateway that is down).
 */
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { getFreePort, LOOPBACK } from '../../support/index.js';

export interface SilentServer {
  /** http://127.0.0.1:<port>: accepts TCP connections, reads requests, never writes a byte. */
  url: string;
  /** Connections accepted so far (a retrying SDK makes more than one). */
  connections(): number;
  close(): Promise<void>;
}

export async function startSilentServer(): Promise<SilentServer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on('data', () => {}); // read and discard, so the client's writes never block
    socket.on('error', () => {});
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${LOOPBACK}:${port}`,
    connections: () => accepted,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * http://127.0.0.1:<port> of a port that was free a moment ago and that nothing here listens on, so
 * connecting to it is refused.
 */
export async function refusedUrl(): Promise<string> {
  return `http://${LOOPBACK}:${await getFreePort()}`;
}
