/**
 * A GAE-style app page for browser tests: a small node:http server (port 0) renders an HTML page that
 * loads `<gateway>/_ah/channel/jsapi` with a plain script tag and uses `goog.appengine.Channel` exactly
 * as an App Engine app did, recording every handler call in `window.events`. `AppPage` drives such a
 * page in Playwright and waits on those events (page.waitForFunction, no sleeps).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BrowserContext, Page } from 'playwright-core';

/** One handler call, as the page recorded it. `socket` numbers the sockets `channel.open()` returned, from 1. */
export interface PageEvent {
  socket: number;
  type: 'open' | 'message' | 'error' | 'close';
  /** A JSON copy of the handler's argument (onmessage's `{data}`, onerror's `{code, description}`). */
  arg?: unknown;
}

/** How the page attaches its handlers: GAE allowed both. */
export type HandlerStyle = 'object' | 'properties';

export interface AppPageOptions {
  /** Where the page loads the client from: `<gateway http url>/_ah/channel/jsapi`. */
  jsapiUrl: string;
  /** Rendered into the page by the "backend", as GAE apps did with `create_channel`'s token. */
  token: string;
  /** `object`: `channel.open({onopen, …})` (default); `properties`: `socket.onopen = …` after `open()`. */
  handlers?: HandlerStyle;
  /**
   * Options of this gateway's client that GAE had not (e.g. `heartbeatIntervalMs`, `streamUrl`), passed as
   * the second argument of `new goog.appengine.Channel(token, options)` (JSON values only). Absent: the page
   * is exactly a GAE page.
   */
  channelOptions?: Record<string, unknown>;
}

/**
 * What the page puts on `window`. Functions run in the page (page.evaluate) reach it as
 * `(globalThis as unknown as PageGlobals)`: the tests compile without the DOM library, which would
 * clash with Node's types in the gateway sources they import.
 */
interface PageGlobals {
  events: PageEvent[];
  /**
   * The app's own controls: open another socket on the same channel, close the current one; and what the
   * socket says of itself beyond GAE (`state`, `transport`).
   */
  app: { open(): number; close(): void; readyState(): number; state(): string; transport(): string | undefined };
}

/** Safe inside a <script> element: JSON with `<`, U+2028 and U+2029 escaped. */
function scriptLiteral(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function htmlAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

export function renderAppPage({ jsapiUrl, token, handlers = 'object', channelOptions }: AppPageOptions): string {
  const channel = channelOptions ? `new goog.appengine.Channel(token, ${scriptLiteral(channelOptions)})` : 'new goog.appengine.Channel(token)';
  return `<!doctype html>
<html>
<head><meta charset="utf-8"><title>Channel Gateway test app</title></head>
<body>
<script src="${htmlAttribute(jsapiUrl)}"></script>
<script>
(function () {
  var token = ${scriptLiteral(token)};
  var style = ${scriptLiteral(handlers)};
  var channel = ${channel};
  var socket = null;
  var count = 0;
  window.events = [];

  function record(n, type, arg) {
    var event = { socket: n, type: type };
    if (arg !== undefined) event.arg = JSON.parse(JSON.stringify(arg));
    window.events.push(event);
  }

  function handlersFor(n) {
    return {
      onopen: function () { record(n, 'open'); },
      onmessage: function (message) { record(n, 'message', message); },
      onerror: function (error) { record(n, 'error', error); },
      onclose: function () { record(n, 'close'); }
    };
  }

  function open() {
    var n = ++count;
    var handler = handlersFor(n);
    if (style === 'properties') {
      socket = channel.open();
      socket.onopen = handler.onopen;
      socket.onmessage = handler.onmessage;
      socket.onerror = handler.onerror;
      socket.onclose = handler.onclose;
    } else {
      socket = channel.open(handler);
    }
    return n;
  }

  window.app = {
    open: open,
    close: function () { socket.close(); },
    readyState: function () { return socket.readyState; },
    state: function () { return socket.state; },
    transport: function () { return socket.transport; }
  };
  open();
})();
</script>
</body>
</html>
`;
}

/** Serves app pages at `/app?jsapi=…&token=…&handlers=…` on an ephemeral loopback port. */
export class PageServer {
  private constructor(
    private readonly server: Server,
    readonly origin: string,
  ) {}

  static async start(): Promise<PageServer> {
    const server = createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://page.test');
      const jsapi = url.searchParams.get('jsapi');
      const token = url.searchParams.get('token');
      const handlers = url.searchParams.get('handlers') === 'properties' ? 'properties' : 'object';
      const options = url.searchParams.get('options');
      if (url.pathname !== '/app' || jsapi === null || token === null) {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      response
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
        .end(renderAppPage({ jsapiUrl: jsapi, token, handlers, ...(options ? { channelOptions: JSON.parse(options) } : {}) }));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    return new PageServer(server, `http://127.0.0.1:${port}`);
  }

  url(options: AppPageOptions): string {
    const query = new URLSearchParams({ jsapi: options.jsapiUrl, token: options.token, handlers: options.handlers ?? 'object' });
    if (options.channelOptions) query.set('options', JSON.stringify(options.channelOptions));
    return `${this.origin}/app?${query.toString()}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A Playwright page running the app, with what it did recorded on the Node side too. */
export class AppPage {
  /** URL of every WebSocket the page opened (first connection and reconnections). */
  readonly websockets: string[] = [];
  /** Uncaught exceptions in the page (including ones thrown by the client or reported from handlers). */
  readonly pageErrors: string[] = [];

  private constructor(readonly page: Page) {
    page.on('websocket', (ws) => this.websockets.push(ws.url()));
    page.on('pageerror', (error) => this.pageErrors.push(error.message));
  }

  static async open(context: BrowserContext, url: string): Promise<AppPage> {
    const app = new AppPage(await context.newPage());
    await app.page.goto(url);
    // The inline script ran (it throws before this if goog.appengine.Channel is missing).
    await app.page.waitForFunction(() => {
      const page = globalThis as unknown as PageGlobals;
      return Array.isArray(page.events) && typeof page.app === 'object';
    });
    return app;
  }

  events(): Promise<PageEvent[]> {
    return this.page.evaluate(() => (globalThis as unknown as PageGlobals).events);
  }

  /** `channel.open()` again, as the app would; returns the number of the new socket. */
  reopen(): Promise<number> {
    return this.page.evaluate(() => (globalThis as unknown as PageGlobals).app.open());
  }

  /** `socket.close()` on the current socket, as the app would. */
  closeSocket(): Promise<void> {
    return this.page.evaluate(() => (globalThis as unknown as PageGlobals).app.close());
  }

  /** The current socket's `readyState` (0 CONNECTING, 1 OPEN, 2 CLOSING, 3 CLOSED). */
  readyState(): Promise<number> {
    return this.page.evaluate(() => (globalThis as unknown as PageGlobals).app.readyState());
  }

  /** `socket.transport`: what carries the current socket (`websocket` or `stream`), not in GAE. */
  transport(): Promise<string | undefined> {
    return this.page.evaluate(() => (globalThis as unknown as PageGlobals).app.transport());
  }

  /** `socket.state` (`connecting`, `open`, `reconnecting`, `closed`), not in GAE. */
  state(): Promise<string> {
    return this.page.evaluate(() => (globalThis as unknown as PageGlobals).app.state());
  }

  /** Resolves once `socket.transport` is `transport`. */
  async waitForTransport(transport: string, timeoutMs = 10_000): Promise<void> {
    await this.wait(
      () =>
        this.page.waitForFunction((t: string) => (globalThis as unknown as PageGlobals).app.transport() === t, transport, {
          timeout: timeoutMs,
        }),
      `transport ${transport}`,
    );
  }

  /** Resolves with the events once the page has recorded at least `count` of them. */
  async waitForEvents(count: number, timeoutMs = 10_000): Promise<PageEvent[]> {
    await this.wait(
      () =>
        this.page.waitForFunction((n: number) => (globalThis as unknown as PageGlobals).events.length >= n, count, {
          timeout: timeoutMs,
        }),
      `${count} events`,
    );
    return this.events();
  }

  /** Resolves with the events once one matches every field of `match` (compared as JSON). */
  async waitForEvent(match: Partial<PageEvent>, timeoutMs = 10_000): Promise<PageEvent[]> {
    await this.wait(
      () =>
        this.page.waitForFunction(
          (m: Partial<PageEvent>) =>
            (globalThis as unknown as PageGlobals).events.some((event) =>
              (Object.keys(m) as Array<keyof PageEvent>).every((key) => JSON.stringify(event[key]) === JSON.stringify(m[key])),
            ),
          match,
          { timeout: timeoutMs },
        ),
      `an event like ${JSON.stringify(match)}`,
    );
    return this.events();
  }

  /** The data of every onmessage, in order. */
  async messages(): Promise<string[]> {
    return (await this.events()).flatMap((event) => (event.type === 'message' ? [(event.arg as { data: string }).data] : []));
  }

  /** Runs a page.waitForFunction; on failure, says what the page had recorded. */
  private async wait(waiting: () => Promise<unknown>, what: string): Promise<void> {
    try {
      await waiting();
    } catch (error) {
      const events = await this.events().catch(() => 'unavailable');
      const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
      throw new Error(`waiting for ${what}: ${message}; page events so far: ${JSON.stringify(events)}`, { cause: error });
    }
  }
}

/**
 * Proving that something does NOT happen (no reconnect after a terminal close, no late event) needs a
 * window of time: no event can announce an absence. The window is twice the client's first retry
 * window (backoff base 500 ms, attempt 0 waits at most that), so a wrong reconnect would show.
 */
export const QUIET_MS = 1_000;

export async function observeQuietPeriod(page: Page, ms = QUIET_MS): Promise<void> {
  await page.waitForTimeout(ms);
}
