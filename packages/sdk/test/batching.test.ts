/**
 * Coalescing of concurrent sends into batch requests, against a real HTTP server: sends of one turn go
 * in one request, while requests are out the next ones gather, a batch never exceeds its limit, a send
 * never overtakes an earlier one to the same recipient, and each caller gets its own status, error,
 * deadline and abort.
 */
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ChannelGatewayClient, ChannelGatewayError } from '../src/index.js';
import { apiError, startCannedServer, type CannedServer, type ReceivedRequest } from './canned-server.js';
import { caught } from './caught.js';

interface Item {
  clientId?: string;
  token?: string;
  message: string;
  idempotencyKey: string;
}

let server: CannedServer;
beforeAll(async () => (server = await startCannedServer()));
afterAll(async () => server.close());
beforeEach(() => {
  server.received.length = 0;
});

const client = (batching: { maxBatch?: number; maxInFlight?: number; lingerMs?: number } = {}) =>
  new ChannelGatewayClient({ baseUrl: server.baseUrl, apiKey: 'k', timeoutMs: 2_000, retry: { baseDelayMs: 5, maxDelayMs: 10 }, batching });

const itemsOf = (request: ReceivedRequest) => (JSON.parse(request.body) as { messages: Item[] }).messages;
const sentMessages = () => server.received.map((request) => itemsOf(request).map((item) => item.message));

/** Answers every item with a status its message names (`…:queued`), or routed. */
function answer(request: ReceivedRequest, response: ServerResponse): void {
  const results = itemsOf(request).map(({ clientId, message }) => {
    if (message.endsWith(':reused')) {
      return {
        clientId,
        status: 'invalid',
        error: {
          code: 'idempotency_key_reused',
          message: 'messages[0].idempotencyKey was first used for a different message',
          field: 'messages[0].idempotencyKey',
        },
      };
    }
    return { clientId, status: message.endsWith(':queued') ? 'queued' : 'routed' };
  });
  response.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ results }));
}

describe('coalescing', () => {
  it('sends the sendMessage calls of one turn as one request, each caller getting its own status', async () => {
    server.handle(answer);
    const sdk = client();
    const answers = await Promise.all([
      sdk.sendMessage('a', 'a1'),
      sdk.sendMessage('b', 'b1:queued'),
      sdk.sendMessage('a', 'a2'),
      sdk.sendMessageToToken('tok', 't1'),
    ]);
    expect(answers).toEqual([{ status: 'routed' }, { status: 'queued' }, { status: 'routed' }, { status: 'routed' }]);
    expect(server.received).toHaveLength(1);
    expect(server.received[0]!.url).toBe('/v1/messages');
    const items = itemsOf(server.received[0]!);
    expect(items.map(({ clientId, token, message }) => ({ clientId, token, message }))).toEqual([
      { clientId: 'a', token: undefined, message: 'a1' },
      { clientId: 'b', token: undefined, message: 'b1:queued' },
      { clientId: 'a', token: undefined, message: 'a2' },
      { clientId: undefined, token: 'tok', message: 't1' },
    ]);
    expect(new Set(items.map((item) => item.idempotencyKey)).size).toBe(4);
  });

  it('never puts more than maxBatch sends in a request', async () => {
    server.handle(answer);
    const sdk = client({ maxBatch: 1000, maxInFlight: 1 });
    const answers = await Promise.all(Array.from({ length: 2_500 }, (_, i) => sdk.sendMessage(`c${i % 7}`, `m${i}`)));
    expect(answers.every((a) => a.status === 'routed')).toBe(true);
    expect(server.received.map((request) => itemsOf(request).length)).toEqual([1_000, 1_000, 500]);
    expect(sentMessages().flat()).toEqual(Array.from({ length: 2_500 }, (_, i) => `m${i}`));
  });

  it('gathers the sends that arrive while requests are out into the next request', async () => {
    const held: Array<() => void> = [];
    server.handle((request, response) => held.push(() => answer(request, response)));
    const sdk = client({ maxInFlight: 1 });
    const first = sdk.sendMessage('a', 'first');
    await waitUntil(() => held.length === 1);
    const later = Array.from({ length: 50 }, (_, i) => sdk.sendMessage(`c${i}`, `later${i}`));
    await new Promise((resolve) => setImmediate(resolve));
    expect(server.received).toHaveLength(1);
    held.shift()!();
    await first;
    await waitUntil(() => held.length === 1);
    held.shift()!();
    await Promise.all(later);
    expect(server.received.map((request) => itemsOf(request).length)).toEqual([1, 50]);
  });

  it('keeps per-recipient order: a send waits while an earlier one to the same client is out', async () => {
    const held: Array<() => void> = [];
    server.handle((request, response) => held.push(() => answer(request, response)));
    const sdk = client({ maxInFlight: 2 });
    const a1 = sdk.sendMessage('a', 'a1');
    await waitUntil(() => held.length === 1);
    const rest = [sdk.sendMessage('a', 'a2'), sdk.sendMessage('b', 'b1'), sdk.sendMessage('a', 'a3'), sdk.sendMessage('b', 'b2')];
    // The second slot takes what may go: b's sends, not a's, which wait for a1's request.
    await waitUntil(() => held.length === 2);
    expect(sentMessages()).toEqual([['a1'], ['b1', 'b2']]);
    held.shift()!();
    await a1;
    await waitUntil(() => held.length === 2);
    expect(sentMessages()).toEqual([['a1'], ['b1', 'b2'], ['a2', 'a3']]);
    while (held.length > 0) held.shift()!();
    await Promise.all(rest);
  });

  it('gives each caller its own error: a refused item fails its caller only, as the single route would', async () => {
    server.handle(answer);
    const sdk = client();
    const [ok, reused] = await Promise.allSettled([sdk.sendMessage('a', 'fine'), sdk.sendMessage('a', 'x:reused', { idempotencyKey: 'k1' })]);
    expect(ok).toEqual({ status: 'fulfilled', value: { status: 'routed' } });
    const error = (reused as PromiseRejectedResult).reason as ChannelGatewayError;
    expect(error).toBeInstanceOf(ChannelGatewayError);
    expect(error).toMatchObject({ code: 'idempotency_key_reused', field: 'idempotencyKey', status: 409 });
    expect(itemsOf(server.received[0]!)[1]!.idempotencyKey).toBe('k1');
  });

  it('fails every caller of a request the gateway refused as a whole', async () => {
    server.reply(401, apiError('unauthorized', 'missing or invalid API key'));
    const sdk = client();
    const outcomes = await Promise.allSettled([sdk.sendMessage('a', '1'), sdk.sendMessage('b', '2')]);
    expect(outcomes.map((o) => o.status === 'rejected' && (o.reason as ChannelGatewayError).code)).toEqual(['unauthorized', 'unauthorized']);
    expect(server.received).toHaveLength(1);
  });

  it('honours each caller’s deadline and signal, while the others in the same request keep waiting', async () => {
    const held: Array<() => void> = [];
    server.handle((request, response) => held.push(() => answer(request, response)));
    const sdk = client();
    const controller = new AbortController();
    const started = Date.now();
    const short = caught(sdk.sendMessage('a', 'short', { deadlineMs: 150 }));
    const aborted = caught(sdk.sendMessage('b', 'aborted', { signal: controller.signal }));
    const patient = sdk.sendMessage('c', 'patient', { deadlineMs: 10_000 });
    await waitUntil(() => held.length === 1);
    controller.abort();
    expect(await aborted).toMatchObject({ code: 'aborted' });
    expect(await short).toMatchObject({ code: 'timeout' });
    expect(Date.now() - started).toBeLessThan(1_000);
    held.shift()!();
    await expect(patient).resolves.toEqual({ status: 'routed' });
    expect(server.received).toHaveLength(1);
  });

  it('carries sendMessages items in the same requests as concurrent sendMessage calls', async () => {
    server.handle(answer);
    const sdk = client();
    const [single, many] = await Promise.all([
      sdk.sendMessage('a', 'one'),
      sdk.sendMessages([
        { clientId: 'a', message: 'two' },
        { clientId: '', message: 'bad' },
        { clientId: 'b', message: 'three:queued' },
      ]),
    ]);
    expect(single).toEqual({ status: 'routed' });
    expect(many.results.map((r) => r.status)).toEqual(['routed', 'invalid', 'queued']);
    expect(sentMessages()).toEqual([['one', 'two', 'three:queued']]);
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
