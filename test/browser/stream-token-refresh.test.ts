/**
 * Token refresh over the HTTP stream in headless Chromium: an ESM page with `getToken` that may only use
 * the stream (`transports: ['stream']`, as where no WebSocket gets through) refreshes by `POST /v1/refresh`
 * across several short token lifetimes while messages flow: one stream, none lost, no onclose.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import { launchChromium, shortenToken, waitFor, type TokenRecordLocation } from '../support/index.js';
import { startTestGateway, type TestGateway } from '../../packages/gateway/test/support/in-process-gateway.js';
import { EsmAppPage, EsmAppServer } from './support/esm-app.js';

/** Each token lives this long: the client refreshes a tenth of it (500 ms) before it expires. */
const LIFETIME_MS = 5_000;
const EXPIRIES = 3;

describe('token refresh over the HTTP stream in the browser (ESM client, getToken)', () => {
  let gateway: TestGateway;
  let tokens: TokenRecordLocation;
  let browser: Browser;
  let app: EsmAppServer;
  let context: BrowserContext | undefined;

  async function issueToken(clientId: string): Promise<string> {
    const { token } = await gateway.createChannel({ clientId, durationMinutes: 1 });
    await shortenToken(tokens, token, LIFETIME_MS);
    return token;
  }

  beforeAll(async () => {
    gateway = await startTestGateway('redis');
    tokens = { redisUrl: gateway.node.config.redisUrl!, keyPrefix: gateway.node.config.keyPrefix };
    [browser, app] = await Promise.all([launchChromium(), EsmAppServer.start((clientId) => issueToken(clientId))]);
  });
  afterEach(async () => {
    await context?.close();
    context = undefined;
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all([gateway?.stop(), app?.close()]);
  });

  it(`refreshes across ${EXPIRIES} token expiries on one stream while messages flow`, { timeout: 60_000 }, async () => {
    const clientId = 'stream-refresh';
    context = await browser.newContext();
    const streams: string[] = [];
    let refreshed = 0;
    context.on('request', (request) => request.url().endsWith('/v1/stream') && streams.push(request.url()));
    context.on('response', (response) => response.url().endsWith('/v1/refresh') && response.status() === 200 && refreshed++);
    const page = await EsmAppPage.open(context, app.url({ socketUrl: gateway.wsUrl, clientId, token: await issueToken(clientId), transports: ['stream'] }));
    await page.waitForEvent('open');
    const openedAt = Date.now();
    expect(await page.transport()).toBe('stream');

    const sent: string[] = [];
    /** A send not routed to a live connection (the stream gone at an expiry) ends the flow. */
    const unrouted: string[] = [];
    let sending = true;
    const sender = (async () => {
      while (sending && sent.length < 20_000) {
        const message = `m${sent.length}`;
        const status = await gateway.send(clientId, message);
        if (status !== 'routed') return void unrouted.push(`${message}: ${status}`);
        sent.push(message);
      }
    })();
    // The stream must outlive EXPIRIES tokens. (Under load a refresh may be tried again before its answer
    // arrives, so the tokens issued are not a clock: the time the stream lived is what counts.)
    await waitFor(() => Date.now() - openedAt > EXPIRIES * LIFETIME_MS, {
      timeoutMs: (EXPIRIES + 2) * LIFETIME_MS,
      intervalMs: 100,
      what: `${EXPIRIES} token lifetimes`,
    });
    sending = false;
    await sender;
    expect(unrouted).toEqual([]);
    await waitFor(async () => (await page.messages()).length >= sent.length, { timeoutMs: 10_000, what: 'every message in the page' });

    expect(await page.messages()).toEqual(sent);
    expect((await page.events()).filter((event) => event.type !== 'message')).toEqual([{ type: 'state', arg: 'open' }, { type: 'open' }]);
    expect(streams).toHaveLength(1); // the stream outlived every token it was opened with
    expect(page.websockets).toEqual([]);
    expect(page.pageErrors).toEqual([]);
    expect(refreshed).toBeGreaterThanOrEqual(EXPIRIES); // each by POST /v1/refresh, accepted
  });
});
