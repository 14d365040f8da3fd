/**
 * Issue 12.5: two requests in one write are both answered, in order (node transport) — or, on uWS,
 * which closes a connection that pipelines behind an async answer (uNetworking/uWebSockets.js#277,
 * wontfix), refused before either is applied — never a silent close after the first was applied (a
 * client retrying "no response" would then deliver twice).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestSocket } from '../../packages/gateway/test/support/test-socket.js';
import { TEST_TRANSPORTS } from '../../packages/gateway/test/support/transports.js';
import { gatewayApi, startGatewayProcess, type GatewayHandle } from '../support/index.js';
import { rawHttp } from '../support/raw-http.js';

const send = (apiKey: string, path: string, body: string, close = false) =>
  [
    `POST ${path} HTTP/1.1`,
    'Host: localhost',
    `Authorization: Bearer ${apiKey}`,
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...(close ? ['Connection: close'] : []),
    '',
    body,
  ].join('\r\n');

describe.each(TEST_TRANSPORTS)('pipelined requests (%s transport)', (transport) => {
  let node: GatewayHandle;
  beforeAll(async () => {
    node = await startGatewayProcess({ redisUrl: null, transport });
  });
  afterAll(async () => node?.stop());

  it('answers two sends written at once, both applied exactly once, in order', async () => {
    const api = gatewayApi(node.httpUrl, node.apiKey);
    const { body: channel } = await api('POST', '/v1/channels', { clientId: `pipelined-${transport}` });
    const socket = await TestSocket.open(node.wsUrl, channel.token);
    const path = `/v1/channels/pipelined-${transport}/messages`;
    const both = send(node.apiKey, path, JSON.stringify({ message: 'one' })) + send(node.apiKey, path, JSON.stringify({ message: 'two' }), true);
    const { answers, closed } = await rawHttp(node.port, both, { expectAnswers: 2 });
    if (transport === 'uws') {
      expect({ answers, closed }).toEqual({ answers: [], closed: true });
      // Neither was applied: the next message the socket gets is one sent afterwards.
      expect((await api('POST', path, { message: 'after' })).status).toBe(202);
      expect(await socket.waitForMessages(1)).toEqual(['after']);
    } else {
      expect(answers.map((answer) => answer.status)).toEqual([202, 202]);
      expect(await socket.waitForMessages(2)).toEqual(['one', 'two']);
    }
    socket.close();
  });

  it('answers a pipelined batch send followed by a Hono route', async () => {
    const batch = send(node.apiKey, '/v1/messages', JSON.stringify({ messages: [{ clientId: 'nobody-here', message: 'x' }] }));
    const create = send(node.apiKey, '/v1/channels', JSON.stringify({ clientId: 'pipelined-create' }), true);
    const { answers, closed } = await rawHttp(node.port, batch + create, { expectAnswers: 2 });
    if (transport === 'uws') {
      expect({ answers, closed }).toEqual({ answers: [], closed: true });
      const api = gatewayApi(node.httpUrl, node.apiKey);
      expect((await api('GET', '/v1/channels/pipelined-create')).status).toBe(404); // not applied either
    } else {
      expect(answers.map((answer) => answer.status)).toEqual([202, 201]);
    }
  });
});
