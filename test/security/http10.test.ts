/**
 * Issue 14.6: an HTTP/1.0 request (nginx's default proxy_http_version, HAProxy's default httpchk) is
 * answered on every route, with Connection: close. The uWS v20.30 fork's parser cannot: it neither
 * answers nor closes until its 10 s idle timeout (README, "Transports"); that is asserted too, so a fork
 * that learns HTTP/1.0 makes this test say so.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_TRANSPORTS } from '../../packages/gateway/test/support/transports.js';
import { startGatewayProcess, type GatewayHandle } from '../support/index.js';
import { rawHttp } from '../support/raw-http.js';

describe.each(TEST_TRANSPORTS)('HTTP/1.0 (%s transport)', (transport) => {
  let node: GatewayHandle;
  let fork = false;
  beforeAll(async () => {
    node = await startGatewayProcess({ redisUrl: null, transport });
    fork = /uws-js-unofficial/.test(String(node.logEntries().find((entry) => entry.msg === 'listening')?.build));
  });
  afterAll(async () => node?.stop());

  it('answers GET, the jsapi and POST /v1/channels with Connection: close', async () => {
    const body = JSON.stringify({ clientId: `http10-${transport}` });
    const requests = [
      ['GET /healthz HTTP/1.0', '', ''],
      ['GET /_ah/channel/jsapi HTTP/1.0', '', ''],
      ['POST /v1/channels HTTP/1.0', `Authorization: Bearer ${node.apiKey}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n`, body],
    ].map(([line, headers, payload]) => `${line}\r\nHost: localhost\r\n${headers}\r\n${payload}`);
    const exchanges = await Promise.all(requests.map((request) => rawHttp(node.port, request, { timeoutMs: fork ? 15_000 : 3_000, expectAnswers: 2 })));
    if (fork) {
      for (const exchange of exchanges) expect(exchange).toMatchObject({ answers: [], closed: true });
      return;
    }
    expect(exchanges.map((exchange) => exchange.answers[0]?.status)).toEqual([200, 200, 201]);
    for (const exchange of exchanges) {
      expect(exchange.answers[0]!.headers.connection?.toLowerCase()).toBe('close');
      expect(exchange.closed).toBe(true);
    }
  });
});
