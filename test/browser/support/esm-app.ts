/**
 * An app page that uses the ESM client (`@channel-gateway/client`, as a bundler-less page loads it: the
 * packages' built `dist` files and an import map), with a `getToken` that asks this app's own backend for
 * a new token (`GET /token`). The test plays that backend: it says how a token is made, and can take the
 * backend down. The page records every handler call in `window.events` (shape of app-page.ts's PageEvent).
 */
import { createReadStream, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { repoPath } from '../../support/index.js';

/** One handler call: `state` for onstatechange (its new state as `arg`), else as in app-page.ts. */
export interface EsmPageEvent {
  type: 'open' | 'message' | 'error' | 'close' | 'state';
  arg?: unknown;
}

interface EsmPageGlobals {
  events: EsmPageEvent[];
  /** The socket's `transport` (`websocket` or `stream`). */
  transport(): string | undefined;
}

const SERVED: Record<string, string> = {
  '/client/': repoPath('packages', 'client', 'dist'),
  '/protocol/': repoPath('packages', 'protocol', 'dist', 'esm'),
};

function renderPage(): string {
  return `<!doctype html>
<html>
<head><meta charset="utf-8"><title>Channel Gateway ESM test app</title>
<script type="importmap">{"imports":{"@channel-gateway/protocol":"/protocol/index.js"}}</script>
</head>
<body>
<script type="module">
import { Channel } from '/client/index.js';
const params = new URLSearchParams(location.search);
const clientId = params.get('clientId');
window.events = [];
const record = (type, arg) => window.events.push(arg === undefined ? { type } : { type, arg: JSON.parse(JSON.stringify(arg)) });
async function getToken() {
  const response = await fetch('/token?clientId=' + encodeURIComponent(clientId));
  if (!response.ok) throw new Error('the app could not issue a token: ' + response.status);
  return response.text();
}
const transports = params.get('transports');
const channel = new Channel(params.get('token'), { url: params.get('url'), getToken, ...(transports ? { transports: transports.split(',') } : {}) });
const socket = channel.open({
  onopen: () => record('open'),
  onmessage: (message) => record('message', message),
  onerror: (error) => record('error', error),
  onclose: () => record('close'),
  onstatechange: (change) => record('state', change.state),
});
window.transport = () => socket.transport;
</script>
</body>
</html>
`;
}

export class EsmAppServer {
  /** While true the app's backend is down: `GET /token` answers 503. */
  down = false;
  /** `GET /token` requests, answered or not. */
  tokenRequests = 0;
  /** Tokens the backend issued. */
  tokensIssued = 0;

  private constructor(
    private readonly server: Server,
    readonly origin: string,
  ) {}

  /** `issueToken` is the app's backend: a new token for the client ID (e.g. via POST /v1/channels). */
  static async start(issueToken: (clientId: string) => Promise<string>): Promise<EsmAppServer> {
    let app: EsmAppServer | undefined;
    const server = createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://app.test');
      if (url.pathname === '/app') {
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(renderPage());
        return;
      }
      if (url.pathname === '/token') {
        app!.tokenRequests++;
        if (app!.down) return void response.writeHead(503).end('down');
        issueToken(url.searchParams.get('clientId') ?? '').then(
          (token) => {
            app!.tokensIssued++;
            response.writeHead(200, { 'content-type': 'text/plain' }).end(token);
          },
          (error: Error) => response.writeHead(500).end(error.message),
        );
        return;
      }
      const prefix = Object.keys(SERVED).find((candidate) => url.pathname.startsWith(candidate));
      const file = prefix ? normalize(join(SERVED[prefix]!, url.pathname.slice(prefix.length))) : undefined;
      if (!prefix || !file || !file.startsWith(SERVED[prefix]!) || !file.endsWith('.js') || !existsSync(file)) {
        return void response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      }
      response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      createReadStream(file).pipe(response);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    app = new EsmAppServer(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return app;
  }

  /** `transports`: the client's option of that name (default: both, WebSocket first). */
  url(options: { socketUrl: string; clientId: string; token: string; transports?: readonly string[] }): string {
    const query = new URLSearchParams({ url: options.socketUrl, clientId: options.clientId, token: options.token });
    if (options.transports) query.set('transports', options.transports.join(','));
    return `${this.origin}/app?${query.toString()}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** The page in Playwright, with the WebSockets it opened and its uncaught errors. */
export class EsmAppPage {
  readonly websockets: string[] = [];
  readonly pageErrors: string[] = [];

  private constructor(readonly page: Page) {
    page.on('websocket', (ws) => this.websockets.push(ws.url()));
    page.on('pageerror', (error) => this.pageErrors.push(error.message));
  }

  static async open(context: BrowserContext, url: string): Promise<EsmAppPage> {
    const app = new EsmAppPage(await context.newPage());
    await app.page.goto(url);
    await app.page.waitForFunction(() => Array.isArray((globalThis as unknown as EsmPageGlobals).events));
    return app;
  }

  events(): Promise<EsmPageEvent[]> {
    return this.page.evaluate(() => (globalThis as unknown as EsmPageGlobals).events);
  }

  transport(): Promise<string | undefined> {
    return this.page.evaluate(() => (globalThis as unknown as EsmPageGlobals).transport());
  }

  async messages(): Promise<string[]> {
    return (await this.events()).flatMap((event) => (event.type === 'message' ? [(event.arg as { data: string }).data] : []));
  }

  /** Resolves once the page recorded an event of `type` (at least `count` of them). */
  async waitForEvent(type: EsmPageEvent['type'], count = 1, timeoutMs = 10_000): Promise<EsmPageEvent[]> {
    try {
      await this.page.waitForFunction(
        ([t, n]) => (globalThis as unknown as EsmPageGlobals).events.filter((event) => event.type === t).length >= n,
        [type, count] as const,
        { timeout: timeoutMs },
      );
    } catch (error) {
      throw new Error(
        `waiting for ${count} ${type} event(s): ${(error as Error).message.split('\n')[0]}; page events: ${JSON.stringify(await this.events())}`,
        { cause: error },
      );
    }
    return this.events();
  }
}
