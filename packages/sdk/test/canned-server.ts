/**
 * A real HTTP server on an ephemeral port that answers whatever the test told it to, and records what it
 * received. Real sockets keep the SDK's fetch, timeout and error paths honest without mocking fetch.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  /** Raw request target as sent on the wire (percent-encoding intact). */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export type Handler = (request: ReceivedRequest, response: ServerResponse, raw: IncomingMessage) => void;

export interface CannedServer {
  baseUrl: string;
  received: ReceivedRequest[];
  /** Handles every following request. */
  handle(handler: Handler): void;
  /** Answers every following request with this status and body (objects are sent as JSON). */
  reply(status: number, body?: unknown, headers?: Record<string, string>): void;
  close(): Promise<void>;
}

export async function startCannedServer(): Promise<CannedServer> {
  let handler: Handler = (_request, response) => {
    response.writeHead(500).end('no canned answer');
  };
  const received: ReceivedRequest[] = [];
  const server: Server = createServer((raw, response) => {
    const chunks: Buffer[] = [];
    raw.on('data', (chunk: Buffer) => chunks.push(chunk));
    raw.on('end', () => {
      const request: ReceivedRequest = {
        method: raw.method ?? '',
        url: raw.url ?? '',
        headers: raw.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      received.push(request);
      handler(request, response, raw);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    received,
    handle(next) {
      handler = next;
    },
    reply(status, body, headers = {}) {
      handler = (_request, response) => {
        if (body === undefined) {
          response.writeHead(status, headers).end();
        } else if (typeof body === 'string') {
          response.writeHead(status, { 'content-type': 'text/plain', ...headers }).end(body);
        } else {
          response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
        }
      };
    },
    async close() {
      // Requests a test left hanging (timeouts) would otherwise keep close() waiting.
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

/** The API's error body. */
export function apiError(code: string, message: string, field?: string): { error: Record<string, string> } {
  return { error: { code, message, ...(field === undefined ? {} : { field }) } };
}
