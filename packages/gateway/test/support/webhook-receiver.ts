/**
 * A real HTTP app that receives presence webhooks on an ephemeral port, checks their signatures, and can
 * be told to fail. Tests wait on received events (no sleeps).
 */
import { createServer, type Server } from 'node:http';
import { presenceWebhookEventOf, verifyWebhookSignature } from '@channel-gateway/sdk';

export interface ReceivedWebhook {
  path: string;
  event: string;
  clientId: string;
  contentType: string;
  signatureValid: boolean;
  at: number;
}

export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  /** Answer this many requests with 500 before accepting. */
  failNext = 0;
  /** Never answer (a hung app); requests stay open until stop(). */
  hang = false;
  attempts = 0;
  private waiters: Array<() => void> = [];
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(secret: string): Promise<WebhookReceiver> {
    let receiver: WebhookReceiver | undefined;
    const server = createServer((request, response) => {
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => (body += chunk));
      request.on('end', () => receiver!.onRequest(secret, request.url ?? '', request.headers, body, response));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('no port');
    receiver = new WebhookReceiver(server, `http://127.0.0.1:${address.port}/app`);
    return receiver;
  }

  private onRequest(secret: string, path: string, headers: NodeJS.Dict<string | string[]>, body: string, response: import('node:http').ServerResponse): void {
    this.attempts++;
    if (this.hang) return;
    if (this.failNext > 0) {
      this.failNext--;
      response.writeHead(500).end('not now');
      return;
    }
    const header = (name: string) => (Array.isArray(headers[name]) ? headers[name][0] : headers[name]);
    this.received.push({
      path,
      event: header('x-channel-event') ?? '',
      clientId: new URLSearchParams(body).get('from') ?? '',
      contentType: header('content-type') ?? '',
      signatureValid:
        verifyWebhookSignature({
          secret,
          event: presenceWebhookEventOf(path) ?? 'connected',
          eventId: header('x-channel-event-id'),
          timestamp: header('x-channel-timestamp'),
          signature: header('x-channel-signature-v2'),
          body,
        }) && presenceWebhookEventOf(path) !== null,
      at: Date.now(),
    });
    response.writeHead(200).end('ok');
    for (const wake of this.waiters.splice(0)) wake();
  }

  events(clientId?: string): string[] {
    return this.received.filter((r) => clientId === undefined || r.clientId === clientId).map((r) => `${r.event} ${r.clientId}`);
  }

  async waitFor(predicate: () => boolean, timeoutMs = 10_000, what = 'webhooks'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; received ${JSON.stringify(this.events())}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => (clearTimeout(timer), resolve()));
      });
    }
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
