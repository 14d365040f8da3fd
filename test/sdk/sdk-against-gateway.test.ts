/**
 * The Node SDK against a real gateway process (Redis mode, the run's shared Redis): every call of
 * ChannelGatewayClient end to end, with a real client socket (the client package over `ws`) on the
 * receiving side. The SDK's own unit tests (canned HTTP answers) live in packages/sdk/test.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Channel, type ChannelError, type Socket } from '@channel-gateway/client';
import { ChannelGatewayClient, ChannelGatewayError, MAX_MESSAGE_BYTES } from '@channel-gateway/sdk';
import { startGatewayProcess, uniqueId, waitFor, type GatewayHandle } from '../support/index.js';

const API_KEY = `sdk-e2e-${uniqueId('key')}`;
/** Crockford base32, 26 characters: what the gateway generates when no clientId is given. */
const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

let gateway: GatewayHandle;
let sdk: ChannelGatewayClient;

beforeAll(async () => {
  gateway = await startGatewayProcess({ apiKey: API_KEY });
  sdk = new ChannelGatewayClient({ baseUrl: gateway.httpUrl, apiKey: API_KEY, timeoutMs: 5_000 });
});
afterAll(async () => {
  await gateway?.stop();
});

/** A client socket (the client package, as a browser app would use it) that records what it hears. */
interface OpenedClient {
  socket: Socket;
  messages: string[];
  errors: ChannelError[];
  closed: boolean;
  opened: Promise<void>;
}
const openClients: OpenedClient[] = [];
afterEach(() => {
  for (const client of openClients.splice(0)) client.socket.close();
});

function connect(token: string): OpenedClient {
  let markOpen!: () => void;
  const messages: string[] = [];
  const errors: ChannelError[] = [];
  const client: OpenedClient = {
    messages,
    errors,
    closed: false,
    opened: new Promise<void>((resolve) => (markOpen = resolve)),
    socket: new Channel(token, { url: gateway.wsUrl, WebSocket }).open({
      onopen: () => markOpen(),
      onmessage: ({ data }) => messages.push(data),
      onerror: (error) => errors.push(error),
      onclose: () => {
        client.closed = true;
      },
    }),
  };
  openClients.push(client);
  return client;
}

/** Resolves once the gateway reports the client as connected (the socket has claimed ownership). */
async function waitUntilConnected(clientId: string): Promise<void> {
  await waitFor(async () => (await sdk.getChannel(clientId))?.connected === true, {
    timeoutMs: 10_000,
    what: `${clientId} to show as connected`,
  });
}

async function caught(promise: Promise<unknown>): Promise<ChannelGatewayError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ChannelGatewayError);
  return error as ChannelGatewayError;
}

describe('createChannel', () => {
  it('creates a channel for a given clientId with the requested lifetime', async () => {
    const clientId = uniqueId('sdk-user');
    const before = Date.now();
    const created = await sdk.createChannel({ clientId, durationMinutes: 5 });
    expect(created.clientId).toBe(clientId);
    expect(typeof created.token).toBe('string');
    // ≥ 128 random bits, whatever the encoding.
    expect(created.token.length).toBeGreaterThanOrEqual(22);
    const expiresAt = Date.parse(created.expiresAt);
    expect(new Date(expiresAt).toISOString()).toBe(created.expiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 5 * 60_000 - 1_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 5 * 60_000 + 1_000);
  });

  it('generates a ULID clientId when none is given, with the default lifetime of 120 minutes', async () => {
    const created = await sdk.createChannel();
    expect(created.clientId).toMatch(ULID);
    const lifetime = Date.parse(created.expiresAt) - Date.now();
    expect(lifetime).toBeGreaterThan(119 * 60_000);
    expect(lifetime).toBeLessThanOrEqual(120 * 60_000 + 1_000);
    const other = await sdk.createChannel();
    expect(other.clientId).not.toBe(created.clientId);
    expect(other.token).not.toBe(created.token);
  });

  it('refuses an out-of-range durationMinutes locally, naming the field', async () => {
    const error = await caught(sdk.createChannel({ clientId: uniqueId('sdk-user'), durationMinutes: 1_441 }));
    expect(error).toMatchObject({ code: 'invalid_field', field: 'durationMinutes', status: undefined });
  });
});

describe('sendMessage', () => {
  it('queues while no socket is open, delivers on connect, then routes live to the socket', async () => {
    const { clientId, token } = await sdk.createChannel({ clientId: uniqueId('sdk-send') });
    await expect(sdk.sendMessage(clientId, 'while away ✓')).resolves.toEqual({ status: 'queued' });

    const client = connect(token);
    await client.opened;
    await waitFor(() => client.messages.length >= 1, { timeoutMs: 10_000, what: 'the queued message' });
    expect(client.messages).toEqual(['while away ✓']);

    await waitUntilConnected(clientId);
    await expect(sdk.sendMessage(clientId, 'live 🚀')).resolves.toEqual({ status: 'routed' });
    await waitFor(() => client.messages.length >= 2, { timeoutMs: 10_000, what: 'the routed message' });
    expect(client.messages).toEqual(['while away ✓', 'live 🚀']);
    expect(client.errors).toEqual([]);
  });

  it('keeps the exact string, including the largest allowed message', async () => {
    const { clientId, token } = await sdk.createChannel({ clientId: uniqueId('sdk-exact') });
    const client = connect(token);
    await client.opened;
    await waitUntilConnected(clientId);
    // 3 bytes of UTF-8 per character: 10,922 × 3 = 32,766 bytes, plus one ASCII byte = the limit.
    const largest = '€'.repeat(Math.floor(MAX_MESSAGE_BYTES / 3)) + 'x';
    const awkward = '{"json":"not parsed"}\n\t\\ "quotes" \u0000 nul';
    await expect(sdk.sendMessage(clientId, largest)).resolves.toEqual({ status: 'routed' });
    await expect(sdk.sendMessage(clientId, awkward)).resolves.toEqual({ status: 'routed' });
    await expect(sdk.sendMessage(clientId, '')).resolves.toEqual({ status: 'routed' });
    await waitFor(() => client.messages.length >= 3, { timeoutMs: 10_000, what: 'three messages' });
    expect(client.messages).toEqual([largest, awkward, '']);
  });

  it('answers no_channel for a client ID without a live channel', async () => {
    await expect(sdk.sendMessage(uniqueId('sdk-nobody'), 'hello?')).resolves.toEqual({ status: 'no_channel' });
  });

  it('refuses a too-long message locally, naming the field, and sends nothing', async () => {
    const { clientId, token } = await sdk.createChannel({ clientId: uniqueId('sdk-long') });
    const ascii = await caught(sdk.sendMessage(clientId, 'x'.repeat(MAX_MESSAGE_BYTES + 1)));
    expect(ascii).toMatchObject({ code: 'invalid_field', field: 'message', status: undefined });
    expect(ascii.message).toContain('message');
    // Bytes of UTF-8 count, not characters: 16,384 × 2 bytes = 32,768 bytes in 16,384 characters.
    const multibyte = await caught(sdk.sendMessage(clientId, 'é'.repeat(16_384)));
    expect(multibyte).toMatchObject({ code: 'invalid_field', field: 'message', status: undefined });

    // Nothing reached the gateway: the channel's buffer is empty, so the first message a socket
    // gets is the one sent after the refusals.
    await expect(sdk.sendMessage(clientId, 'first real one')).resolves.toEqual({ status: 'queued' });
    const client = connect(token);
    await waitFor(() => client.messages.length >= 1, { timeoutMs: 10_000, what: 'the queued message' });
    expect(client.messages).toEqual(['first real one']);
  });
});

describe('sendMessages', () => {
  it('sends a batch to connected, disconnected and unknown clients, in order per client', async () => {
    const connected = await sdk.createChannel({ clientId: uniqueId('sdk-batch-on') });
    const away = await sdk.createChannel({ clientId: uniqueId('sdk-batch-off') });
    const nobody = uniqueId('sdk-batch-nobody');
    const client = connect(connected.token);
    await client.opened;
    await waitUntilConnected(connected.clientId);

    const { results } = await sdk.sendMessages([
      { clientId: connected.clientId, message: 'b1' },
      { clientId: away.clientId, message: 'a1' },
      { clientId: nobody, message: 'n1' },
      { clientId: connected.clientId, message: 'b2' },
      { clientId: away.clientId, message: 'a2' },
      { clientId: connected.clientId, message: 'b3' },
    ]);
    expect(results).toEqual([
      { clientId: connected.clientId, status: 'routed' },
      { clientId: away.clientId, status: 'queued' },
      { clientId: nobody, status: 'no_channel' },
      { clientId: connected.clientId, status: 'routed' },
      { clientId: away.clientId, status: 'queued' },
      { clientId: connected.clientId, status: 'routed' },
    ]);
    await waitFor(() => client.messages.length >= 3, { timeoutMs: 10_000, what: 'three batch messages' });
    expect(client.messages).toEqual(['b1', 'b2', 'b3']);

    const later = connect(away.token);
    await waitFor(() => later.messages.length >= 2, { timeoutMs: 10_000, what: 'the queued batch messages' });
    expect(later.messages).toEqual(['a1', 'a2']);
  });

  it('answers the invalid items of a batch invalid, naming their fields, and sends the others', async () => {
    const { clientId, token } = await sdk.createChannel({ clientId: uniqueId('sdk-batch-bad') });
    const client = connect(token);
    await client.opened;
    await waitUntilConnected(clientId);

    const { results } = await sdk.sendMessages([
      { clientId, message: 'valid 1' },
      { clientId, message: 'x'.repeat(MAX_MESSAGE_BYTES + 1) },
      { clientId: '', message: 'bad client ID' },
      { clientId: 'control\u0007char', message: 'x' },
      { clientId, message: 42 as unknown as string },
      { clientId, message: 'valid 2' },
    ]);
    expect(results.map((result) => result.status)).toEqual(['routed', 'invalid', 'invalid', 'invalid', 'invalid', 'routed']);
    expect(results.map((result) => result.error?.field)).toEqual([
      undefined,
      'messages[1].message',
      'messages[2].clientId',
      'messages[3].clientId',
      'messages[4].message',
      undefined,
    ]);
    for (const result of results.slice(1, 5)) expect(result.error?.code).toBe('invalid_field');

    // The envelope itself is still refused as a whole.
    const empty = await caught(sdk.sendMessages([]));
    expect(empty).toMatchObject({ code: 'invalid_field', field: 'messages' });
    const tooMany = await caught(sdk.sendMessages(Array.from({ length: 1_001 }, () => ({ clientId, message: 'm' }))));
    expect(tooMany).toMatchObject({ code: 'invalid_field', field: 'messages' });

    await expect(sdk.sendMessage(clientId, 'after')).resolves.toEqual({ status: 'routed' });
    await waitFor(() => client.messages.length >= 3, { timeoutMs: 10_000, what: 'the valid messages' });
    // Per-client order kept, and nothing of the refused items went out.
    expect(client.messages).toEqual(['valid 1', 'valid 2', 'after']);
  });
});

describe('queryPresence', () => {
  it('answers for many clients at once, in order', async () => {
    const online = await sdk.createChannel({ clientId: uniqueId('sdk-presence-on') });
    const offline = await sdk.createChannel({ clientId: uniqueId('sdk-presence-off') });
    const nobody = uniqueId('sdk-presence-nobody');
    const client = connect(online.token);
    await client.opened;
    await waitUntilConnected(online.clientId);
    const results = await sdk.queryPresence([online.clientId, nobody, offline.clientId]);
    expect(results).toEqual([
      { clientId: online.clientId, found: true, connected: true, expiresAt: online.expiresAt, node: gateway.nodeId, connectedAt: expect.any(String) },
      { clientId: nobody, found: false, connected: false },
      { clientId: offline.clientId, found: true, connected: false, expiresAt: offline.expiresAt },
    ]);
    const bad = await caught(sdk.queryPresence([online.clientId, '']));
    expect(bad).toMatchObject({ code: 'invalid_field', field: 'clientIds[1]', status: undefined });
    expect(await caught(sdk.queryPresence([]))).toMatchObject({ code: 'invalid_field', field: 'clientIds' });
  });
});

describe('send by token', () => {
  it('sendMessageToToken reaches the client the token opens and names it; a dead token is no_channel', async () => {
    const { clientId, token } = await sdk.createChannel({ clientId: uniqueId('sdk-token') });
    await expect(sdk.sendMessageToToken(token, 'while away')).resolves.toEqual({ clientId, status: 'queued' });
    const client = connect(token);
    await client.opened;
    await waitUntilConnected(clientId);
    await expect(sdk.sendMessageToToken(token, 'live')).resolves.toEqual({ clientId, status: 'routed' });
    await waitFor(() => client.messages.length >= 2, { timeoutMs: 10_000, what: 'both messages sent by token' });
    expect(client.messages).toEqual(['while away', 'live']);

    await expect(sdk.sendMessageToToken('not-a-token-the-gateway-issued', 'x')).resolves.toEqual({ status: 'no_channel' });
    await expect(sdk.deleteChannel(clientId)).resolves.toBe(true);
    await expect(sdk.sendMessageToToken(token, 'revoked')).resolves.toEqual({ status: 'no_channel' });
  });

  it('mixes token and client ID items in one batch, in order per client', async () => {
    const { clientId, token } = await sdk.createChannel({ clientId: uniqueId('sdk-token-batch') });
    const { results } = await sdk.sendMessages([
      { token, message: 't1' },
      { clientId, message: 'c2' },
      { token: 'unknown-token', message: 'lost' },
      { token, message: 't3' },
    ]);
    expect(results).toEqual([{ clientId, status: 'queued' }, { clientId, status: 'queued' }, { status: 'no_channel' }, { clientId, status: 'queued' }]);
    const client = connect(token);
    await waitFor(() => client.messages.length >= 3, { timeoutMs: 10_000, what: 'the three queued messages' });
    expect(client.messages).toEqual(['t1', 'c2', 't3']);
  });

  it('refuses an empty token locally, and answers an item with both a token and a client ID, or neither, invalid', async () => {
    const empty = await caught(sdk.sendMessageToToken('', 'x'));
    expect(empty).toMatchObject({ code: 'invalid_field', field: 'token', status: undefined });
    const { results } = await sdk.sendMessages([{ clientId: 'a', token: 'b', message: 'x' } as never, { message: 'x' } as never]);
    expect(results).toMatchObject([
      { clientId: 'a', status: 'invalid', error: { code: 'invalid_field', field: 'messages[0].token' } },
      { clientId: '', status: 'invalid', error: { code: 'invalid_field', field: 'messages[1].clientId' } },
    ]);
  });
});

describe('getChannel', () => {
  it('reports connected true with the node, false without a socket, and null for an unknown client', async () => {
    const { clientId, token, expiresAt } = await sdk.createChannel({ clientId: uniqueId('sdk-info') });

    const idle = await sdk.getChannel(clientId);
    expect(idle).toMatchObject({ clientId, connected: false, expiresAt });
    expect(idle?.node).toBeUndefined();

    const client = connect(token);
    await client.opened;
    await waitUntilConnected(clientId);
    const live = await sdk.getChannel(clientId);
    expect(live).toMatchObject({ clientId, connected: true, expiresAt, node: gateway.nodeId });
    expect(Number.isNaN(Date.parse(live?.connectedAt ?? ''))).toBe(false);

    client.socket.close();
    await waitFor(async () => (await sdk.getChannel(clientId))?.connected === false, {
      timeoutMs: 10_000,
      what: `${clientId} to show as disconnected`,
    });

    await expect(sdk.getChannel(uniqueId('sdk-unknown'))).resolves.toBeNull();
  });
});

describe('deleteChannel', () => {
  it('returns true for a live channel (its socket is closed as invalid), then false', async () => {
    const { clientId, token } = await sdk.createChannel({ clientId: uniqueId('sdk-delete') });
    const client = connect(token);
    await client.opened;
    await waitUntilConnected(clientId);

    await expect(sdk.deleteChannel(clientId)).resolves.toBe(true);
    await waitFor(() => client.closed, { timeoutMs: 10_000, what: 'the socket to close after the delete' });
    expect(client.errors).toEqual([{ code: 401, description: 'Invalid+token.' }]);

    await expect(sdk.deleteChannel(clientId)).resolves.toBe(false);
    await expect(sdk.getChannel(clientId)).resolves.toBeNull();
    await expect(sdk.sendMessage(clientId, 'too late')).resolves.toEqual({ status: 'no_channel' });
  });

  it('returns false for a client that never had a channel', async () => {
    await expect(sdk.deleteChannel(uniqueId('sdk-never'))).resolves.toBe(false);
  });
});

describe('authentication', () => {
  it('turns a wrong API key into ChannelGatewayError unauthorized / 401 on every call', async () => {
    const wrong = new ChannelGatewayClient({ baseUrl: gateway.httpUrl, apiKey: 'not-the-key', timeoutMs: 5_000 });
    const clientId = uniqueId('sdk-auth');
    const calls: Array<() => Promise<unknown>> = [
      () => wrong.createChannel({ clientId }),
      () => wrong.sendMessage(clientId, 'x'),
      () => wrong.sendMessages([{ clientId, message: 'x' }]),
      () => wrong.getChannel(clientId),
      () => wrong.queryPresence([clientId]),
      () => wrong.sendMessageToToken('some-token', 'x'),
      () => wrong.deleteChannel(clientId),
    ];
    for (const call of calls) {
      const error = await caught(call());
      expect(error).toMatchObject({ code: 'unauthorized', status: 401 });
    }
    // And nothing was created by the refused call.
    await expect(sdk.getChannel(clientId)).resolves.toBeNull();
  });
});
