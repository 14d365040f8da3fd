/**
 * The GAE browser API in headless Chromium against two real gateway processes sharing one Redis: the
 * page loads /_ah/channel/jsapi from node A, the backend talks to node B.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import { TEST_TRANSPORTS } from '../../packages/gateway/test/support/transports.js';
import { launchChromium, startGatewayProcess, uniqueKeyPrefix, type GatewayHandle } from '../support/index.js';
import { AppPage, PageServer, observeQuietPeriod } from './support/app-page.js';

const API_KEY = 'browser-two-nodes-key';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read answers of many shapes; the SDK is the typed client
async function api(node: GatewayHandle, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(node.httpUrl + path, {
    method,
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

// One node per transport (both where uWS loads natively): the page's sockets move between them.
const [TRANSPORT_A, TRANSPORT_B] = [TEST_TRANSPORTS[0]!, TEST_TRANSPORTS[TEST_TRANSPORTS.length - 1]!];

describe(`browser client with two gateway processes (${TRANSPORT_A} and ${TRANSPORT_B} transports)`, () => {
  let a: GatewayHandle;
  let b: GatewayHandle;
  let browser: Browser;
  let pages: PageServer;
  let context: BrowserContext | undefined;

  beforeAll(async () => {
    const keyPrefix = uniqueKeyPrefix();
    [a, b, browser, pages] = await Promise.all([
      startGatewayProcess({ apiKey: API_KEY, keyPrefix, transport: TRANSPORT_A }),
      startGatewayProcess({ apiKey: API_KEY, keyPrefix, transport: TRANSPORT_B }),
      launchChromium(),
      PageServer.start(),
    ]);
  });
  afterEach(async () => {
    await context?.close();
    context = undefined;
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all([a?.stop(), b?.stop(), pages?.close()]);
  });

  async function openApp(token: string): Promise<AppPage> {
    context = await browser.newContext();
    return AppPage.open(context, pages.url({ jsapiUrl: `${a.httpUrl}/_ah/channel/jsapi`, token }));
  }

  it('delivers sends made on node B to a page connected to node A, byte for byte, with one onopen', async () => {
    const created = await api(b, 'POST', '/v1/channels', {});
    expect(created.status).toBe(201);
    const { clientId, token } = created.body as { clientId: string; token: string };

    const app = await openApp(token);
    await app.waitForEvent({ type: 'open' });
    // The page took its socket URL from the script's origin: node A holds it.
    expect(app.websockets).toEqual([a.wsUrl]);
    const info = await api(b, 'GET', `/v1/channels/${clientId}`);
    expect(info.body).toMatchObject({ clientId, connected: true, node: a.nodeId });

    const texts = [
      'héllo wörld – 日本語 😀 \u2028 \u{1F680}',
      JSON.stringify({ type: 'chat', text: 'say "hi" </script> \\ done', n: [1, 2.5, null], nested: { ok: true } }),
      '',
      '  leading and trailing spaces\n\ttab  ',
    ];
    for (const message of texts) {
      expect(await api(b, 'POST', `/v1/channels/${clientId}/messages`, { message })).toEqual({ status: 202, body: { status: 'routed' } });
    }
    const events = await app.waitForEvents(1 + texts.length);
    expect(events).toEqual([{ socket: 1, type: 'open' }, ...texts.map((data) => ({ socket: 1, type: 'message', arg: { data } }))]);
    expect(JSON.parse((events[2]!.arg as { data: string }).data)).toMatchObject({ type: 'chat', nested: { ok: true } });
    expect(app.pageErrors).toEqual([]);
  });

  it('an invalid token gets onerror {401, "Invalid+token."} then onclose, and nothing after', async () => {
    const app = await openApp('this-token-was-never-issued');
    await app.waitForEvents(2);
    await observeQuietPeriod(app.page);
    expect(await app.events()).toEqual([
      { socket: 1, type: 'error', arg: { code: 401, description: 'Invalid+token.' } },
      { socket: 1, type: 'close' },
    ]);
    expect(await app.readyState()).toBe(3);
    expect(app.websockets).toHaveLength(1); // no reconnect
    expect(app.pageErrors).toEqual([]);
  });
});
