/**
 * The SDK test harness: one loopback HTTP server that SDK tests in any language (Python, Go, Java) drive
 * over plain HTTP, so none of them needs a WebSocket client of its own.
 *
 * - Presence webhooks: every `POST /_ah/channel/...` is answered 200 and recorded raw (path, headers,
 *   body bytes), so a test can run its SDK's verifier on requests the gateway really signed.
 *   `GET /_test/webhooks` lists them (`?from=<clientId>` filters on the form field, urlencoded or multipart).
 * - Browser stand-ins: `POST /_test/sockets {"token","url"}` opens a client socket (the project's own
 *   client package over `ws`) to the gateway at `url`; `GET /_test/sockets/<id>` says whether it is open
 *   and what it received; `DELETE /_test/sockets/<id>` closes it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { Channel, type ChannelError, type Socket } from '@channel-gateway/client';

export interface RecordedWebhook {
  path: string;
  /** Header names in lower case. */
  headers: Record<string, string>;
  /** The raw body, base64 (the exact bytes the signature covers). */
  bodyBase64: string;
  /** The `from` field when the body is form-urlencoded. */
  from: string | null;
}

interface StandIn {
  socket: Socket;
  open: boolean;
  closed: boolean;
  messages: string[];
  errors: ChannelError[];
}

export interface HarnessServer {
  /** http://127.0.0.1:<port> */
  url: string;
  webhooks(): RecordedWebhook[];
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1_048_576;

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('body too large'));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.once('end', () => resolve(Buffer.concat(chunks)));
    request.once('error', reject);
  });
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** A form field of a urlencoded or multipart/form-data body (enough for the gateway's one-field bodies). */
function formField(headers: Record<string, string>, body: Buffer, name: string): string | null {
  const contentType = headers['content-type'] ?? '';
  const text = body.toString('utf8');
  if (contentType.startsWith('application/x-www-form-urlencoded')) return new URLSearchParams(text).get(name);
  if (contentType.startsWith('multipart/form-data')) {
    // The part's headers end at the first empty line; its value at the CRLF before the next boundary.
    const part = new RegExp(String.raw`name="${name}"\r\n(?:[^\r\n]+\r\n)*\r\n([\s\S]*?)\r\n--`).exec(text);
    return part ? part[1]! : null;
  }
  return null;
}

export async function startHarnessServer(): Promise<HarnessServer> {
  const webhooks: RecordedWebhook[] = [];
  const standIns = new Map<string, StandIn>();
  let nextId = 1;

  const openStandIn = (token: string, url: string): string => {
    const id = String(nextId++);
    const standIn: StandIn = { open: false, closed: false, messages: [], errors: [], socket: undefined as unknown as Socket };
    standIn.socket = new Channel(token, { url, WebSocket }).open({
      onopen: () => {
        standIn.open = true;
      },
      onmessage: ({ data }) => standIn.messages.push(data),
      onerror: (error) => standIn.errors.push(error),
      onclose: () => {
        standIn.open = false;
        standIn.closed = true;
      },
    });
    standIns.set(id, standIn);
    return id;
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://harness.test');
    const method = request.method ?? 'GET';
    if (method === 'POST' && url.pathname.startsWith('/_ah/channel/')) {
      const body = await readBody(request);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) {
        if (typeof value === 'string') headers[name] = value;
      }
      webhooks.push({ path: url.pathname, headers, bodyBase64: body.toString('base64'), from: formField(headers, body, 'from') });
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    if (method === 'GET' && url.pathname === '/_test/webhooks') {
      const from = url.searchParams.get('from');
      json(response, 200, { webhooks: from === null ? webhooks : webhooks.filter((w) => w.from === from) });
      return;
    }
    if (method === 'POST' && url.pathname === '/_test/sockets') {
      const parsed: unknown = JSON.parse((await readBody(request)).toString('utf8'));
      const { token, url: socketUrl } = (parsed ?? {}) as { token?: unknown; url?: unknown };
      if (typeof token !== 'string' || typeof socketUrl !== 'string') {
        json(response, 400, { error: 'token and url (ws://…/v1/socket) are required strings' });
        return;
      }
      json(response, 201, { id: openStandIn(token, socketUrl) });
      return;
    }
    const socketMatch = /^\/_test\/sockets\/(\d+)$/.exec(url.pathname);
    const standIn = socketMatch ? standIns.get(socketMatch[1]!) : undefined;
    if (socketMatch && !standIn) {
      json(response, 404, { error: 'no such socket' });
      return;
    }
    if (standIn && method === 'GET') {
      const { open, closed, messages, errors } = standIn;
      json(response, 200, { open, closed, messages, errors });
      return;
    }
    if (standIn && method === 'DELETE') {
      standIn.socket.close();
      standIns.delete(socketMatch![1]!);
      response.writeHead(204).end();
      return;
    }
    json(response, 404, { error: `no route for ${method} ${url.pathname}` });
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) json(response, 400, { error: error instanceof Error ? error.message : String(error) });
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    webhooks: () => [...webhooks],
    close: async () => {
      for (const standIn of standIns.values()) standIn.socket.close();
      standIns.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
