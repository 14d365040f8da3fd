/**
 * Issue 14.6 through real proxies left at their defaults, both of which speak HTTP/1.0 to the nodes:
 * nginx without `proxy_http_version` (the shipped deploy/nginx/nginx.conf minus that line), and HAProxy's
 * `option httpchk GET /readyz` (HTTP/1.0 unless a version is given). Behind nginx the node transport,
 * which serves them, answers every route; HAProxy's default check marks a node-transport node up and a
 * uWS node never (the fork does not answer the check: L7TOUT; the official build answers 505: L7STS),
 * while the documented HTTP/1.1 check marks both up (README, "Transports").
 */
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_TRANSPORTS } from '../../packages/gateway/test/support/transports.js';
import { gatewayApi, startGatewayProcess, startHaproxy, startNginx, waitFor, type GatewayHandle } from '../support/index.js';
import { HTTP11_CHECK } from '../support/haproxy.js';

const HTTP10_CHECK = ['option httpchk GET /readyz'];

/** nginx's defaults for the upstream side: no `proxy_http_version` (so 1.0), the upstream's Connection answer logged. */
const nginxDefaults = (shipped: string) =>
  shipped
    .split('\n')
    .filter((line) => !/^\s*proxy_http_version\b/.test(line))
    .join('\n')
    .replace("upstream_status=$upstream_status';", "upstream_status=$upstream_status upstream_connection=$upstream_http_connection';");

describe('HTTP/1.0 behind nginx with its default proxy_http_version (node transport)', () => {
  const stops: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
  });

  it('answers every route, and nginx saw each answer close its connection (HTTP/1.0 upstream)', async () => {
    const node = await startGatewayProcess({ redisUrl: null, transport: 'node' });
    stops.push(() => node.stop());
    const nginx = await startNginx([node.port], { transform: nginxDefaults });
    stops.push(() => nginx.stop());
    const api = gatewayApi(nginx.httpUrl, node.apiKey);
    const clientId = 'behind-default-nginx';

    for (const path of ['/healthz', '/readyz', '/metrics', '/_ah/channel/jsapi', '/openapi.yaml'])
      expect((await fetch(nginx.httpUrl + path)).status, path).toBe(200);
    expect((await api('POST', '/v1/channels', { clientId })).status).toBe(201);
    expect((await api('GET', `/v1/channels/${clientId}`)).body).toMatchObject({ clientId, connected: false });
    expect((await api('POST', `/v1/channels/${clientId}/messages`, { message: 'hello' })).body).toEqual({ status: 'queued' });
    expect((await api('POST', '/v1/messages', { messages: [{ clientId, message: 'again' }] })).body).toEqual({ results: [{ clientId, status: 'queued' }] });
    expect((await api('POST', '/v1/presence', { clientIds: [clientId] })).status).toBe(200);
    expect((await api('DELETE', `/v1/channels/${clientId}`)).status).toBe(204);
    expect((await fetch(nginx.httpUrl + '/v1/socket')).status).toBe(426);

    const lines = nginx.accessLog().trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(12);
    for (const line of lines) expect(line, 'every upstream answer to HTTP/1.0 closes').toMatch(/upstream_connection=close$/);
  }, 30_000);
});

describe.each(TEST_TRANSPORTS)("HAProxy's default HTTP/1.0 health check (%s transport)", (transport) => {
  let node: GatewayHandle | undefined;
  const stops: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
    await node?.stop();
  });

  it(
    transport === 'node' ? 'marks the node up and serves through it' : 'never marks a uWS node up; the HTTP/1.1 check does',
    async () => {
      node = await startGatewayProcess({ redisUrl: null, transport });
      const fork = /uws-js-unofficial/.test(String(node.logEntries().find((entry) => entry.msg === 'listening')?.build));
      const http10 = await startHaproxy([{ name: 'gw', port: node.port }], { check: HTTP10_CHECK });
      stops.push(() => http10.stop());
      if (transport === 'node') {
        // A server counts as up before its first check: the check's own result is what tells.
        await waitFor(async () => (await http10.checkStatus()).includes('L7OK'), { timeoutMs: 10_000, what: 'HAProxy to pass its HTTP/1.0 check' });
        expect(await http10.serversUp()).toEqual(['gw']);
        expect((await fetch(http10.httpUrl + '/healthz')).status).toBe(200);
        expect((await gatewayApi(http10.httpUrl, node.apiKey)('POST', '/v1/channels', { clientId: 'behind-haproxy' })).status).toBe(201);
        return;
      }
      const failed = fork ? 'L7TOUT' : 'L7STS';
      await waitFor(async () => (await http10.checkStatus()).includes(failed), { timeoutMs: 10_000, what: `HAProxy's HTTP/1.0 check to fail with ${failed}` });
      expect(await http10.serversUp()).toEqual([]);
      const http11 = await startHaproxy([{ name: 'gw', port: node.port }], { check: HTTP11_CHECK });
      stops.push(() => http11.stop());
      await waitFor(async () => (await http11.checkStatus()).includes('L7OK'), { timeoutMs: 10_000, what: 'HAProxy to pass the HTTP/1.1 check' });
      expect(await http11.serversUp()).toEqual(['gw']);
    },
    30_000,
  );
});
