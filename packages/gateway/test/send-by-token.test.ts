/**
 * Send by token (issue 15 item 5): a `POST /v1/messages` item may name its recipient by the token
 * `POST /v1/channels` returned, as GAE's send_message accepted. On memory and Redis stores: the result
 * names the client the token opens, a dead token (unknown, expired, revoked) is `no_channel` without a
 * client ID, the token is never echoed, and all of a batch's tokens are looked up in one store call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type StoreKind, type TestGateway } from './support/in-process-gateway.js';
import { TestSocket } from './support/test-socket.js';

const kinds: StoreKind[] = ['memory', 'redis'];

describe.each(kinds)('send by token (%s stores)', (kind) => {
  let gateway: TestGateway;
  beforeAll(async () => (gateway = await startTestGateway(kind)));
  afterAll(async () => gateway.stop());

  const batch = (messages: unknown[]) => gateway.api('POST', '/v1/messages', { messages });

  it('delivers to the client the token opens, in order with sends by client ID, and never echoes the token', async () => {
    const { clientId, token } = await gateway.createChannel();
    const socket = await TestSocket.open(gateway.wsUrl, token);
    const response = await batch([
      { token, message: 'one' },
      { clientId, message: 'two' },
      { token, message: 'three' },
    ]);
    expect(response).toEqual({
      status: 202,
      body: {
        results: [
          { clientId, status: 'routed' },
          { clientId, status: 'routed' },
          { clientId, status: 'routed' },
        ],
      },
    });
    expect(await socket.waitForMessages(3)).toEqual(['one', 'two', 'three']);
    expect(JSON.stringify(response.body)).not.toContain(token);
    socket.close();
  });

  it('queues for a client with no socket, like a send by client ID', async () => {
    const { clientId, token } = await gateway.createChannel();
    expect((await batch([{ token, message: 'later' }])).body.results).toEqual([{ clientId, status: 'queued' }]);
    const socket = await TestSocket.open(gateway.wsUrl, token);
    expect(await socket.waitForMessages(1)).toEqual(['later']);
    socket.close();
  });

  it('answers no_channel without a client ID for an unknown token', async () => {
    expect((await batch([{ token: 'no-such-token', message: 'x' }])).body.results).toEqual([{ status: 'no_channel' }]);
  });

  it('answers no_channel for an expired token even while a newer token keeps the channel alive', async () => {
    const clientId = `expiring-${kind}`;
    const short = await gateway.createChannel({ clientId, durationMinutes: 1 });
    const long = await gateway.createChannel({ clientId, durationMinutes: 10 });
    gateway.clock.advance(2 * 60_000);
    try {
      const results = (
        await batch([
          { token: short.token, message: 'old' },
          { token: long.token, message: 'new' },
        ])
      ).body.results;
      expect(results).toEqual([{ status: 'no_channel' }, { clientId, status: 'queued' }]);
    } finally {
      gateway.clock.advance(-2 * 60_000);
    }
  });

  it('answers no_channel for a token revoked by a delete, even once the client has a new channel', async () => {
    const clientId = `revoked-${kind}`;
    const old = await gateway.createChannel({ clientId });
    expect((await gateway.api('DELETE', `/v1/channels/${clientId}`)).status).toBe(204);
    expect((await batch([{ token: old.token, message: 'gone' }])).body.results).toEqual([{ status: 'no_channel' }]);
    const fresh = await gateway.createChannel({ clientId });
    const results = (
      await batch([
        { token: old.token, message: 'still gone' },
        { token: fresh.token, message: 'new' },
      ])
    ).body.results;
    expect(results).toEqual([{ status: 'no_channel' }, { clientId, status: 'queued' }]);
    const socket = await TestSocket.open(gateway.wsUrl, fresh.token);
    expect(await socket.waitForMessages(1)).toEqual(['new']);
    socket.close();
  });

  it('refuses an item with both clientId and token, or neither, or a bad token, and sends the others', async () => {
    const { clientId, token } = await gateway.createChannel();
    const response = await batch([
      { clientId, token, message: 'both' },
      { message: 'neither' },
      { token: '', message: 'empty token' },
      { token: 42, message: 'numeric token' },
      { token: 'x'.repeat(513), message: 'long token' },
      { token, message: 'fine' },
    ]);
    expect(response.status).toBe(202);
    const results = response.body.results;
    expect(results.map((r: { status: string }) => r.status)).toEqual(['invalid', 'invalid', 'invalid', 'invalid', 'invalid', 'queued']);
    expect(results[0]).toMatchObject({ clientId, error: { code: 'invalid_field', field: 'messages[0].token' } });
    expect(results[0].error.message).toMatch(/messages\[0\]\.token must not be given together with clientId/);
    expect(results[1]).toMatchObject({ clientId: '', error: { code: 'invalid_field', field: 'messages[1].clientId' } });
    expect(results[1].error.message).toMatch(/messages\[1\]\.clientId is required \(or token/);
    for (const index of [2, 3, 4]) {
      expect(results[index].clientId).toBeUndefined();
      expect(results[index].error).toMatchObject({ code: 'invalid_field', field: `messages[${index}].token` });
    }
    expect(results[5]).toEqual({ clientId, status: 'queued' });
    expect(JSON.stringify(response.body)).not.toContain(token);
  });

  it('looks up all of a batch’s tokens in one store call', async () => {
    const channels = await Promise.all(Array.from({ length: 20 }, () => gateway.createChannel()));
    const tokens = gateway.node.stores.tokens;
    const calls = { find: 0, findMany: 0 };
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called with .call(tokens) below
    const { find, findMany } = tokens;
    tokens.find = (hash) => (calls.find++, find.call(tokens, hash));
    tokens.findMany = (hashes) => (calls.findMany++, findMany.call(tokens, hashes));
    try {
      const messages = channels.flatMap(({ token, clientId }) => [
        { token, message: 'a' },
        { clientId, message: 'b' },
        { token: `${token}x`, message: 'c' },
      ]);
      const results = (await batch(messages)).body.results;
      expect(results).toEqual(channels.flatMap(({ clientId }) => [{ clientId, status: 'queued' }, { clientId, status: 'queued' }, { status: 'no_channel' }]));
      expect(calls).toEqual({ find: 0, findMany: 1 });
      // A batch without tokens does not ask the token store at all.
      await batch([{ clientId: channels[0]!.clientId, message: 'd' }]);
      expect(calls).toEqual({ find: 0, findMany: 1 });
    } finally {
      tokens.find = find;
      tokens.findMany = findMany;
    }
  });
});
