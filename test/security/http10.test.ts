/**
 * Issue 14.6: an HTTP/1.0 request (nginx's default proxy_http_version, HAProxy's default httpchk) is
 * answered on every route, with Connection: close, by the node transport. uWS cannot (README,
 * "Transports"): the v20.30 fork's parser neither answers nor closes until its 10 s idle timeout, the
 * official v20.57 build answers 505. Both are asserted too, so a uWS that learns HTTP/1.0 makes this test
 * say so. Through real nginx and HAProxy: http10-proxies.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_TRANSPORTS } from '../../packages/gateway/test/support/transports.js';
import { startGatewayProcess, type GatewayHandle } from '../support/index.js';
import { rawHttp } from '../support/raw-http.js';

/** [request line, extra header lines, body, the status it must get]: every route, in an order that works. */
function requests(apiKey: string, clientId: string): Array<[string, string, string, number]> {
  const auth = `Authorization: Bearer ${apiKey}\r\n`;
  const json = (body: string) => `${auth}Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`;
  const create = JSON.stringify({ clientId });
  const send = JSON.stringify({ message: 'over HTTP/1.0' });
  const batch = JSON.stringify({ messages: [{ clientId, message: 'batched over HTTP/1.0' }] });
  const presence = JSON.stringify({ clientIds: [clientId] });
  return [
    ['GET /healthz HTTP/1.0', '', '', 200],
    ['HEAD /healthz HTTP/1.0', '', '', 200],
    ['GET /readyz HTTP/1.0', '', '', 200],
    ['GET /metrics HTTP/1.0', '', '', 200],
    ['GET /_ah/channel/jsapi HTTP/1.0', '', '', 200],
    ['GET /openapi.yaml HTTP/1.0', '', '', 200],
    ['POST /v1/channels HTTP/1.0', json(create), create, 201],
    [`GET /v1/channels/${clientId} HTTP/1.0`, auth, '', 200],
    [`POST /v1/channels/${clientId}/messages HTTP/1.0`, json(send), send, 202],
    ['POST /v1/messages HTTP/1.0', json(batch), batch, 202],
    ['POST /v1/presence HTTP/1.0', json(presence), presence, 200],
    [`DELETE /v1/channels/${clientId} HTTP/1.0`, auth, '', 204],
    // Errors are answered the same way; an HTTP/1.0 keep-alive is closed all the same.
    ['GET /v1/socket HTTP/1.0', '', '', 426],
    ['PUT /healthz HTTP/1.0', 'Content-Length: 0\r\n', '', 405],
    ['GET /v1/channels/nobody HTTP/1.0', '', '', 401],
    ['GET /healthz HTTP/1.0', 'Connection: keep-alive\r\n', '', 200],
  ];
}

describe.each(TEST_TRANSPORTS)('HTTP/1.0 (%s transport)', (transport) => {
  let node: GatewayHandle;
  let build = '';
  beforeAll(async () => {
    node = await startGatewayProcess({ redisUrl: null, transport });
    build = String(node.logEntries().find((entry) => entry.msg === 'listening')?.build);
  });
  afterAll(async () => node?.stop());

  const raw = (line: string, headers: string, body: string, timeoutMs: number) =>
    rawHttp(node.port, `${line}\r\nHost: localhost\r\n${headers}\r\n${body}`, { timeoutMs, expectAnswers: 2, head: line.startsWith('HEAD ') });

  it('answers every route with Connection: close (node), or as uWS does (fork: silence; official build: 505)', async () => {
    const all = requests(node.apiKey, `http10-${transport}`);
    if (/uws-js-unofficial/.test(build)) {
      const exchanges = await Promise.all(all.map(([line, headers, body]) => raw(line, headers, body, 15_000)));
      for (const exchange of exchanges) expect(exchange).toMatchObject({ answers: [], closed: true });
      return;
    }
    for (const [line, headers, body, status] of all) {
      const exchange = await raw(line, headers, body, 3_000);
      const expected = transport === 'uws' ? 505 : status;
      expect(
        exchange.answers.map((answer) => answer.status),
        `${line}: ${exchange.raw.slice(0, 300)}`,
      ).toEqual([expected]);
      expect(exchange.answers[0]!.headers.connection?.toLowerCase(), line).toBe('close');
      expect(exchange.closed, `${line}: the connection is closed after the answer`).toBe(true);
    }
  }, 30_000); // the fork's requests wait for its 10 s idle timeout, together
});
