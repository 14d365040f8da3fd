/**
 * Token refresh in headless Chromium (issue 16): a page on the ESM client with `getToken`, against an
 * in-process gateway on Redis, with tokens that live seconds (their Redis record is rewritten, as in
 * test/cluster/token-refresh.test.ts). It refreshes across many expiries while messages flow, with no
 * reconnect and no onclose, on a WebSocket and on a stream-only page (`POST /v1/refresh`); and when the app is
 * down, the socket ends with GAE's `Token+timed+out.`.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import { launchChromium, shortenToken, waitFor, type TokenRecordLocation } from '../support/index.js';
import { startTestGateway, type TestGateway } from '../../packages/gateway/test/support/in-process-gateway.js';
import { observeQuietPeriod } from './support/app-page.js';
import { EsmAppPage, EsmAppServer } from './support/esm-app.js';

/** Each token lives this long: the client refreshes a tenth of it (500 ms) before it expires. */
const LIFETIME_MS = 5_000;
const EXPIRIES = 5;
/** Over the HTTP stream (`transports: ['stream']`, as where no WebSocket gets through), refreshed by `POST /v1/refresh`. */
const STREAM_EXPIRIES = 3;

describe('token refresh in the browser (ESM client, getToken)', () => {
  let gateway: TestGateway;
  let tokens: TokenRecordLocation;
  let browser: Browser;
  let app: EsmAppServer;
  let context: BrowserContext | undefined;

  /** What the app's backend does for getToken: a new token for the client, living LIFETIME_MS. */
  async function issueToken(clientId: string, lifetimeMs = LIFETIME_MS): Promise<string> {
    const { token } = await gateway.createChannel({ clientId, durationMinutes: 1 });
    await shortenToken(tokens, token, lifetimeMs);
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
    app.down = false;
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all([gateway?.stop(), app?.close()]);
  });

  async function openPage(clientId: string, token: string): Promise<EsmAppPage> {
    context = await browser.newContext();
    return EsmAppPage.open(context, app.url({ socketUrl: gateway.wsUrl, clientId, token }));
  }

  it(`refreshes across ${EXPIRIES} token expiries while messages flow: one WebSocket, none lost, no onclose`, { timeout: 90_000 }, async () => {
    const clientId = 'browser-refresh';
    const issuedBefore = app.tokensIssued;
    const startedAt = Date.now();
    const page = await openPage(clientId, await issueToken(clientId));
    await page.waitForEvent('open');

    const sent: string[] = [];
    let sending = true;
    const sender = (async () => {
      while (sending && sent.length < 20_000) {
        const message = `m${sent.length}`;
        expect(await gateway.send(clientId, message)).toBe('routed');
        sent.push(message);
      }
    })();
    // Every refresh is a token the app issued for getToken; the socket outlives each old token.
    await waitFor(() => app.tokensIssued - issuedBefore >= EXPIRIES, {
      timeoutMs: (EXPIRIES + 2) * LIFETIME_MS,
      intervalMs: 100,
      what: `${EXPIRIES} refreshes`,
    });
    sending = false;
    await sender;
    await waitFor(async () => (await page.messages()).length >= sent.length, { timeoutMs: 10_000, what: 'every message in the page' });
    const livedMs = Date.now() - startedAt;

    expect(await page.messages()).toEqual(sent);
    const events = await page.events();
    expect(events.filter((event) => event.type !== 'message')).toEqual([{ type: 'state', arg: 'open' }, { type: 'open' }]);
    expect(page.websockets).toHaveLength(1);
    expect(page.pageErrors).toEqual([]);
    expect(livedMs).toBeGreaterThan(EXPIRIES * (LIFETIME_MS - LIFETIME_MS / 10));
    console.log(
      `browser token refresh: ${app.tokensIssued - issuedBefore} refreshes of ${LIFETIME_MS} ms tokens, ${sent.length} messages, one WebSocket for ${livedMs} ms`,
    );
  });

  it('when getToken fails (the app is down), retries a few times and ends as today: onerror Token+timed+out., then onclose', { timeout: 30_000 }, async () => {
    const clientId = 'browser-refresh-down';
    const page = await openPage(clientId, await issueToken(clientId, 3_000));
    await page.waitForEvent('open');
    app.down = true;
    const requestsBefore = app.tokenRequests;
    await page.waitForEvent('close', 1, 10_000);
    await observeQuietPeriod(page.page);

    expect((await page.events()).filter((event) => event.type !== 'state')).toEqual([
      { type: 'open' },
      { type: 'error', arg: { code: 401, description: 'Token+timed+out.' } },
      { type: 'close' },
    ]);
    const tries = app.tokenRequests - requestsBefore;
    expect(tries).toBeGreaterThan(1); // retried
    expect(tries).toBeLessThanOrEqual(4); // bounded (REFRESH_ATTEMPTS)
    expect(page.websockets).toHaveLength(1);
  });

  it(`refreshes across ${STREAM_EXPIRIES} token expiries on one stream while messages flow`, { timeout: 60_000 }, async () => {
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
    // The stream must outlive STREAM_EXPIRIES tokens. (Under load a refresh may be tried again before its answer
    // arrives, so the tokens issued are not a clock: the time the stream lived is what counts.)
    await waitFor(() => Date.now() - openedAt > STREAM_EXPIRIES * LIFETIME_MS, {
      timeoutMs: (STREAM_EXPIRIES + 2) * LIFETIME_MS,
      intervalMs: 100,
      what: `${STREAM_EXPIRIES} token lifetimes`,
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
    expect(refreshed).toBeGreaterThanOrEqual(STREAM_EXPIRIES); // each by POST /v1/refresh, accepted
  });
});
