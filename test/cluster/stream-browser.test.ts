/**
 * The HTTP stream in headless Chromium, behind HAProxy (round robin, no sticky sessions) over three real
 * gateway processes sharing one Redis. The page is a GAE page (goog.appengine.Channel from the jsapi);
 * messages flow from the backend through the load balancer, so each send lands on any node. What the
 * app sees must stay exactly GAE's: one onopen, every message once and in order, no onerror, no onclose.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import {
  gatewayApi,
  getFreePort,
  launchChromium,
  startGatewayProcess,
  startHaproxy,
  uniqueKeyPrefix,
  waitFor,
  type GatewayHandle,
  type LoadBalancer,
} from '../support/index.js';
import { AppPage, PageServer, type AppPageOptions } from '../browser/support/app-page.js';
import { expectDelivered, MessageFlow } from '../browser/support/message-flow.js';
import { TcpProxy } from '../browser/support/tcp-proxy.js';

const API_KEY = 'stream-browser-key';
const NODES = 3;
/** Quick retries, so a test spends its time on the fault, not on the client's default backoff. */
const FAST = { backoff: { baseMs: 100, capMs: 1_000 } };
/** A page without WebSocket, as some embedded browsers and locked-down pages are. */
const NO_WEBSOCKET = 'delete window.WebSocket;';

describe('browser client over the HTTP stream, three nodes behind HAProxy', () => {
  const keyPrefix = uniqueKeyPrefix();
  const ports: number[] = [];
  const nodes: Array<GatewayHandle | undefined> = [];
  let lb: LoadBalancer;
  let browser: Browser;
  let pages: PageServer;
  let context: BrowserContext | undefined;
  const api = gatewayApi(() => lb.httpUrl, API_KEY);

  const startNode = async (index: number) => {
    nodes[index] = await startGatewayProcess({
      apiKey: API_KEY,
      keyPrefix,
      nodeId: `node-${index}`,
      env: { CG_PORT: String(ports[index]), CG_HEARTBEAT_INTERVAL_MS: '500', CG_NODE_TIMEOUT_MS: '3000', CG_TRUST_PROXY: 'true' },
    });
  };
  const allUp = () => waitFor(async () => (await lb.serversUp()).length === NODES, { timeoutMs: 15_000, what: 'every node up in HAProxy' });

  beforeAll(async () => {
    for (let i = 0; i < NODES; i++) ports.push(await getFreePort());
    await Promise.all(ports.map((_, i) => startNode(i)));
    [lb, browser, pages] = await Promise.all([startHaproxy(ports.map((port, i) => ({ name: `node-${i}`, port }))), launchChromium(), PageServer.start()]);
  });
  beforeEach(async () => {
    // A test that killed a node leaves it for this one to restart.
    for (let i = 0; i < NODES; i++) if (!nodes[i] || nodes[i]!.process.exitInfo()) await startNode(i);
    await allUp();
  });
  afterEach(async () => {
    await context?.close();
    context = undefined;
  });
  afterAll(async () => {
    await browser?.close();
    await lb?.stop();
    await Promise.all([...nodes.map((node) => node?.stop()), pages?.close()]);
  });

  async function createChannel(): Promise<{ clientId: string; token: string }> {
    const { status, body } = await api('POST', '/v1/channels', {});
    expect(status).toBe(201);
    return body;
  }

  async function openApp(
    token: string,
    options: { via?: LoadBalancer; init?: string; channelOptions?: AppPageOptions['channelOptions'] } = {},
  ): Promise<AppPage> {
    context = await browser.newContext();
    if (options.init) await context.addInitScript({ content: options.init });
    const jsapiUrl = `${(options.via ?? lb).httpUrl}/_ah/channel/jsapi`;
    const app = await AppPage.open(context, pages.url({ jsapiUrl, token, channelOptions: { ...FAST, ...options.channelOptions } }));
    await app.waitForEvent({ type: 'open' });
    return app;
  }

  /** Waits until the page has received `last` (when anything was acknowledged), then checks the whole flow. */
  async function expectFlowDelivered(app: AppPage, flow: MessageFlow, last: number | undefined): Promise<void> {
    if (last !== undefined) await app.waitForEvent({ type: 'message', arg: { data: String(last) } }, 30_000);
    const events = await app.events();
    expect(events.filter((event) => event.type !== 'message')).toEqual([{ socket: 1, type: 'open' }]);
    expectDelivered(await app.messages(), flow);
    expect(await app.readyState()).toBe(1);
    expect(app.pageErrors).toEqual([]);
  }

  /** The node holding the client's connection now. */
  async function owner(clientId: string): Promise<number> {
    let node = -1;
    await waitFor(
      async () => {
        const { body } = await api('GET', `/v1/channels/${encodeURIComponent(clientId)}`);
        node = nodes.findIndex((handle) => handle && body?.connected && body.node === handle.nodeId);
        return node >= 0;
      },
      { timeoutMs: 10_000, what: `the owner of ${clientId}` },
    );
    return node;
  }

  it('a page without WebSocket gets every message in order over the stream, through round robin', async () => {
    const { clientId, token } = await createChannel();
    const app = await openApp(token, { init: NO_WEBSOCKET });
    expect(await app.transport()).toBe('stream');
    const flow = new MessageFlow(api, clientId);
    await app.waitForEvents(1 + 3 * NODES); // enough sends for round robin to have used every node
    const last = await flow.stop();
    await expectFlowDelivered(app, flow, last);
    expect(app.websockets).toEqual([]);
  });

  it('behind a proxy that strips the WebSocket upgrade, the page falls back to the stream by itself', async () => {
    const stripping = await startHaproxy(
      ports.map((port, i) => ({ name: `node-${i}`, port })),
      { stripUpgrades: true },
    );
    try {
      await waitFor(async () => (await stripping.serversUp()).length === NODES, { what: 'every node up behind the stripping proxy' });
      const { clientId, token } = await createChannel();
      const app = await openApp(token, { via: stripping });
      expect(await app.transport()).toBe('stream');
      expect(app.websockets).toHaveLength(1); // tried once, refused, then the stream
      const flow = new MessageFlow(gatewayApi(stripping.httpUrl, API_KEY), clientId);
      await app.waitForEvents(1 + 3 * NODES);
      const last = await flow.stop();
      await expectFlowDelivered(app, flow, last);
    } finally {
      await stripping.stop();
    }
  });

  it('the node holding the stream is killed with SIGKILL: the page resumes through another node, nothing lost', async () => {
    const { clientId, token } = await createChannel();
    const app = await openApp(token, { init: NO_WEBSOCKET });
    const flow = new MessageFlow(api, clientId);
    await app.waitForEvents(1 + 5);
    const doomed = await owner(clientId);
    await nodes[doomed]!.kill('SIGKILL');
    // The page must come back on another node and go on receiving.
    await waitFor(async () => (await owner(clientId)) !== doomed, { timeoutMs: 20_000, what: 'the stream to move to another node' });
    const count = (await app.messages()).length;
    await app.waitForEvents(1 + count + 5, 20_000);
    const last = await flow.stop();
    await expectFlowDelivered(app, flow, last);
    expect(await app.transport()).toBe('stream');
  });

  it('a rolling restart (each node drained, then started again) moves the streams without loss', async () => {
    const apps: Array<{ app: AppPage; flow: MessageFlow }> = [];
    const contexts: BrowserContext[] = [];
    try {
      // One page per node, more or less: round robin spreads them.
      for (let i = 0; i < NODES; i++) {
        const { clientId, token } = await createChannel();
        const app = await openApp(token, { init: NO_WEBSOCKET });
        contexts.push(context!);
        context = undefined;
        apps.push({ app, flow: new MessageFlow(api, clientId) });
      }
      for (let i = 0; i < NODES; i++) {
        expect(await nodes[i]!.kill('SIGTERM')).toBe(0); // drains, then exits cleanly
        await startNode(i);
        await allUp();
      }
      for (const { app, flow } of apps) await expectFlowDelivered(app, flow, await flow.stop());
    } finally {
      await Promise.all(apps.map(({ flow }) => flow.stop()));
      await Promise.all(contexts.map((c) => c.close()));
    }
  });

  it('a page on the stream moves to a WebSocket once one gets through, mid-flow: in order, no duplicate, no onclose', async () => {
    // The WebSocket goes through a TCP proxy that refuses connections until unblocked; the stream does not.
    const proxy = await TcpProxy.start(Number(new URL(lb.httpUrl).port));
    proxy.block();
    try {
      const { clientId, token } = await createChannel();
      const app = await openApp(token, {
        channelOptions: {
          url: `ws://127.0.0.1:${proxy.port}/v1/socket`,
          streamUrl: `${lb.httpUrl}/v1/stream`,
          websocketRetry: { firstMs: 500, capMs: 1_000 },
        },
      });
      expect(await app.transport()).toBe('stream');
      const flow = new MessageFlow(api, clientId);
      await app.waitForEvents(1 + 5);
      // A slow path for the WebSocket: the stream goes on delivering while the hello travels (the
      // WebSocket then replays what the stream already gave), and the stream's REPLACED comes before the
      // WebSocket's open. Both must be invisible to the app.
      proxy.latencyMs = 300;
      proxy.unblock();
      await app.waitForTransport('websocket', 15_000);
      const count = (await app.messages()).length;
      await app.waitForEvents(1 + count + 5, 20_000);
      const last = await flow.stop();
      await expectFlowDelivered(app, flow, last);
      expect(await app.transport()).toBe('websocket');
      expect(await app.state()).toBe('open');
    } finally {
      await proxy.close();
    }
  });
});
