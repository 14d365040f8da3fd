/**
 * Argument checks: bad calls throw ChannelGatewayError naming the field, and nothing is sent; a bad batch
 * item is answered `invalid` locally and the others are sent.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ChannelGatewayClient, ChannelGatewayError, MAX_BATCH_MESSAGES, MAX_MESSAGE_BYTES } from '../src/index.js';
import type { FetchFunction } from '../src/index.js';

let calls = 0;
const sentBatches: unknown[][] = [];
/**
 * Any request reaching the network would be a validation bug; count them. Batches are answered `queued`
 * per item (and recorded), so a test can see which items of a partly bad batch went out.
 */
const countingFetch: FetchFunction = async (url, init) => {
  calls++;
  if (!url.endsWith('/v1/messages')) return new Response(JSON.stringify({ status: 'routed' }), { status: 202 });
  const { messages } = JSON.parse(String(init.body)) as { messages: Array<{ clientId?: string }> };
  sentBatches.push(messages);
  return new Response(JSON.stringify({ results: messages.map(({ clientId }) => ({ clientId, status: 'queued' })) }), { status: 202 });
};
const client = new ChannelGatewayClient({ baseUrl: 'http://gateway.invalid', apiKey: 'key', fetch: countingFetch, batching: false });

afterEach(() => {
  calls = 0;
  sentBatches.length = 0;
});

/** Runs `call`, expects an invalid_field error about `field` whose message contains `problem`. */
async function expectInvalid(call: () => Promise<unknown>, field: string, problem: string | RegExp): Promise<void> {
  const error = await call().then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ChannelGatewayError);
  const gatewayError = error as ChannelGatewayError;
  expect(gatewayError.code).toBe('invalid_field');
  expect(gatewayError.field).toBe(field);
  expect(gatewayError.status).toBeUndefined();
  expect(gatewayError.message).toContain(field);
  expect(gatewayError.message).toMatch(problem);
  expect(calls).toBe(0);
}

describe('constructor options', () => {
  it.each([
    ['relative URL', { baseUrl: '/v1' }, 'baseUrl'],
    ['non-http scheme', { baseUrl: 'ftp://gateway.example' }, 'baseUrl'],
    ['query string', { baseUrl: 'https://gateway.example/?x=1' }, 'baseUrl'],
    ['credentials in URL', { baseUrl: 'https://user:pw@gateway.example' }, 'baseUrl'],
    ['empty API key', { apiKey: '' }, 'apiKey'],
    ['API key with a newline', { apiKey: 'key\nx-injected: 1' }, 'apiKey'],
    ['zero timeout', { timeoutMs: 0 }, 'timeoutMs'],
    ['NaN timeout', { timeoutMs: Number.NaN }, 'timeoutMs'],
    ['zero deadline', { deadlineMs: 0 }, 'deadlineMs'],
    ['negative retry pause', { retry: { baseDelayMs: -1 } }, 'retry.baseDelayMs'],
    ['batches over the API limit', { batching: { maxBatch: 1001 } }, 'batching.maxBatch'],
    ['no request in flight', { batching: { maxInFlight: 0 } }, 'batching.maxInFlight'],
  ])('refuses %s', (_name, override, field) => {
    const options = { baseUrl: 'https://gateway.example', apiKey: 'key', ...override };
    expect(() => new ChannelGatewayClient(options)).toThrowError(expect.objectContaining({ name: 'ChannelGatewayError', code: 'invalid_field', field }));
  });

  it('accepts a URL object with a path prefix', () => {
    expect(() => new ChannelGatewayClient({ baseUrl: new URL('https://gateway.example/cg/'), apiKey: 'key' })).not.toThrow();
  });
});

describe('client IDs', () => {
  const problems: Array<[string, string, RegExp]> = [
    ['empty', '', /must not be empty/],
    ['257 bytes', 'x'.repeat(257), /at most 256 bytes/],
    ['129 two-byte characters (258 bytes)', 'é'.repeat(129), /at most 256 bytes/],
    ['a control character', 'user\u0000', /control characters/],
    ['a lone surrogate', 'user\ud800', /valid Unicode/],
  ];
  it.each(problems)('createChannel refuses %s', async (_name, clientId, problem) => {
    await expectInvalid(() => client.createChannel({ clientId }), 'clientId', problem);
  });
  it.each(problems)('sendMessage refuses %s', async (_name, clientId, problem) => {
    await expectInvalid(() => client.sendMessage(clientId, 'hi'), 'clientId', problem);
  });
  it.each(problems)('getChannel refuses %s', async (_name, clientId, problem) => {
    await expectInvalid(() => client.getChannel(clientId), 'clientId', problem);
  });
  it.each(problems)('deleteChannel refuses %s', async (_name, clientId, problem) => {
    await expectInvalid(() => client.deleteChannel(clientId), 'clientId', problem);
  });

  it('refuses a non-string client ID from untyped callers', async () => {
    await expectInvalid(() => client.sendMessage(42 as unknown as string, 'hi'), 'clientId', /must be a string/);
  });

  it('accepts 256 bytes exactly and Unicode', async () => {
    await client.sendMessage('x'.repeat(256), 'hi');
    await client.sendMessage('ü'.repeat(128), 'hi');
    expect(calls).toBe(2);
  });
});

describe('durationMinutes', () => {
  it.each([0, 1441, 1.5, -1, Number.POSITIVE_INFINITY, '60' as unknown as number])('refuses %s', async (durationMinutes) => {
    await expectInvalid(() => client.createChannel({ durationMinutes }), 'durationMinutes', /integer from 1 to 1440/);
  });
});

describe('messages', () => {
  it('refuses more than 32767 bytes, counted in UTF-8', async () => {
    await expectInvalid(() => client.sendMessage('c', 'x'.repeat(MAX_MESSAGE_BYTES + 1)), 'message', /at most 32767 bytes/);
    // 16 384 characters but 32 768 bytes: the limit is about bytes, not string length.
    await expectInvalid(() => client.sendMessage('c', 'é'.repeat(16_384)), 'message', /at most 32767 bytes/);
  });

  it('refuses lone surrogates, which cannot arrive byte for byte', async () => {
    await expectInvalid(() => client.sendMessage('c', 'a\udc00b'), 'message', /valid Unicode/);
  });

  it('accepts exactly 32767 bytes and the empty string', async () => {
    await client.sendMessage('c', 'x'.repeat(MAX_MESSAGE_BYTES));
    await client.sendMessage('c', '');
    expect(calls).toBe(2);
  });
});

describe('sendMessages', () => {
  it('refuses an empty batch and one over the limit', async () => {
    await expectInvalid(() => client.sendMessages([]), 'messages', /from 1 to 1000 items/);
    const tooMany = Array.from({ length: MAX_BATCH_MESSAGES + 1 }, (_, i) => ({ clientId: `c${i}`, message: 'm' }));
    await expectInvalid(() => client.sendMessages(tooMany), 'messages', /got 1001/);
  });

  it('answers a bad item invalid, naming its field as the gateway would, and sends the others', async () => {
    const { results } = await client.sendMessages([
      { clientId: 'a', message: 'ok' },
      { clientId: 'c', message: 'x'.repeat(MAX_MESSAGE_BYTES + 1) },
      { clientId: '', message: 'm' },
      null as never,
      { clientId: 'b', message: 'ok', idempotencyKey: 'not valid' },
      { token: 't', message: 'ok' },
    ]);
    expect(results.map((r) => r.status)).toEqual(['queued', 'invalid', 'invalid', 'invalid', 'invalid', 'queued']);
    expect(results[1]).toMatchObject({ clientId: 'c', error: { code: 'invalid_field', field: 'messages[1].message' } });
    expect(results[1]!.error!.message).toMatch(/messages\[1\]\.message must be at most 32767 bytes/);
    expect(results[2]).toMatchObject({ clientId: '', error: { field: 'messages[2].clientId', message: expect.stringMatching(/must not be empty/) } });
    expect(results[3]).toMatchObject({ clientId: '', error: { field: 'messages[3]', message: expect.stringMatching(/object/) } });
    expect(results[4]).toMatchObject({ clientId: 'b', error: { field: 'messages[4].idempotencyKey' } });
    expect(sentBatches).toEqual([[expect.objectContaining({ clientId: 'a', message: 'ok' }), expect.objectContaining({ token: 't', message: 'ok' })]]);
  });

  it('sends nothing when no item is valid', async () => {
    const { results } = await client.sendMessages([{ clientId: '', message: 'm' }]);
    expect(results).toEqual([
      { clientId: '', status: 'invalid', error: { code: 'invalid_field', field: 'messages[0].clientId', message: 'messages[0].clientId must not be empty' } },
    ]);
    expect(calls).toBe(0);
  });

  it('refuses a batch that is not an array', async () => {
    await expectInvalid(() => client.sendMessages('x' as unknown as []), 'messages', /array/);
  });
});

describe('send by token', () => {
  it('refuses a token that is not a 1…512 character string, and sends nothing', async () => {
    await expectInvalid(() => client.sendMessageToToken('', 'm'), 'token', /1…512 characters/);
    await expectInvalid(() => client.sendMessageToToken('t'.repeat(513), 'm'), 'token', /1…512 characters/);
    await expectInvalid(() => client.sendMessageToToken(7 as unknown as string, 'm'), 'token', /must be a string/);
    await expectInvalid(() => client.sendMessageToToken('t', 'x'.repeat(MAX_MESSAGE_BYTES + 1)), 'message', /at most 32767 bytes/);
  });

  it('answers a batch item naming both a client ID and a token, or neither, invalid', async () => {
    const { results } = await client.sendMessages([{ clientId: 'a', token: 't', message: 'm' } as never, { message: 'm' } as never]);
    expect(results[0]).toMatchObject({
      clientId: 'a',
      status: 'invalid',
      error: { field: 'messages[0].token', message: expect.stringMatching(/together with clientId/) },
    });
    expect(results[1]).toMatchObject({
      clientId: '',
      status: 'invalid',
      error: { field: 'messages[1].clientId', message: expect.stringMatching(/is required \(or token/) },
    });
    expect(calls).toBe(0);
  });

  it('refuses a malformed idempotency key on a send', async () => {
    await expectInvalid(() => client.sendMessage('c', 'm', { idempotencyKey: '' }), 'idempotencyKey', /must not be empty/);
    await expectInvalid(() => client.sendMessage('c', 'm', { idempotencyKey: 'k'.repeat(257) }), 'idempotencyKey', /at most 256/);
    await expectInvalid(() => client.sendMessageToToken('t', 'm', { idempotencyKey: 'a b' }), 'idempotencyKey', /visible ASCII/);
  });

  it('refuses a bad deadline or signal on a call', async () => {
    await expectInvalid(() => client.sendMessage('c', 'm', { deadlineMs: 0 }), 'deadlineMs', /milliseconds/);
    await expectInvalid(() => client.getChannel('c', { signal: {} as AbortSignal }), 'signal', /AbortSignal/);
  });
});
