/**
 * The backend HTTP API on a real node (memory stores): statuses, validation errors that name the field,
 * authentication, body limits. Nothing answers 500 to bad input.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_MESSAGE_BYTES } from '@channel-gateway/protocol';
import { API_KEY, startTestGateway, type TestGateway } from './support/in-process-gateway.js';
import { TEST_TRANSPORTS } from './support/transports.js';

describe.each(TEST_TRANSPORTS)('HTTP API (%s transport)', (transport) => {
  let gateway: TestGateway;
  beforeAll(async () => (gateway = await startTestGateway('memory', { transport, maxBodyBytes: 64 * 1024 })));
  afterAll(async () => gateway.stop());

  it('creates a channel with a generated ULID client ID and the default 120 minutes', async () => {
    const before = Date.now();
    const created = await gateway.api('POST', '/v1/channels');
    expect(created.status).toBe(201);
    expect(created.body.clientId).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(created.body.token.length).toBeGreaterThanOrEqual(43); // 256 bits in base64url
    const lifetime = Date.parse(created.body.expiresAt) - before;
    expect(lifetime).toBeGreaterThan(119 * 60_000);
    expect(lifetime).toBeLessThanOrEqual(120 * 60_000 + 5_000);
  });

  it('accepts client IDs of exactly 256 UTF-8 bytes, with spaces and unicode, through the path', async () => {
    const clientId = 'é'.repeat(128);
    expect((await gateway.api('POST', '/v1/channels', { clientId })).status).toBe(201);
    expect(await gateway.send(clientId, 'hi')).toBe('queued');
    const odd = 'a b/c?d#e%f';
    expect((await gateway.api('POST', '/v1/channels', { clientId: odd })).status).toBe(201);
    expect(await gateway.send(odd, 'hi')).toBe('queued');
    expect((await gateway.api('GET', `/v1/channels/${encodeURIComponent(odd)}`)).body).toMatchObject({ clientId: odd, connected: false });
  });

  const badCreates: Array<[string, unknown, string]> = [
    ['empty client ID', { clientId: '' }, 'clientId'],
    ['257-byte client ID', { clientId: 'é'.repeat(128) + 'x' }, 'clientId'],
    ['control character', { clientId: 'a\u0007b' }, 'clientId'],
    ['numeric client ID', { clientId: 42 }, 'clientId'],
    ['zero minutes', { durationMinutes: 0 }, 'durationMinutes'],
    ['1441 minutes', { durationMinutes: 1441 }, 'durationMinutes'],
    ['fractional minutes', { durationMinutes: 1.5 }, 'durationMinutes'],
    ['string minutes', { durationMinutes: '10' }, 'durationMinutes'],
    ['unknown field', { duration: 10 }, 'duration'],
    ['array body', [], 'body'],
    // An empty body means "no options"; the JSON value null is not an object (issue 13).
    ['null body', 'null', 'body'],
  ];
  for (const [name, body, field] of badCreates) {
    it(`refuses create with ${name} (400 naming ${field})`, async () => {
      const response = await gateway.api('POST', '/v1/channels', body);
      expect(response.status).toBe(400);
      expect(response.body.error).toMatchObject({ code: 'invalid_field', field });
      expect(response.body.error.message).toContain(field);
    });
  }

  it('refuses malformed JSON, wrong media types and messages that are too long', async () => {
    const bad = await gateway.api('POST', '/v1/channels/x/messages', '{"message":', {});
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'invalid_json' } } });
    const text = await gateway.api('POST', '/v1/channels/x/messages', 'message=hi', { 'content-type': 'text/plain' });
    expect(text).toMatchObject({ status: 415, body: { error: { code: 'unsupported_media_type' } } });
    const long = await gateway.api('POST', '/v1/channels/x/messages', { message: 'x'.repeat(MAX_MESSAGE_BYTES + 1) });
    expect(long).toMatchObject({ status: 400, body: { error: { code: 'invalid_field', field: 'message' } } });
    const exact = await gateway.api('POST', '/v1/channels/x/messages', { message: 'x'.repeat(MAX_MESSAGE_BYTES) });
    expect(exact).toEqual({ status: 202, body: { status: 'no_channel' } });
    const missing = await gateway.api('POST', '/v1/channels/x/messages', {});
    expect(missing.body.error).toMatchObject({ field: 'message' });
    const lone = await gateway.api('POST', '/v1/channels/x/messages', '{"message":"\\ud800"}');
    expect(lone.body.error).toMatchObject({ field: 'message' });
  });

  it('answers 401 without a valid API key, on every /v1 route', async () => {
    for (const [method, path] of [
      ['POST', '/v1/channels'],
      ['POST', '/v1/channels/x/messages'],
      ['POST', '/v1/messages'],
      ['GET', '/v1/channels/x'],
      ['DELETE', '/v1/channels/x'],
    ] as const) {
      const none = await fetch(gateway.httpUrl + path, { method });
      expect(none.status).toBe(401);
      expect(((await none.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
      const wrong = await gateway.api(method, path, undefined, { authorization: 'Bearer wrong' });
      expect(wrong.status).toBe(401);
    }
  });

  it('refuses an oversized body with 413, declared or streamed', async () => {
    const declared = await fetch(gateway.httpUrl + '/v1/channels/x/messages', {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'x'.repeat(100 * 1024) }),
    });
    expect(declared.status).toBe(413);
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 100; i++) controller.enqueue(new Uint8Array(1024).fill(32));
        controller.close();
      },
    });
    const streamed = await fetch(gateway.httpUrl + '/v1/messages', {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: chunks,
      duplex: 'half',
    });
    expect(streamed.status).toBe(413);
    // The node is still fine afterwards.
    expect((await fetch(gateway.httpUrl + '/healthz')).status).toBe(200);
  });

  it('sends a batch with a status per recipient; a bad item does not fail the others', async () => {
    const { clientId } = await gateway.createChannel();
    const response = await gateway.api('POST', '/v1/messages', {
      messages: [
        { clientId, message: 'one' },
        { clientId: 'nobody-here', message: 'two' },
        { clientId: '', message: 'three' },
        { clientId, message: 7 },
        { clientId, message: 'five' },
      ],
    });
    expect(response.status).toBe(202);
    expect(response.body.results.map((r: { status: string }) => r.status)).toEqual(['queued', 'no_channel', 'invalid', 'invalid', 'queued']);
    expect(response.body.results[2].error).toMatchObject({ field: 'messages[2].clientId' });
    expect(response.body.results[3].error).toMatchObject({ field: 'messages[3].message' });
    const tooMany = await gateway.api('POST', '/v1/messages', { messages: Array.from({ length: 1001 }, () => ({ clientId, message: 'x' })) });
    expect(tooMany.body.error).toMatchObject({ field: 'messages' });
    const empty = await gateway.api('POST', '/v1/messages', { messages: [] });
    expect(empty.status).toBe(400);
  });

  it('reports presence and 404 for unknown channels; DELETE answers 204 then 404', async () => {
    const { clientId } = await gateway.createChannel();
    expect((await gateway.api('GET', `/v1/channels/${clientId}`)).body).toMatchObject({ clientId, connected: false });
    expect((await gateway.api('GET', '/v1/channels/unknown-client')).status).toBe(404);
    expect((await gateway.api('DELETE', `/v1/channels/${clientId}`)).status).toBe(204);
    expect((await gateway.api('DELETE', `/v1/channels/${clientId}`)).status).toBe(404);
  });

  it('serves health, readiness, metrics, the OpenAPI document and a JSON 404', async () => {
    expect(await (await fetch(gateway.httpUrl + '/healthz')).json()).toEqual({ status: 'ok' });
    expect((await fetch(gateway.httpUrl + '/readyz')).status).toBe(200);
    const metrics = await (await fetch(gateway.httpUrl + '/metrics')).text();
    expect(metrics).toContain('cg_sends_total');
    expect(metrics).toMatch(new RegExp(`cg_transport_info\\{transport="${transport}",build="[^"]+"\\} 1`));
    expect((await fetch(gateway.httpUrl + '/openapi.yaml')).status).toBe(200);
    const missing = await fetch(gateway.httpUrl + '/nope');
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });
});
