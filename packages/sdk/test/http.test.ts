/**
 * Requests and error mapping against a real HTTP server on port 0 that answers canned responses, one
 * attempt per call and sends on their own route (retries and coalescing: retries.test.ts and
 * batching.test.ts). (The integration tier against a real gateway lives elsewhere.)
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ChannelGatewayClient } from '../src/index.js';
import { apiError, startCannedServer, type CannedServer } from './canned-server.js';
import { caught } from './caught.js';

/** One attempt, every send its own request. */
const ONE_ATTEMPT = { retry: false, batching: false } as const;

let server: CannedServer;
let client: ChannelGatewayClient;

beforeAll(async () => {
  server = await startCannedServer();
  client = new ChannelGatewayClient({ baseUrl: server.baseUrl, apiKey: 'secret-key', timeoutMs: 2_000, ...ONE_ATTEMPT });
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.received.length = 0;
});

describe('successful calls', () => {
  it('createChannel posts JSON with the API key and returns the answer', async () => {
    const answer = { clientId: 'user-1', token: 'tok', expiresAt: '2030-01-01T00:00:00.000Z' };
    server.reply(201, answer);
    await expect(client.createChannel({ clientId: 'user-1', durationMinutes: 60 })).resolves.toEqual(answer);
    const [request] = server.received;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/v1/channels');
    expect(request?.headers['authorization']).toBe('Bearer secret-key');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request?.body ?? '')).toEqual({ clientId: 'user-1', durationMinutes: 60 });
  });

  it('createChannel without options sends an empty object (the gateway picks the ID and duration)', async () => {
    server.reply(201, { clientId: '01JABCDEF', token: 't', expiresAt: '2030-01-01T00:00:00.000Z' });
    await client.createChannel();
    expect(JSON.parse(server.received[0]?.body ?? '')).toEqual({});
  });

  it('percent-encodes client IDs in paths', async () => {
    server.reply(202, { status: 'queued' });
    await expect(client.sendMessage('user/42 ?#é%', 'hello')).resolves.toEqual({ status: 'queued' });
    expect(server.received[0]?.url).toBe('/v1/channels/user%2F42%20%3F%23%C3%A9%25/messages');
    expect(JSON.parse(server.received[0]?.body ?? '')).toEqual({ message: 'hello' });
    // A generated idempotency key rides along, so a retry could not deliver twice.
    expect(server.received[0]?.headers['idempotency-key']).toMatch(/^[\w-]{17,30}$/);
  });

  it('keeps a path prefix of baseUrl and drops its trailing slash', async () => {
    const prefixed = new ChannelGatewayClient({ baseUrl: `${server.baseUrl}/cg/`, apiKey: 'k', ...ONE_ATTEMPT });
    server.reply(202, { status: 'no_channel' });
    await expect(prefixed.sendMessage('a', 'b')).resolves.toEqual({ status: 'no_channel' });
    expect(server.received[0]?.url).toBe('/cg/v1/channels/a/messages');
  });

  it('sendMessages returns per-item results, including invalid ones', async () => {
    const results = [
      { clientId: 'a', status: 'routed' },
      { clientId: 'b', status: 'invalid', error: { code: 'invalid_field', message: 'too long', field: 'messages[1].message' } },
    ];
    server.reply(202, { results });
    await expect(
      client.sendMessages([
        { clientId: 'a', message: '1' },
        { clientId: 'b', message: '2' },
      ]),
    ).resolves.toEqual({ results });
    expect(server.received[0]?.url).toBe('/v1/messages');
    expect(JSON.parse(server.received[0]?.body ?? '')).toEqual({
      messages: [
        { clientId: 'a', message: '1', idempotencyKey: expect.stringMatching(/^[\w-]{17,30}$/) },
        { clientId: 'b', message: '2', idempotencyKey: expect.stringMatching(/^[\w-]{17,30}$/) },
      ],
    });
  });

  it('getChannel returns presence', async () => {
    const info = { clientId: 'u', connected: true, expiresAt: '2030-01-01T00:00:00.000Z', node: 'gw1', connectedAt: '2029-12-31T23:00:00.000Z' };
    server.reply(200, info);
    await expect(client.getChannel('u')).resolves.toEqual(info);
    expect(server.received[0]?.method).toBe('GET');
    expect(server.received[0]?.headers['content-type']).toBeUndefined();
  });

  it('getChannel returns null and deleteChannel false on the API not_found answer', async () => {
    server.reply(404, apiError('not_found', 'no live channel for this client ID'));
    await expect(client.getChannel('gone')).resolves.toBeNull();
    await expect(client.deleteChannel('gone')).resolves.toBe(false);
  });

  it('deleteChannel returns true on 204', async () => {
    server.reply(204);
    await expect(client.deleteChannel('a b')).resolves.toBe(true);
    expect(server.received[0]?.method).toBe('DELETE');
    expect(server.received[0]?.url).toBe('/v1/channels/a%20b');
  });
});

describe('API error answers', () => {
  it('maps 400 invalid_field with its field', async () => {
    server.reply(400, apiError('invalid_field', 'durationMinutes must be an integer', 'durationMinutes'));
    const error = await caught(client.createChannel());
    expect(error).toMatchObject({ status: 400, code: 'invalid_field', field: 'durationMinutes' });
    expect(error.message).toContain('durationMinutes must be an integer');
  });

  it.each([
    [400, 'invalid_json'],
    [401, 'unauthorized'],
    [413, 'payload_too_large'],
    [415, 'unsupported_media_type'],
    [503, 'unavailable'],
    [500, 'internal'],
    [418, 'some_future_code'],
  ])('maps %i %s', async (status, code) => {
    server.reply(status, apiError(code, `canned ${code}`));
    const error = await caught(client.sendMessage('c', 'm'));
    expect(error).toMatchObject({ status, code, field: undefined });
    expect(error.message).toContain(`canned ${code}`);
  });

  it('a 404 on send is an error, not null', async () => {
    server.reply(404, apiError('not_found', 'nope'));
    expect(await caught(client.sendMessage('c', 'm'))).toMatchObject({ status: 404, code: 'not_found' });
  });
});

describe('answers without an API error body', () => {
  it.each([
    [502, 'unavailable'],
    [504, 'unavailable'],
    [401, 'unauthorized'],
    [500, 'internal'],
    [429, 'http_429'],
  ])('derives the code from status %i', async (status, code) => {
    server.reply(status, '<html>proxy error</html>', { 'content-type': 'text/html' });
    expect(await caught(client.sendMessage('c', 'm'))).toMatchObject({ status, code });
  });

  it('a bare 404 (wrong baseUrl, proxy) throws instead of reading as "no channel"', async () => {
    server.reply(404, 'Not Found');
    const error = await caught(client.getChannel('u'));
    expect(error).toMatchObject({ status: 404, code: 'not_found' });
    expect(error.message).toContain('baseUrl');
    expect(await caught(client.deleteChannel('u'))).toMatchObject({ status: 404, code: 'not_found' });
  });

  it('a 2xx that is not JSON, or not the promised shape, is invalid_response', async () => {
    server.reply(200, '<html>captive portal</html>');
    expect(await caught(client.getChannel('u'))).toMatchObject({ status: 200, code: 'invalid_response' });
    server.reply(201, { clientId: 'u' });
    expect(await caught(client.createChannel())).toMatchObject({ status: 201, code: 'invalid_response' });
    server.reply(202, { status: 'delivered' });
    expect(await caught(client.sendMessage('u', 'm'))).toMatchObject({ code: 'invalid_response' });
    server.reply(202, { results: [] });
    expect(await caught(client.sendMessages([{ clientId: 'u', message: 'm' }]))).toMatchObject({ code: 'invalid_response' });
  });
});

describe('network failures and timeouts', () => {
  it('times out when no answer arrives', async () => {
    const quick = new ChannelGatewayClient({ baseUrl: server.baseUrl, apiKey: 'k', timeoutMs: 100, ...ONE_ATTEMPT });
    server.handle(() => {
      // Never answer.
    });
    const error = await caught(quick.sendMessage('c', 'm'));
    expect(error).toMatchObject({ code: 'timeout', status: undefined });
    expect(error.message).toContain('100 ms');
  });

  it('times out when the body never finishes', async () => {
    const quick = new ChannelGatewayClient({ baseUrl: server.baseUrl, apiKey: 'k', timeoutMs: 100, ...ONE_ATTEMPT });
    server.handle((_request, response) => {
      response.writeHead(202, { 'content-type': 'application/json' });
      response.write('{"status":');
    });
    expect(await caught(quick.sendMessage('c', 'm'))).toMatchObject({ code: 'timeout' });
  });

  it('a dropped connection is a network error', async () => {
    server.handle((_request, response) => {
      response.socket?.destroy();
    });
    const error = await caught(client.sendMessage('c', 'm'));
    expect(error).toMatchObject({ code: 'network', status: undefined });
    expect(error.cause).toBeDefined();
  });

  it('a refused connection is a network error', async () => {
    // Take a free port, then stop listening on it so the connection is refused.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const nowhere = new ChannelGatewayClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: 'k', ...ONE_ATTEMPT });
    const error = await caught(nowhere.createChannel());
    expect(error).toMatchObject({ code: 'network', status: undefined });
    expect(error.message).toMatch(/ECONNREFUSED|refused|fetch failed/i);
  });

  it('errors from a custom fetch are network errors too', async () => {
    const failing = new ChannelGatewayClient({
      baseUrl: 'http://gateway.invalid',
      apiKey: 'k',
      fetch: () => Promise.reject(new TypeError('boom')),
      ...ONE_ATTEMPT,
    });
    const error = await caught(failing.getChannel('u'));
    expect(error).toMatchObject({ code: 'network' });
    expect(error.message).toContain('boom');
  });
});
