/**
 * CG_WEBHOOK_BODY_FORMAT: GAE production posted presence as multipart/form-data (its Java parsePresence read
 * only that), the dev server as form-urlencoded. Both formats, signed over the exact bytes sent, checked with
 * an independent parser (undici's FormData) on a real HTTP app, and end to end from a node with Redis.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { loadConfig, ConfigError } from '../src/config.js';
import { sendWebhook, type WebhookTarget } from '../src/presence/webhook-sender.js';
import { startTestGateway, type TestGateway } from './support/in-process-gateway.js';
import { TestSocket } from './support/test-socket.js';

const SECRET = 'a-webhook-secret-of-some-length';
/** Quotes, ampersands, equals signs, slashes, spaces and characters beyond ASCII (control characters are not allowed in client IDs). */
const AWKWARD_ID = 'a "b" & c=d/e; 🙂 ü --x';

interface Captured {
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A real HTTP app that records raw request bytes and wakes waiters on each request. */
class RawApp {
  readonly requests: Captured[] = [];
  private wake: Array<() => void> = [];
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}
  static async start(): Promise<RawApp> {
    let app: RawApp | undefined;
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        app!.requests.push({ path: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks) });
        response.writeHead(200).end('ok');
        for (const wake of app!.wake.splice(0)) wake();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('no port');
    app = new RawApp(server, `http://127.0.0.1:${address.port}/app`);
    return app;
  }
  async waitForRequests(count: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.requests.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${count} webhook requests; got ${this.requests.length}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake.push(() => (clearTimeout(timer), resolve()));
      });
    }
  }
  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** The `from` field as a form parser that knows nothing of the gateway reads it. */
async function fromField(captured: Captured): Promise<string | null> {
  const form = await new Response(captured.body, { headers: { 'content-type': String(captured.headers['content-type']) } }).formData();
  const value = form.get('from');
  return typeof value === 'string' ? value : null;
}

/**
 * Both signatures, recomputed here over the documented texts: v1 over `<timestamp>.<body>`, v2 over
 * `v2.<timestamp>.<event>.<event id>.<body>` with the event read from the path the request came to.
 */
function signatureValid(captured: Captured): boolean {
  const timestamp = String(captured.headers['x-channel-timestamp']);
  const event = /\/_ah\/channel\/(connected|disconnected)\/$/.exec(captured.path)?.[1];
  const eventId = String(captured.headers['x-channel-event-id']);
  const v1 = createHmac('sha256', SECRET).update(`${timestamp}.`).update(captured.body).digest('hex');
  const v2 = createHmac('sha256', SECRET).update(`v2.${timestamp}.${event}.${eventId}.`).update(captured.body).digest('hex');
  return event !== undefined && captured.headers['x-channel-signature'] === `v1=${v1}` && captured.headers['x-channel-signature-v2'] === `v2=${v2}`;
}

describe('CG_WEBHOOK_BODY_FORMAT (configuration)', () => {
  const base = { CG_WEBHOOK_URL: 'http://127.0.0.1:1/app', CG_WEBHOOK_SECRET: SECRET };
  it('defaults to urlencoded', () => {
    expect(loadConfig(base).config.webhooks?.bodyFormat).toBe('urlencoded');
  });
  it('accepts multipart and urlencoded', () => {
    expect(loadConfig({ ...base, CG_WEBHOOK_BODY_FORMAT: 'multipart' }).config.webhooks?.bodyFormat).toBe('multipart');
    expect(loadConfig({ ...base, CG_WEBHOOK_BODY_FORMAT: 'urlencoded' }).config.webhooks?.bodyFormat).toBe('urlencoded');
    expect(loadConfig({ ...base, CG_WEBHOOK_BODY_FORMAT: 'multipart' }).unknownVariables).toEqual([]);
  });
  it('refuses any other value, naming the variable', () => {
    expect(() => loadConfig({ ...base, CG_WEBHOOK_BODY_FORMAT: 'json' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, CG_WEBHOOK_BODY_FORMAT: 'json' })).toThrow(/CG_WEBHOOK_BODY_FORMAT/);
  });
});

describe('sendWebhook body formats', () => {
  let app: RawApp;
  afterEach(async () => app?.stop());
  const job = { id: 'ev-1', event: 'connected' as const, clientId: AWKWARD_ID, firstAt: 1_700_000_000_000, attempts: 0 };
  const target = (bodyFormat?: WebhookTarget['bodyFormat']): WebhookTarget => ({
    url: app.url,
    secret: SECRET,
    timeoutMs: 2_000,
    ...(bodyFormat ? { bodyFormat } : {}),
  });

  it('multipart: one form-data field `from`, signed over the exact bytes sent', async () => {
    app = await RawApp.start();
    expect((await sendWebhook(target('multipart'), job, Date.now())).delivered).toBe(true);
    const [request] = app.requests;
    expect(request!.path).toBe('/app/_ah/channel/connected/');
    expect(String(request!.headers['content-type'])).toMatch(/^multipart\/form-data; boundary=[0-9A-Za-z'()+_,./:=?-]{1,70}$/);
    expect(await fromField(request!)).toBe(AWKWARD_ID);
    expect(signatureValid(request!)).toBe(true);
  });

  it('multipart: a fresh boundary per request, never found in the content', async () => {
    app = await RawApp.start();
    await sendWebhook(target('multipart'), job, Date.now());
    await sendWebhook(target('multipart'), job, Date.now());
    const boundaries = app.requests.map((r) => String(r.headers['content-type']).split('boundary=')[1]!);
    expect(new Set(boundaries).size).toBe(2);
    for (const request of app.requests) {
      const boundary = String(request.headers['content-type']).split('boundary=')[1]!;
      expect(request.body.toString('utf8').split(`--${boundary}`)).toHaveLength(3);
    }
  });

  it('urlencoded (the default) is unchanged', async () => {
    app = await RawApp.start();
    expect((await sendWebhook(target(), job, Date.now())).delivered).toBe(true);
    expect((await sendWebhook(target('urlencoded'), job, Date.now())).delivered).toBe(true);
    for (const request of app.requests) {
      expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(new URLSearchParams(request.body.toString('utf8')).get('from')).toBe(AWKWARD_ID);
      expect(signatureValid(request)).toBe(true);
    }
  });
});

describe('a node with CG_WEBHOOK_BODY_FORMAT=multipart', () => {
  let app: RawApp;
  let node: TestGateway | undefined;
  afterEach(async () => {
    await node?.stop();
    await app?.stop();
  });

  it('posts connected and disconnected as signed multipart/form-data', async () => {
    app = await RawApp.start();
    const { config } = loadConfig({ CG_WEBHOOK_URL: app.url, CG_WEBHOOK_SECRET: SECRET, CG_WEBHOOK_BODY_FORMAT: 'multipart' });
    node = await startTestGateway('redis', {
      webhooks: config.webhooks,
      presence: { graceMs: 100, heartbeatIntervalMs: 200, nodeTimeoutMs: 1_000 },
    });
    const { token } = await node.createChannel({ clientId: AWKWARD_ID });
    const socket = await TestSocket.open(node.wsUrl, token);
    await app.waitForRequests(1);
    socket.close();
    await app.waitForRequests(2);
    expect(app.requests.map((r) => r.path)).toEqual(['/app/_ah/channel/connected/', '/app/_ah/channel/disconnected/']);
    for (const request of app.requests) {
      expect(String(request.headers['content-type'])).toMatch(/^multipart\/form-data; boundary=/);
      expect(await fromField(request)).toBe(AWKWARD_ID);
      expect(signatureValid(request)).toBe(true);
    }
  });
});
