/**
 * What docs/openapi.yaml promises beyond the happy paths (issue 13 item 6, and the path and batch bugs of
 * the same review), on each transport: a wrong method on a known route is 405 with `Allow`, a plain GET on
 * the socket path is 426, every 503 carries `Retry-After`, client IDs `.` and `..` are reachable through
 * the path, and a batch honours its `Idempotency-Key` header.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawHttp } from '../../../test/support/raw-http.js';
import { API_KEY, startTestGateway, type TestGateway } from './support/in-process-gateway.js';
import { TestSocket } from './support/test-socket.js';
import { TEST_TRANSPORTS } from './support/transports.js';

/** [method, path, the Allow the node must answer]. */
const WRONG_METHODS: Array<[string, string, string]> = [
  ['PUT', '/v1/channels', 'POST'],
  ['GET', '/v1/channels', 'POST'],
  ['POST', '/v1/channels/user-42', 'GET, HEAD, DELETE'],
  ['PATCH', '/v1/channels/user-42', 'GET, HEAD, DELETE'],
  ['GET', '/v1/channels/user-42/messages', 'POST'],
  ['DELETE', '/v1/channels/user-42/messages', 'POST'],
  ['GET', '/v1/messages', 'POST'],
  ['GET', '/v1/presence', 'POST'],
  ['POST', '/healthz', 'GET, HEAD'],
  ['DELETE', '/readyz', 'GET, HEAD'],
  ['POST', '/metrics', 'GET, HEAD'],
  ['PUT', '/_ah/channel/jsapi', 'GET, HEAD'],
  ['POST', '/openapi.yaml', 'GET, HEAD'],
  ['POST', '/v1/socket', 'GET'],
];

describe.each(TEST_TRANSPORTS)('HTTP contract (%s transport)', (transport) => {
  let gateway: TestGateway;
  beforeAll(async () => (gateway = await startTestGateway('memory', { transport })));
  afterAll(async () => gateway?.stop());

  const call = (method: string, path: string, init: RequestInit = {}) =>
    fetch(gateway.httpUrl + path, { method, ...init, headers: { authorization: `Bearer ${API_KEY}`, ...(init.headers as Record<string, string>) } });

  for (const [method, path, allow] of WRONG_METHODS) {
    it(`${method} ${path} answers 405 with Allow: ${allow}`, async () => {
      const response = await call(method, path, method === 'GET' || method === 'HEAD' ? {} : { body: '{}', headers: { 'content-type': 'application/json' } });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe(allow);
      expect(await response.json()).toEqual({ error: { code: 'method_not_allowed', message: `${method} is not allowed on ${path} (allowed: ${allow})` } });
    });
  }

  it('an unknown path is still 404, and a wrong method without an API key on /v1 is 401', async () => {
    expect((await call('GET', '/v1/nothing-here')).status).toBe(404);
    expect((await call('PUT', '/nothing-here')).status).toBe(404);
    expect((await fetch(gateway.httpUrl + '/v1/channels', { method: 'PUT' })).status).toBe(401);
  });

  it('a plain GET on /v1/socket (no upgrade, no API key) answers 426 with Upgrade: websocket', async () => {
    const response = await fetch(gateway.httpUrl + '/v1/socket');
    expect(response.status).toBe(426);
    expect(response.headers.get('upgrade')).toBe('websocket');
    expect(await response.json()).toEqual({
      error: { code: 'upgrade_required', message: 'this is the WebSocket endpoint: open it with Upgrade: websocket (docs/PROTOCOL.md)' },
    });
    const head = await fetch(gateway.httpUrl + '/v1/socket', { method: 'HEAD' });
    expect([head.status, head.headers.get('upgrade')]).toEqual([426, 'websocket']);
  });

  it('a socket refused at the node cap (503) carries Retry-After', async () => {
    const full = await startTestGateway('memory', { transport, maxSockets: 1 });
    const { token } = await full.createChannel({ clientId: 'first-socket' });
    const first = await TestSocket.open(full.wsUrl, token);
    const port = new URL(full.httpUrl).port;
    const upgrade = [
      'GET /v1/socket HTTP/1.1',
      `Host: 127.0.0.1:${port}`,
      'Upgrade: websocket',
      'Connection: Upgrade',
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
      'Sec-WebSocket-Version: 13',
      '',
      '',
    ].join('\r\n');
    const { answers } = await rawHttp(Number(port), upgrade);
    expect(answers[0]?.status).toBe(503);
    expect(answers[0]?.headers['retry-after']).toMatch(/^[1-9]\d*$/);
    first.close();
    await full.stop();
  });

  it('client IDs "." and ".." are reached through the path, percent-encoded or not', async () => {
    for (const clientId of ['.', '..']) {
      expect((await gateway.api('POST', '/v1/channels', { clientId })).status).toBe(201);
      const encoded = clientId.replaceAll('.', '%2E');
      for (const segment of [encoded, encoded.toLowerCase(), clientId]) {
        // Sent raw: fetch would remove the dot segments itself (WHATWG URL), as curl does without --path-as-is.
        const { answers } = await rawHttp(
          Number(new URL(gateway.httpUrl).port),
          `GET /v1/channels/${segment} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${API_KEY}\r\nConnection: close\r\n\r\n`,
        );
        expect(answers[0]?.status, `GET /v1/channels/${segment}`).toBe(200);
        expect(JSON.parse(answers[0]!.body)).toMatchObject({ clientId, connected: false });
      }
      const send = await rawHttp(
        Number(new URL(gateway.httpUrl).port),
        `POST /v1/channels/${encoded}/messages HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${API_KEY}\r\nContent-Type: application/json\r\nContent-Length: 15\r\nConnection: close\r\n\r\n{"message":"x"}`,
      );
      expect(JSON.parse(send.answers[0]!.body)).toEqual({ status: 'queued' });
      const removed = await rawHttp(
        Number(new URL(gateway.httpUrl).port),
        `DELETE /v1/channels/${encoded} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${API_KEY}\r\nConnection: close\r\n\r\n`,
      );
      expect(removed.answers[0]?.status, `DELETE /v1/channels/${encoded}`).toBe(204);
      expect((await gateway.api('POST', '/v1/presence', { clientIds: [clientId] })).body.results[0]).toMatchObject({ clientId, found: false });
    }
  });

  it("a batch's Idempotency-Key header makes a retried batch deliver nothing new; an item's own key wins", async () => {
    await gateway.createChannel({ clientId: 'batch-keyed' });
    const { token } = await gateway.createChannel({ clientId: 'batch-keyed' });
    const socket = await TestSocket.open(gateway.wsUrl, token);
    const batch = {
      messages: [
        { clientId: 'batch-keyed', message: 'one' },
        { clientId: 'batch-keyed', message: 'two', idempotencyKey: 'own-key' },
      ],
    };
    const send = (body: unknown, key: string) => gateway.api('POST', '/v1/messages', body, { 'idempotency-key': key });
    expect((await send(batch, 'batch-1')).body.results).toEqual([
      { clientId: 'batch-keyed', status: 'routed' },
      { clientId: 'batch-keyed', status: 'routed' },
    ]);
    expect((await send(batch, 'batch-1')).body.results.map((result: { status: string }) => result.status)).toEqual(['routed', 'routed']);
    // Another batch under the same header key: its first item is the header's, and it differs.
    const other = await send({ messages: [{ clientId: 'batch-keyed', message: 'not one' }] }, 'batch-1');
    expect(other.body.results[0]).toMatchObject({ status: 'invalid', error: { code: 'idempotency_key_reused', field: 'Idempotency-Key' } });
    await socket.waitForMessages(2);
    // Nothing was delivered twice: a third, unkeyed message arrives right after the first two.
    expect((await gateway.api('POST', '/v1/messages', { messages: [{ clientId: 'batch-keyed', message: 'three' }] })).status).toBe(202);
    expect(await socket.waitForMessages(3)).toEqual(['one', 'two', 'three']);
    socket.close();
  });

  it('a malformed Idempotency-Key header on a batch is a 400 naming it', async () => {
    const response = await gateway.api('POST', '/v1/messages', { messages: [{ clientId: 'x', message: 'm' }] }, { 'idempotency-key': 'x'.repeat(257) });
    expect(response).toEqual({
      status: 400,
      body: { error: { code: 'invalid_field', message: 'Idempotency-Key must be at most 256 characters', field: 'Idempotency-Key' } },
    });
  });
});
