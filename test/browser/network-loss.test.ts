/**
 * Transient network loss is invisible to a GAE app: a TCP proxy between headless Chromium and an
 * in-process gateway drops every connection; the client reconnects, resumes, and the buffer replays
 * what was sent meanwhile, exactly once and in order, with no onerror and no onclose.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import { launchChromium } from '../support/index.js';
import { startTestGateway, type TestGateway } from '../../packages/gateway/test/support/in-process-gateway.js';
import { AppPage, PageServer, type AppPageOptions } from './support/app-page.js';
import { TcpProxy } from './support/tcp-proxy.js';

describe('browser client through a network that drops', () => {
  let gateway: TestGateway;
  let proxy: TcpProxy;
  let browser: Browser;
  let pages: PageServer;
  let context: BrowserContext | undefined;

  beforeAll(async () => {
    [gateway, browser, pages] = await Promise.all([startTestGateway('redis'), launchChromium(), PageServer.start()]);
    proxy = await TcpProxy.start(Number(new URL(gateway.httpUrl).port));
  });
  afterEach(async () => {
    await context?.close();
    context = undefined;
    proxy.unblock();
  });
  afterAll(async () => {
    await browser?.close();
    await proxy?.close();
    await Promise.all([gateway?.stop(), pages?.close()]);
  });

  /** A page whose jsapi, and so whose socket, goes through the proxy. */
  async function openApp(token: string, channelOptions?: AppPageOptions['channelOptions']): Promise<AppPage> {
    context = await browser.newContext();
    const url = pages.url({ jsapiUrl: `${proxy.httpUrl}/_ah/channel/jsapi`, token, ...(channelOptions ? { channelOptions } : {}) });
    const app = await AppPage.open(context, url);
    await app.waitForEvent({ type: 'open' });
    expect(app.websockets).toEqual([`ws://127.0.0.1:${proxy.port}/v1/socket`]);
    return app;
  }

  const expectedEvents = (messages: string[]) => [{ socket: 1, type: 'open' }, ...messages.map((data) => ({ socket: 1, type: 'message', arg: { data } }))];

  it('messages sent while the network is down arrive once, in order, after the client reconnects by itself', async () => {
    const { clientId, token } = await gateway.createChannel();
    const app = await openApp(token);
    expect(await gateway.send(clientId, 'm1')).toBe('routed');
    await app.waitForEvents(2);

    proxy.block();
    expect(proxy.cutAll()).toBeGreaterThanOrEqual(1);
    // Sent while no connection can be made: whether the gateway has noticed the drop yet (routed to a
    // dead socket) or not (queued), both must end up in the buffer and be replayed.
    const statuses = [await gateway.send(clientId, 'm2 ✓'), await gateway.send(clientId, '{"n":3}')];
    for (const status of statuses) expect(['routed', 'queued']).toContain(status);
    proxy.unblock();

    await app.waitForEvents(4, 20_000);
    // A barrier: any duplicate of the replay would come before a message sent after it.
    expect(await gateway.send(clientId, 'm4')).toBe('routed');
    expect(await app.waitForEvents(5)).toEqual(expectedEvents(['m1', 'm2 ✓', '{"n":3}', 'm4']));
    expect(app.websockets.length).toBeGreaterThanOrEqual(2); // it really did reconnect
    expect(await app.readyState()).toBe(1);
    expect(app.pageErrors).toEqual([]);
  });

  it('survives drops in quick succession, including sends right after each drop', async () => {
    const { clientId, token } = await gateway.createChannel();
    const app = await openApp(token);
    const sent: string[] = [];
    for (let round = 1; round <= 3; round++) {
      const before = `before drop ${round}`;
      sent.push(before);
      await gateway.send(clientId, before);
      await app.waitForEvents(1 + sent.length);
      const socketsBefore = app.websockets.length;
      expect(proxy.cutAll()).toBeGreaterThanOrEqual(1);
      const after = `right after drop ${round}`;
      sent.push(after);
      await gateway.send(clientId, after);
      await app.waitForEvents(1 + sent.length, 20_000);
      expect(app.websockets.length).toBeGreaterThan(socketsBefore);
    }
    expect(await gateway.send(clientId, 'last')).toBe('routed');
    expect(await app.waitForEvents(2 + sent.length)).toEqual(expectedEvents([...sent, 'last']));
    expect(app.pageErrors).toEqual([]);
  });

  it('a drop only the browser notices: what the gateway wrote to the dead socket is replayed from the resume position', async () => {
    const { clientId, token } = await gateway.createChannel();
    const app = await openApp(token);
    expect(await gateway.send(clientId, 'm1')).toBe('routed');
    await app.waitForEvents(2);

    proxy.block();
    expect(proxy.cutClientSide()).toBeGreaterThanOrEqual(1);
    // The gateway still holds an open socket, so it routes and writes these; they never reach the page.
    expect(await gateway.send(clientId, 'm2')).toBe('routed');
    expect(await gateway.send(clientId, 'm3')).toBe('routed');
    proxy.unblock();

    await app.waitForEvents(4, 20_000);
    expect(await gateway.send(clientId, 'm4')).toBe('routed');
    expect(await app.waitForEvents(5)).toEqual(expectedEvents(['m1', 'm2', 'm3', 'm4']));
    expect(app.websockets.length).toBeGreaterThanOrEqual(2);
    expect(app.pageErrors).toEqual([]);
  });

  it('a half-open connection neither end notices is caught by the client heartbeat, which reconnects and resumes', async () => {
    const { clientId, token } = await gateway.createChannel();
    // Short heartbeat through the client's own options (the defaults, 25 s + 10 s, are for production);
    // still under the gateway's flood limit of 30 frames in 10 s.
    const app = await openApp(token, { heartbeatIntervalMs: 500, heartbeatTimeoutMs: 500 });
    expect(await gateway.send(clientId, 'm1')).toBe('routed');
    await app.waitForEvents(2);

    expect(proxy.freezeAll()).toBeGreaterThanOrEqual(1);
    // Both TCP connections stay up: nothing but the heartbeat can tell the page this one is dead.
    expect(await gateway.send(clientId, 'm2 (into the void)')).toBe('routed');

    await app.waitForEvents(3, 20_000);
    expect(await gateway.send(clientId, 'm3')).toBe('routed');
    expect(await app.waitForEvents(4)).toEqual(expectedEvents(['m1', 'm2 (into the void)', 'm3']));
    expect(app.websockets).toHaveLength(2);
    expect(app.pageErrors).toEqual([]);
  });
});
