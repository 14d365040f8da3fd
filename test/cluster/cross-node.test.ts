/**
 * Two real gateway processes on one Redis: a channel created on one node, a socket on the other, sends
 * from either reach it; the newest socket wins across nodes; deletes reach the owning node.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode } from '@channel-gateway/protocol';
import { gatewayApi, startGatewayProcess, uniqueKeyPrefix, waitFor, type GatewayHandle } from '../support/index.js';
import { TestSocket } from '../../packages/gateway/test/support/test-socket.js';
import { TEST_TRANSPORTS } from '../../packages/gateway/test/support/transports.js';

const API_KEY = 'cluster-test-key';

const api = (node: GatewayHandle, method: string, path: string, body?: unknown) => gatewayApi(node.httpUrl, API_KEY)(method, path, body);

// Each transport takes the sockets once (node B) and the sends once (node A): a mixed cluster, which is
// also what a rolling upgrade from one transport to the other runs.
const PAIRS = TEST_TRANSPORTS.map((b, i) => [TEST_TRANSPORTS[(i + 1) % TEST_TRANSPORTS.length]!, b] as const);

describe.each(PAIRS)('two gateway nodes on one Redis (A on %s, B on %s)', (transportA, transportB) => {
  let a: GatewayHandle;
  let b: GatewayHandle;
  beforeAll(async () => {
    const keyPrefix = uniqueKeyPrefix();
    [a, b] = await Promise.all([
      startGatewayProcess({ apiKey: API_KEY, keyPrefix, nodeId: 'node-a', transport: transportA }),
      startGatewayProcess({ apiKey: API_KEY, keyPrefix, nodeId: 'node-b', transport: transportB }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('routes a send on node A to a socket held by node B', async () => {
    const created = await api(a, 'POST', '/v1/channels', { clientId: 'cross-1' });
    expect(created.status).toBe(201);
    const socket = await TestSocket.open(b.wsUrl, created.body.token);
    const sent = await api(a, 'POST', '/v1/channels/cross-1/messages', { message: 'from A ✓' });
    expect(sent).toEqual({ status: 202, body: { status: 'routed' } });
    expect(await socket.waitForMessages(1)).toEqual(['from A ✓']);
    const info = await api(a, 'GET', '/v1/channels/cross-1');
    expect(info.body).toMatchObject({ connected: true, node: 'node-b' });
    socket.close();
  });

  it('keeps one sender’s order across nodes', async () => {
    const { body } = await api(a, 'POST', '/v1/channels', {});
    const socket = await TestSocket.open(b.wsUrl, body.token);
    const expected = Array.from({ length: 200 }, (_, i) => `m${i}`);
    for (const message of expected) await api(a, 'POST', `/v1/channels/${body.clientId}/messages`, { message });
    expect(await socket.waitForMessages(expected.length)).toEqual(expected);
    socket.close();
  });

  it('lets the newest socket win across nodes: the older one is closed with REPLACED', async () => {
    const { body } = await api(a, 'POST', '/v1/channels', { clientId: 'cross-2' });
    const onA = await TestSocket.open(a.wsUrl, body.token);
    const onB = await TestSocket.open(b.wsUrl, body.token);
    expect(await onA.closeCode()).toBe(CloseCode.REPLACED);
    await api(a, 'POST', '/v1/channels/cross-2/messages', { message: 'to the newest' });
    expect(await onB.waitForMessages(1)).toEqual(['to the newest']);
    expect(onA.messages()).toEqual([]);
    onB.close();
  });

  it('closes the socket on node B when node A deletes the channel', async () => {
    const { body } = await api(a, 'POST', '/v1/channels', { clientId: 'cross-3' });
    const socket = await TestSocket.open(b.wsUrl, body.token);
    expect((await api(a, 'DELETE', '/v1/channels/cross-3')).status).toBe(204);
    expect(await socket.closeCode()).toBe(CloseCode.INVALID_TOKEN);
  });

  it('queues for a client whose socket is gone and delivers when it reconnects to the other node', async () => {
    const { body } = await api(b, 'POST', '/v1/channels', {});
    const first = await TestSocket.open(a.wsUrl, body.token);
    first.close();
    await first.closed;
    // The client seeing its close does not mean node A has released the client in Redis yet.
    await waitFor(async () => (await api(b, 'GET', `/v1/channels/${body.clientId}`)).body.connected === false, { what: 'the socket to be released' });
    const sent = await api(b, 'POST', `/v1/channels/${body.clientId}/messages`, { message: 'while away' });
    expect(sent.body).toEqual({ status: 'queued' });
    const second = await TestSocket.open(b.wsUrl, body.token);
    expect(await second.waitForMessages(1)).toEqual(['while away']);
    second.close();
  });
});
