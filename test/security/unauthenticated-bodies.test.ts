/**
 * Issue 12.3: a request to the API without a valid key is answered 401 before its body is read, on every
 * route under /v1 (known or not), and the connection is closed, so unauthenticated bodies cost no memory.
 * Only the headers are sent: an answer can only come before the body.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_TRANSPORTS } from '../../packages/gateway/test/support/transports.js';
import { startGatewayProcess, type GatewayHandle } from '../support/index.js';
import { rawHttp } from '../support/raw-http.js';

const FOUR_MIB = 4 * 1024 * 1024;

describe.each(TEST_TRANSPORTS)('unauthenticated bodies (%s transport)', (transport) => {
  let node: GatewayHandle;
  beforeAll(async () => {
    node = await startGatewayProcess({ redisUrl: null, transport, env: { CG_MAX_BODY_BYTES: String(FOUR_MIB) } });
  });
  afterAll(async () => node?.stop());

  it.each([
    ['POST', '/v1/channels', ''],
    ['POST', '/v1/channels/someone/messages', ''],
    ['POST', '/v1/messages', 'Authorization: Bearer wrong-key-of-some-length'],
    ['PUT', '/v1/no-such-route', ''],
    ['DELETE', '/v1/channels/someone', 'Authorization: Basic eDp5'],
  ])('%s %s without a valid key: 401 before the body, connection closed', async (method, path, auth) => {
    const head = [
      `${method} ${path} HTTP/1.1`,
      'Host: localhost',
      'Content-Type: application/json',
      `Content-Length: ${FOUR_MIB}`,
      ...(auth ? [auth] : []),
      '',
      '',
    ].join('\r\n');
    const { answers, closed } = await rawHttp(node.port, head, { timeoutMs: 3_000, expectAnswers: 2 });
    expect(answers.map((answer) => answer.status)).toEqual([401]);
    expect(JSON.parse(answers[0]!.body)).toMatchObject({ error: { code: 'unauthorized' } });
    expect(closed).toBe(true);
  });

  it('POST /v1/refresh (no API key: pages send it) refuses a body over CG_MAX_INBOUND_FRAME_BYTES before reading it, connection closed', async () => {
    const head = ['POST /v1/refresh HTTP/1.1', 'Host: localhost', 'Content-Type: text/plain', `Content-Length: ${FOUR_MIB}`, '', ''].join('\r\n');
    const { answers, closed } = await rawHttp(node.port, head, { timeoutMs: 3_000, expectAnswers: 2 });
    expect(answers.map((answer) => answer.status)).toEqual([413]);
    expect(JSON.parse(answers[0]!.body)).toMatchObject({ error: { code: 'payload_too_large' } });
    expect(closed).toBe(true);
  });
});
