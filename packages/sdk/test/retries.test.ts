/**
 * Safe retries against a real HTTP server that fails on purpose: network errors, attempt timeouts and
 * 502/503/504 are retried with the same idempotency key until the call's deadline; answers that settle
 * the call are not; an AbortSignal stops the call and its retries.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ChannelGatewayClient } from '../src/index.js';
import { backoffDelay } from '../src/retry.js';
import { apiError, startCannedServer, type CannedServer } from './canned-server.js';
import { caught } from './caught.js';

let server: CannedServer;
beforeAll(async () => (server = await startCannedServer()));
afterAll(async () => server.close());
beforeEach(() => {
  server.received.length = 0;
});

/** Fast pauses so the tests take milliseconds; the pauses themselves are tested below. */
const client = (options: Partial<ConstructorParameters<typeof ChannelGatewayClient>[0]> = {}) =>
  new ChannelGatewayClient({ baseUrl: server.baseUrl, apiKey: 'k', timeoutMs: 1_000, retry: { baseDelayMs: 5, maxDelayMs: 20 }, ...options });

/** Fails the first `failures` requests with `fail`, then answers with `answer`. */
function failThen(failures: number, fail: (response: import('node:http').ServerResponse) => void, answer: (body: string) => unknown) {
  let seen = 0;
  server.handle((request, response) => {
    if (seen++ < failures) return fail(response);
    response.writeHead(request.url.startsWith('/v1/channels') && request.method === 'POST' && request.url !== '/v1/channels' ? 202 : 200, {
      'content-type': 'application/json',
    });
    response.end(JSON.stringify(answer(request.body)));
  });
}
const batchAnswer = (body: string) => ({
  results: (JSON.parse(body) as { messages: Array<{ clientId: string }> }).messages.map(({ clientId }) => ({ clientId, status: 'routed' })),
});
const unavailable = (response: import('node:http').ServerResponse) =>
  response.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify(apiError('unavailable', 'redis down')));
const dropped = (response: import('node:http').ServerResponse) => response.socket?.destroy();
const silent = () => undefined;

const keysOf = () =>
  server.received.map(
    (request) =>
      request.headers['idempotency-key'] ?? (JSON.parse(request.body) as { messages: Array<{ idempotencyKey: string }> }).messages[0]!.idempotencyKey,
  );

describe('retries', () => {
  it.each([
    ['503', unavailable],
    ['a dropped connection', dropped],
  ])('retries a batched send after %s with the same idempotency key', async (_name, fail) => {
    failThen(2, fail, batchAnswer);
    await expect(client().sendMessage('c', 'm')).resolves.toEqual({ status: 'routed' });
    expect(server.received).toHaveLength(3);
    expect(new Set(keysOf()).size).toBe(1);
  });

  it('retries a single-route send after an attempt timeout, with the same Idempotency-Key header', async () => {
    failThen(1, silent, () => ({ status: 'queued' }));
    const started = Date.now();
    await expect(client({ timeoutMs: 150, batching: false }).sendMessage('c', 'm', { idempotencyKey: 'my-key' })).resolves.toEqual({ status: 'queued' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(keysOf()).toEqual(['my-key', 'my-key']);
  });

  it('retries the other calls too (a repeated create or read is harmless)', async () => {
    failThen(1, unavailable, () => ({ clientId: 'u', connected: false, expiresAt: '2030-01-01T00:00:00.000Z' }));
    await expect(client().getChannel('u')).resolves.toMatchObject({ clientId: 'u' });
    expect(server.received).toHaveLength(2);
  });

  it.each([
    [400, 'invalid_field'],
    [401, 'unauthorized'],
    [409, 'idempotency_key_reused'],
    [500, 'internal'],
  ])('does not retry %i %s: the answer settles the call', async (status, code) => {
    server.reply(status, apiError(code, 'settled'));
    expect(await caught(client({ batching: false }).sendMessage('c', 'm'))).toMatchObject({ status, code });
    expect(server.received).toHaveLength(1);
  });

  it('gives up at the call’s deadline with the last error', async () => {
    server.handle((_request, response) => unavailable(response));
    const started = Date.now();
    const error = await caught(client().sendMessage('c', 'm', { deadlineMs: 300 }));
    const took = Date.now() - started;
    expect(error).toMatchObject({ code: 'unavailable', status: 503 });
    expect(took).toBeLessThan(1_000);
    expect(server.received.length).toBeGreaterThan(2);
    expect(new Set(keysOf()).size).toBe(1);
  });

  it('bounds an attempt by what is left of the deadline', async () => {
    server.handle(silent);
    const started = Date.now();
    const error = await caught(client({ timeoutMs: 5_000, batching: false }).sendMessage('c', 'm', { deadlineMs: 200 }));
    expect(error.code).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('stops the call and its retries when the signal aborts', async () => {
    server.handle((_request, response) => unavailable(response));
    const controller = new AbortController();
    const pending = caught(client({ retry: { baseDelayMs: 50, maxDelayMs: 50 } }).sendMessage('c', 'm', { signal: controller.signal }));
    await new Promise((resolve) => setTimeout(resolve, 120));
    controller.abort();
    expect(await pending).toMatchObject({ code: 'aborted' });
    // A request already on the wire when the signal fired may still be recorded; none after it.
    await new Promise((resolve) => setTimeout(resolve, 30));
    const requests = server.received.length;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(server.received.length).toBe(requests);
  });

  it('aborts an attempt in flight, and refuses to start with an aborted signal', async () => {
    server.handle(silent);
    const controller = new AbortController();
    const pending = caught(client({ batching: false }).getChannel('u', { signal: controller.signal }));
    setTimeout(() => controller.abort(), 50);
    expect(await pending).toMatchObject({ code: 'aborted' });
    expect(await caught(client().sendMessage('c', 'm', { signal: AbortSignal.abort() }))).toMatchObject({ code: 'aborted' });
  });

  it('one attempt only with retry: false', async () => {
    server.handle((_request, response) => unavailable(response));
    expect(await caught(client({ retry: false }).sendMessage('c', 'm'))).toMatchObject({ code: 'unavailable' });
    expect(server.received).toHaveLength(1);
  });
});

describe('backoff', () => {
  it('draws each pause uniformly below a ceiling that doubles up to the maximum', () => {
    const policy = { enabled: true, baseDelayMs: 100, maxDelayMs: 1_000, attemptTimeoutMs: 1 };
    for (let retry = 0; retry < 8; retry++) {
      const ceiling = Math.min(1_000, 100 * 2 ** retry);
      const pauses = Array.from({ length: 200 }, () => backoffDelay(policy, retry));
      expect(Math.max(...pauses)).toBeLessThanOrEqual(ceiling);
      expect(Math.min(...pauses)).toBeGreaterThanOrEqual(0);
      // Jittered: spread over the range, not one fixed value.
      expect(Math.max(...pauses) - Math.min(...pauses)).toBeGreaterThan(ceiling / 4);
    }
  });
});
