/**
 * Idempotent sends over HTTP (issue 16 item 1), on memory and Redis stores: `Idempotency-Key` on the
 * single send, `idempotencyKey` per batch item. A repeat delivers nothing new and answers the first
 * status; a key reused for another client or message is refused (409 / an `invalid` item) and sends
 * nothing; malformed keys are refused naming the field; replays and reuses are counted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type StoreKind, type TestGateway } from './support/in-process-gateway.js';
import { TestSocket } from './support/test-socket.js';

const kinds: StoreKind[] = ['memory', 'redis'];

describe.each(kinds)('idempotent sends (%s stores)', (kind) => {
  let gateway: TestGateway;
  beforeAll(async () => (gateway = await startTestGateway(kind)));
  afterAll(async () => gateway.stop());

  let keys = 0;
  const newKey = () => `key-${kind}-${++keys}-${Date.now()}`;
  const single = (clientId: string, message: string, key?: string) =>
    gateway.api('POST', `/v1/channels/${encodeURIComponent(clientId)}/messages`, { message }, key === undefined ? {} : { 'idempotency-key': key });
  const batch = (messages: unknown[]) => gateway.api('POST', '/v1/messages', { messages });
  const counter = async (name: string) => {
    const text = await (await fetch(`${gateway.httpUrl}/metrics`)).text();
    return Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
  };

  it('delivers a single send repeated with the same Idempotency-Key once, answering the first status', async () => {
    const { clientId, token } = await gateway.createChannel();
    const socket = await TestSocket.open(gateway.wsUrl, token);
    const key = newKey();
    const replaysBefore = await counter('cg_idempotent_replays_total');
    expect(await single(clientId, 'once', key)).toEqual({ status: 202, body: { status: 'routed' } });
    expect(await single(clientId, 'once', key)).toEqual({ status: 202, body: { status: 'routed' } });
    expect(await single(clientId, 'probe')).toEqual({ status: 202, body: { status: 'routed' } });
    // Per-client order: had the repeat been delivered, it would be before the probe.
    expect(await socket.waitForMessages(2)).toEqual(['once', 'probe']);
    socket.close();
    await socket.closed;
    // The socket is gone: a fresh send is queued, the repeat still answers what the first one did.
    expect(await single(clientId, 'once', key)).toEqual({ status: 202, body: { status: 'routed' } });
    expect(await single(clientId, 'after')).toEqual({ status: 202, body: { status: 'queued' } });
    expect(await counter('cg_idempotent_replays_total')).toBe(replaysBefore + 2);
    const next = await TestSocket.open(gateway.wsUrl, token);
    expect(await next.waitForMessages(1)).toEqual(['after']);
    next.close();
  });

  it('answers 409 idempotency_key_reused for a key reused for another message or client, and sends nothing', async () => {
    const first = await gateway.createChannel();
    const second = await gateway.createChannel();
    const key = newKey();
    const reusesBefore = await counter('cg_idempotency_key_reuses_total');
    expect((await single(first.clientId, 'original', key)).body).toEqual({ status: 'queued' });
    const otherMessage = await single(first.clientId, 'changed', key);
    expect(otherMessage.status).toBe(409);
    expect(otherMessage.body.error).toMatchObject({ code: 'idempotency_key_reused', field: 'Idempotency-Key' });
    expect(otherMessage.body.error.message).toMatch(/first used for a different message/);
    const otherClient = await single(second.clientId, 'original', key);
    expect(otherClient.status).toBe(409);
    expect(otherClient.body.error.message).toMatch(/first used for a different client/);
    expect(await counter('cg_idempotency_key_reuses_total')).toBe(reusesBefore + 2);
    const one = await TestSocket.open(gateway.wsUrl, first.token);
    expect(await one.waitForMessages(1)).toEqual(['original']);
    const two = await TestSocket.open(gateway.wsUrl, second.token);
    expect(await single(second.clientId, 'probe')).toEqual({ status: 202, body: { status: 'routed' } });
    expect(await two.waitForMessages(1)).toEqual(['probe']);
    one.close();
    two.close();
  });

  it('refuses a malformed Idempotency-Key with 400 naming it, and treats an empty one as none', async () => {
    const { clientId } = await gateway.createChannel();
    // (fetch cannot send control characters in a header; the batch test covers non-ASCII keys.)
    for (const bad of ['k'.repeat(257), 'has space', 'tab\there']) {
      const response = await gateway.api('POST', `/v1/channels/${clientId}/messages`, { message: 'x' }, { 'idempotency-key': bad });
      expect(response.status, bad).toBe(400);
      expect(response.body.error).toMatchObject({ code: 'invalid_field', field: 'Idempotency-Key' });
    }
    expect((await single(clientId, 'k256', 'k'.repeat(256))).status).toBe(202);
    expect((await single(clientId, 'empty', '')).body).toEqual({ status: 'queued' });
    expect((await single(clientId, 'empty', '')).body).toEqual({ status: 'queued' });
  });

  it('makes each batch item idempotent on its own: a repeated batch delivers nothing new', async () => {
    const a = await gateway.createChannel();
    const b = await gateway.createChannel();
    const socket = await TestSocket.open(gateway.wsUrl, a.token);
    const [k1, k2, k3] = [newKey(), newKey(), newKey()];
    const items = [
      { clientId: a.clientId, message: 'a1', idempotencyKey: k1 },
      { token: b.token, message: 'b1', idempotencyKey: k2 },
      { clientId: 'nobody', message: 'n1', idempotencyKey: k3 },
      { clientId: a.clientId, message: 'a2' },
    ];
    const expected = [
      { clientId: a.clientId, status: 'routed' },
      { clientId: b.clientId, status: 'queued' },
      { clientId: 'nobody', status: 'no_channel' },
      { clientId: a.clientId, status: 'routed' },
    ];
    expect((await batch(items)).body.results).toEqual(expected);
    expect(await socket.waitForMessages(2)).toEqual(['a1', 'a2']);
    // The repeat: keyed items answered as before, the unkeyed one sent again.
    expect((await batch(items)).body.results).toEqual(expected);
    expect(await socket.waitForMessages(3)).toEqual(['a1', 'a2', 'a2']);
    // A key shared with the single route: the same client and message is a repeat.
    expect(await single(a.clientId, 'a1', k1)).toEqual({ status: 202, body: { status: 'routed' } });
    const later = await TestSocket.open(gateway.wsUrl, b.token);
    expect(await later.waitForMessages(1)).toEqual(['b1']);
    expect(await single(a.clientId, 'a3')).toEqual({ status: 202, body: { status: 'routed' } });
    expect(await socket.waitForMessages(4)).toEqual(['a1', 'a2', 'a2', 'a3']);
    socket.close();
    later.close();
  });

  it('refuses a batch item whose key was reused or is malformed, naming messages[i].idempotencyKey, and sends the others', async () => {
    const { clientId, token } = await gateway.createChannel();
    const key = newKey();
    expect((await batch([{ clientId, message: 'first', idempotencyKey: key }])).body.results).toEqual([{ clientId, status: 'queued' }]);
    const response = await batch([
      { clientId, message: 'second', idempotencyKey: key },
      { clientId, message: 'bad key', idempotencyKey: 'no spaces please' },
      { clientId, message: 'numeric key', idempotencyKey: 7 },
      { clientId, message: 'non-ASCII key', idempotencyKey: 'ünï' },
      { clientId, message: 'fine', idempotencyKey: newKey() },
    ]);
    const results = response.body.results;
    expect(results.map((r: { status: string }) => r.status)).toEqual(['invalid', 'invalid', 'invalid', 'invalid', 'queued']);
    expect(results[0]).toMatchObject({ clientId, error: { code: 'idempotency_key_reused', field: 'messages[0].idempotencyKey' } });
    expect(results[0].error.message).toMatch(/messages\[0\]\.idempotencyKey was first used for a different message/);
    expect(results[1]).toMatchObject({ clientId, error: { code: 'invalid_field', field: 'messages[1].idempotencyKey' } });
    expect(results[2]).toMatchObject({ clientId, error: { code: 'invalid_field', field: 'messages[2].idempotencyKey' } });
    expect(results[3]).toMatchObject({ clientId, error: { code: 'invalid_field', field: 'messages[3].idempotencyKey' } });
    const socket = await TestSocket.open(gateway.wsUrl, token);
    expect(await socket.waitForMessages(2)).toEqual(['first', 'fine']);
    socket.close();
  });
});
