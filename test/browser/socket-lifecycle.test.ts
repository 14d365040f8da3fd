/**
 * The GAE browser API in headless Chromium against an in-process gateway (Redis stores): token expiry
 * while connected, revocation, close and reopen, handlers set as properties, newest socket wins.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import { launchChromium } from '../support/index.js';
import { startTestGateway, type TestGateway } from '../../packages/gateway/test/support/in-process-gateway.js';
import { AppPage, PageServer, observeQuietPeriod, type AppPageOptions } from './support/app-page.js';

describe('browser socket lifecycle', () => {
  let gateway: TestGateway;
  let browser: Browser;
  let pages: PageServer;
  let context: BrowserContext | undefined;
  const extraGateways: TestGateway[] = [];

  beforeAll(async () => {
    [gateway, browser, pages] = await Promise.all([startTestGateway('redis'), launchChromium(), PageServer.start()]);
  });
  afterEach(async () => {
    await context?.close();
    context = undefined;
    await Promise.all(extraGateways.splice(0).map((extra) => extra.stop()));
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all([gateway?.stop(), pages?.close()]);
  });

  async function openApp(on: TestGateway, token: string, options: Partial<AppPageOptions> = {}): Promise<AppPage> {
    context ??= await browser.newContext();
    return AppPage.open(context, pages.url({ jsapiUrl: `${on.httpUrl}/_ah/channel/jsapi`, token, ...options }));
  }

  it('token expiry while connected: onerror {401, "Token+timed+out."} then onclose', async () => {
    // Its own node: moving the clock forward must not touch the other tests' channels.
    const expiring = await startTestGateway('redis');
    extraGateways.push(expiring);
    const { clientId, token } = await expiring.createChannel({ durationMinutes: 1 });
    const app = await openApp(expiring, token);
    await app.waitForEvent({ type: 'open' });
    expect(await expiring.send(clientId, 'before expiry')).toBe('routed');
    await app.waitForEvent({ type: 'message' });

    expiring.clock.advance(61_000);
    await app.waitForEvent({ type: 'close' });
    await observeQuietPeriod(app.page);
    expect(await app.events()).toEqual([
      { socket: 1, type: 'open' },
      { socket: 1, type: 'message', arg: { data: 'before expiry' } },
      { socket: 1, type: 'error', arg: { code: 401, description: 'Token+timed+out.' } },
      { socket: 1, type: 'close' },
    ]);
    expect(app.websockets).toHaveLength(1);
    expect(app.pageErrors).toEqual([]);
  });

  it('DELETE /v1/channels/{id} while connected: onerror {401, "Invalid+token."} then onclose', async () => {
    const { clientId, token } = await gateway.createChannel();
    const app = await openApp(gateway, token);
    await app.waitForEvent({ type: 'open' });

    expect((await gateway.api('DELETE', `/v1/channels/${encodeURIComponent(clientId)}`)).status).toBe(204);
    await app.waitForEvent({ type: 'close' });
    await observeQuietPeriod(app.page);
    expect(await app.events()).toEqual([
      { socket: 1, type: 'open' },
      { socket: 1, type: 'error', arg: { code: 401, description: 'Invalid+token.' } },
      { socket: 1, type: 'close' },
    ]);
    expect(app.websockets).toHaveLength(1);
    expect(await gateway.send(clientId, 'after delete')).toBe('no_channel');
  });

  it('socket.close() then channel.open() again with the same token: the new socket opens and gets later messages', async () => {
    const { clientId, token } = await gateway.createChannel();
    const app = await openApp(gateway, token);
    await app.waitForEvent({ type: 'open' });
    expect(await gateway.send(clientId, 'to the first socket')).toBe('routed');
    await app.waitForEvent({ type: 'message' });

    await app.closeSocket();
    await app.waitForEvent({ socket: 1, type: 'close' });
    expect(await app.reopen()).toBe(2);
    await app.waitForEvent({ socket: 2, type: 'open' });

    expect(await gateway.send(clientId, 'to the second socket')).toBe('routed');
    await app.waitForEvent({ socket: 2, type: 'message' });
    // A barrier: a duplicate or misrouted message would have arrived before this one.
    expect(await gateway.send(clientId, 'last')).toBe('routed');
    expect(await app.waitForEvents(6)).toEqual([
      { socket: 1, type: 'open' },
      { socket: 1, type: 'message', arg: { data: 'to the first socket' } },
      { socket: 1, type: 'close' },
      { socket: 2, type: 'open' },
      { socket: 2, type: 'message', arg: { data: 'to the second socket' } },
      { socket: 2, type: 'message', arg: { data: 'last' } },
    ]);
    expect(app.websockets).toHaveLength(2);
    expect(app.pageErrors).toEqual([]);
  });

  it('handlers set as properties on the socket after open(), GAE style, get every event', async () => {
    const { clientId, token } = await gateway.createChannel();
    const app = await openApp(gateway, token, { handlers: 'properties' });
    await app.waitForEvent({ type: 'open' });
    expect(await gateway.send(clientId, 'via property handler')).toBe('routed');
    await app.waitForEvent({ type: 'message' });
    expect((await gateway.api('DELETE', `/v1/channels/${encodeURIComponent(clientId)}`)).status).toBe(204);
    expect(await app.waitForEvents(4)).toEqual([
      { socket: 1, type: 'open' },
      { socket: 1, type: 'message', arg: { data: 'via property handler' } },
      { socket: 1, type: 'error', arg: { code: 401, description: 'Invalid+token.' } },
      { socket: 1, type: 'close' },
    ]);
    expect(app.pageErrors).toEqual([]);
  });

  it('newest socket wins: the first page gets onclose without onerror and does not reconnect', async () => {
    const { clientId, token } = await gateway.createChannel();
    const first = await openApp(gateway, token);
    await first.waitForEvent({ type: 'open' });
    const second = await openApp(gateway, token);
    await second.waitForEvent({ type: 'open' });
    await first.waitForEvent({ type: 'close' });

    // Were the first page to reconnect, it would take the client back from the second one.
    await observeQuietPeriod(first.page);
    expect(await gateway.send(clientId, 'for the newest')).toBe('routed');
    await second.waitForEvent({ type: 'message' });

    expect(await first.events()).toEqual([
      { socket: 1, type: 'open' },
      { socket: 1, type: 'close' },
    ]);
    expect(await second.events()).toEqual([
      { socket: 1, type: 'open' },
      { socket: 1, type: 'message', arg: { data: 'for the newest' } },
    ]);
    expect(first.websockets).toHaveLength(1);
    expect(second.websockets).toHaveLength(1);
    expect(await first.readyState()).toBe(3);
    expect([...first.pageErrors, ...second.pageErrors]).toEqual([]);
  });
});
