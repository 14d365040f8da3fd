/**
 * Concurrent duplicates through two nodes (issue 16): the same idempotency key sent at the same time
 * through two gateway processes on one Redis delivers once, and both answers carry the one status.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayApi, startGatewayProcess, uniqueKeyPrefix, uniqueId, type GatewayHandle } from '../support/index.js';
import { TestSocket } from '../../packages/gateway/test/support/test-socket.js';

const API_KEY = 'cluster-idempotency-key';

async function sendSingle(node: GatewayHandle, clientId: string, message: string, key: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${node.httpUrl}/v1/channels/${encodeURIComponent(clientId)}/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify({ message }),
  });
  return { status: response.status, body: await response.json() };
}

describe('idempotent sends through two gateway nodes', () => {
  let a: GatewayHandle;
  let b: GatewayHandle;
  beforeAll(async () => {
    const keyPrefix = uniqueKeyPrefix();
    [a, b] = await Promise.all([
      startGatewayProcess({ apiKey: API_KEY, keyPrefix, nodeId: 'idem-a' }),
      startGatewayProcess({ apiKey: API_KEY, keyPrefix, nodeId: 'idem-b' }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('delivers each key once when its duplicates race through both nodes, single and batch alike', async () => {
    const created = await gatewayApi(a.httpUrl, API_KEY)('POST', '/v1/channels', { clientId: uniqueId('idem') });
    const { clientId, token } = created.body as { clientId: string; token: string };
    const socket = await TestSocket.open(b.wsUrl, token);
    const keys = Array.from({ length: 40 }, (_, i) => uniqueId(`k${i}`));
    const answers = await Promise.all(
      keys.flatMap((key, i) => {
        const message = `m${i}`;
        const batchItem = { messages: [{ clientId, message, idempotencyKey: key }] };
        return [
          sendSingle(a, clientId, message, key).then((answer) => (answer.body as { status: string }).status),
          sendSingle(b, clientId, message, key).then((answer) => (answer.body as { status: string }).status),
          gatewayApi(a.httpUrl, API_KEY)('POST', '/v1/messages', batchItem).then(
            (answer) => (answer.body as { results: Array<{ status: string }> }).results[0]!.status,
          ),
          gatewayApi(b.httpUrl, API_KEY)('POST', '/v1/messages', batchItem).then(
            (answer) => (answer.body as { results: Array<{ status: string }> }).results[0]!.status,
          ),
        ];
      }),
    );
    expect(answers).toEqual(Array(keys.length * 4).fill('routed'));
    // An unkeyed marker after all of them: anything delivered twice would arrive before it.
    expect((await gatewayApi(a.httpUrl, API_KEY)('POST', `/v1/channels/${clientId}/messages`, { message: 'end' })).status).toBe(202);
    const received = await socket.waitForMessages(keys.length + 1);
    expect(received.at(-1)).toBe('end');
    expect([...received.slice(0, -1)].sort()).toEqual(keys.map((_, i) => `m${i}`).sort());
    socket.close();
  });
});
