/**
 * Token refresh on live connections (issue 16), against two real gateway processes on one Redis: a refresh
 * frame on the socket, and POST /v1/refresh to either node. Tokens are made to expire in seconds by
 * rewriting their Redis record (test/support/token-lifetime.ts); the gateways run unchanged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode, type OpenFrame, type ServerFrame } from '@channel-gateway/protocol';
import {
  gatewayApi,
  setTokenExpiry,
  shortenToken,
  startGatewayProcess,
  uniqueKeyPrefix,
  waitFor,
  type ApiAnswer,
  type GatewayHandle,
  type TokenRecordLocation,
} from '../support/index.js';
import { TestSocket } from '../../packages/gateway/test/support/test-socket.js';
import { TEST_TRANSPORTS } from '../../packages/gateway/test/support/transports.js';
import { WebhookReceiver } from '../../packages/gateway/test/support/webhook-receiver.js';

const API_KEY = 'token-refresh-test-key';
const SECRET = 'token-refresh-webhook-secret';
/** The expiry wheel's resolution (1 s) plus its tick (250 ms): a socket is closed at most this late. */
const EXPIRY_SLACK_MS = 1_250;
const [TRANSPORT_A, TRANSPORT_B] = [TEST_TRANSPORTS[0]!, TEST_TRANSPORTS[TEST_TRANSPORTS.length - 1]!];

const api = (node: GatewayHandle, method: string, path: string, body?: unknown) => gatewayApi(node.httpUrl, API_KEY)(method, path, body);

/** POST /v1/refresh as a page sends it: text/plain (no preflight), with its Origin, no API key. */
async function refreshOverHttp(node: GatewayHandle, body: unknown, origin = 'https://app.example') {
  const response = await fetch(`${node.httpUrl}/v1/refresh`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain;charset=UTF-8', origin },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    body: (await response.json()) as ApiAnswer['body'],
    allowOrigin: response.headers.get('access-control-allow-origin'),
    retryAfter: response.headers.get('retry-after'),
  };
}

const isOpen = (socket: TestSocket) => socket.ws.readyState === socket.ws.OPEN;
const openFrame = (socket: TestSocket) => socket.frames.find((frame): frame is OpenFrame => frame.type === 'open')!;
const refreshAnswers = (socket: TestSocket) => socket.frames.filter((frame) => frame.type === 'refreshed' || frame.type === 'refresh-refused');

describe(`token refresh on two gateway processes (A on ${TRANSPORT_A}, B on ${TRANSPORT_B})`, () => {
  let app: WebhookReceiver;
  let a: GatewayHandle;
  let b: GatewayHandle;
  let tokens: TokenRecordLocation;
  beforeAll(async () => {
    app = await WebhookReceiver.start(SECRET);
    const keyPrefix = uniqueKeyPrefix();
    // A short grace, so a socket that was closed and reopened would show up as a disconnected webhook.
    const env = { CG_WEBHOOK_URL: app.url, CG_WEBHOOK_SECRET: SECRET, CG_PRESENCE_GRACE_MS: '200' };
    [a, b] = await Promise.all([
      startGatewayProcess({ apiKey: API_KEY, keyPrefix, nodeId: 'refresh-a', transport: TRANSPORT_A, env }),
      startGatewayProcess({ apiKey: API_KEY, keyPrefix, nodeId: 'refresh-b', transport: TRANSPORT_B, env }),
    ]);
    tokens = { redisUrl: b.redisUrl!, keyPrefix };
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await app?.stop();
  });

  /** A channel for `clientId` whose token expires in `lifetimeMs`: the token and that expiry. */
  async function channel(node: GatewayHandle, clientId: string, lifetimeMs: number): Promise<{ token: string; expiresAt: number }> {
    const created = await api(node, 'POST', '/v1/channels', { clientId, durationMinutes: 1 });
    expect(created.status).toBe(201);
    return { token: created.body.token, expiresAt: await shortenToken(tokens, created.body.token, lifetimeMs) };
  }

  it('a refresh frame moves the expiry past the old one: no reconnect, no presence webhook, no message lost while sends flow', async () => {
    const clientId = 'refresh-flow';
    const first = await channel(a, clientId, 3_000);
    const socket = await TestSocket.open(b.wsUrl, first.token);
    expect(openFrame(socket)).toMatchObject({ clientId, expiresAt: first.expiresAt, connectionId: expect.any(String), serverTime: expect.any(Number) });
    await app.waitFor(() => app.events(clientId).length === 1, 10_000, 'the connected webhook');

    // Sends from node A all along; each remembers when it was made.
    const sentAt: number[] = [];
    let sending = true;
    const sender = (async () => {
      while (sending && sentAt.length < 5_000) {
        const at = Date.now();
        expect((await api(a, 'POST', `/v1/channels/${clientId}/messages`, { message: `m${sentAt.length}` })).body).toEqual({ status: 'routed' });
        sentAt.push(at);
      }
    })();

    const second = await channel(b, clientId, 6_000);
    socket.send({ type: 'refresh', token: second.token });
    expect(await socket.waitForFrame((frame) => frame.type === 'refreshed')).toEqual({
      type: 'refreshed',
      expiresAt: second.expiresAt,
      serverTime: expect.any(Number),
    });

    // A message sent well after the first token's expiry still arrives on the same socket.
    const pastFirstExpiry = () => sentAt.findIndex((at) => at > first.expiresAt + EXPIRY_SLACK_MS);
    await waitFor(() => pastFirstExpiry() >= 0 && socket.messages().length > pastFirstExpiry(), {
      timeoutMs: 10_000,
      what: 'a message sent after the first expiry',
    });
    sending = false;
    await sender;
    const expected = sentAt.map((_, i) => `m${i}`);
    expect(await socket.waitForMessages(expected.length)).toEqual(expected);
    expect(isOpen(socket)).toBe(true);
    expect(app.events(clientId)).toEqual([`connected ${clientId}`]);

    // The new expiry is real: the socket is closed then, and only then is the client reported gone.
    expect(await socket.closeCode(10_000)).toBe(CloseCode.TOKEN_EXPIRED);
    expect(Date.now()).toBeGreaterThanOrEqual(second.expiresAt);
    await app.waitFor(() => app.events(clientId).length === 2, 10_000, 'the disconnected webhook');
    expect(app.events(clientId)).toEqual([`connected ${clientId}`, `disconnected ${clientId}`]);
    console.log(
      `token refresh: ${expected.length} messages through a refresh, none lost; socket lived ${second.expiresAt - first.expiresAt} ms past its first token`,
    );
  });

  it('refuses a token for another client ID (frame: other_client; HTTP: 409 not_owner) and closes nothing', async () => {
    const mine = await channel(a, 'refresh-mine', 60_000);
    const theirs = await channel(a, 'refresh-theirs', 60_000);
    const mySocket = await TestSocket.open(b.wsUrl, mine.token);
    const theirSocket = await TestSocket.open(a.wsUrl, theirs.token);

    mySocket.send({ type: 'refresh', token: theirs.token });
    expect(await mySocket.waitForFrame((frame) => frame.type === 'refresh-refused')).toEqual({ type: 'refresh-refused', reason: 'other_client' });
    const refused = await refreshOverHttp(a, { token: theirs.token, connectionId: openFrame(mySocket).connectionId });
    expect(refused).toMatchObject({ status: 409, body: { error: { code: 'not_owner', field: 'connectionId' } } });

    // Both sockets still open, still receiving, and each kept its own client.
    await api(b, 'POST', '/v1/channels/refresh-mine/messages', { message: 'still mine' });
    await api(b, 'POST', '/v1/channels/refresh-theirs/messages', { message: 'still theirs' });
    expect(await mySocket.waitForMessages(1)).toEqual(['still mine']);
    expect(await theirSocket.waitForMessages(1)).toEqual(['still theirs']);
    expect([isOpen(mySocket), isOpen(theirSocket)]).toEqual([true, true]);
    expect(theirSocket.frames.filter((frame) => frame.type === 'refreshed')).toEqual([]);
    mySocket.close();
    theirSocket.close();
  });

  it('refuses an expired, a revoked and an unknown token; the socket keeps its old expiry', async () => {
    const clientId = 'refresh-refused';
    const revoked = await channel(a, clientId, 60_000);
    expect((await api(a, 'DELETE', `/v1/channels/${clientId}`)).status).toBe(204);
    const current = await channel(a, clientId, 4_000);
    const socket = await TestSocket.open(b.wsUrl, current.token);
    const connectionId = openFrame(socket).connectionId;
    const expired = await channel(a, clientId, 60_000);
    await setTokenExpiry(tokens, expired.token, Date.now() - 1_000);

    const answers: ServerFrame[] = [];
    for (const token of [expired.token, revoked.token, 'not-a-token']) {
      socket.send({ type: 'refresh', token });
      await waitFor(() => refreshAnswers(socket).length > answers.length, { what: 'the answer to a refresh' });
      answers.push(refreshAnswers(socket).at(-1)!);
    }
    expect(answers).toEqual(['expired', 'invalid_token', 'invalid_token'].map((reason) => ({ type: 'refresh-refused', reason })));
    const overHttp = await Promise.all([expired.token, revoked.token, 'not-a-token'].map((token) => refreshOverHttp(a, { token, connectionId })));
    expect(overHttp.map(({ status, body }) => [status, body.error.code])).toEqual([
      [401, 'token_expired'],
      [401, 'invalid_token'],
      [401, 'invalid_token'],
    ]);

    // Nothing changed: the socket still works, and closes at its own token's expiry.
    await api(a, 'POST', `/v1/channels/${clientId}/messages`, { message: 'after the refusals' });
    expect(await socket.waitForMessages(1)).toEqual(['after the refusals']);
    expect(await socket.closeCode(10_000)).toBe(CloseCode.TOKEN_EXPIRED);
    expect(Date.now()).toBeLessThan(current.expiresAt + EXPIRY_SLACK_MS + 1_000);
  });

  it('POST /v1/refresh on either node refreshes a socket held by node B, which gets the refreshed frame', async () => {
    const clientId = 'refresh-http';
    const first = await channel(a, clientId, 3_000);
    const socket = await TestSocket.open(b.wsUrl, first.token);
    const { connectionId } = openFrame(socket);

    // Through the other node (node A routes it to node B's inbox), then on node B itself.
    const second = await channel(a, clientId, 60_000);
    const throughA = await refreshOverHttp(a, { token: second.token, connectionId });
    expect(throughA).toEqual({ status: 200, body: { expiresAt: second.expiresAt }, allowOrigin: 'https://app.example', retryAfter: null });
    expect(await socket.waitForFrame((frame) => frame.type === 'refreshed')).toEqual({
      type: 'refreshed',
      expiresAt: second.expiresAt,
      serverTime: expect.any(Number),
    });
    const third = await channel(b, clientId, 8_000);
    expect(await refreshOverHttp(b, { token: third.token, connectionId })).toMatchObject({ status: 200, body: { expiresAt: third.expiresAt } });
    await waitFor(() => socket.frames.filter((frame) => frame.type === 'refreshed').length === 2, { what: 'the second refreshed frame' });

    // An unknown connection ID is not this client's owner: refused, and the socket is untouched.
    expect(await refreshOverHttp(a, { token: third.token, connectionId: 'someone.else' })).toMatchObject({
      status: 409,
      body: { error: { code: 'not_owner' } },
    });
    await waitFor(() => Date.now() > first.expiresAt + EXPIRY_SLACK_MS, { timeoutMs: 5_000, what: 'the first token to be past its expiry' });
    await api(a, 'POST', `/v1/channels/${clientId}/messages`, { message: 'after the first expiry' });
    expect(await socket.waitForMessages(1)).toEqual(['after the first expiry']);
    // The last refresh wins: the socket now expires with the third token.
    expect(await socket.closeCode(10_000)).toBe(CloseCode.TOKEN_EXPIRED);
    expect(Date.now()).toBeGreaterThanOrEqual(third.expiresAt);
  });

  it('refuses a refresh frame before the socket is open, as any early frame', async () => {
    const { token } = await channel(a, 'refresh-early', 60_000);
    const socket = await TestSocket.connect(b.wsUrl);
    socket.send({ type: 'refresh', token });
    expect(await socket.closeCode()).toBe(CloseCode.PROTOCOL_ERROR);
  });
});
