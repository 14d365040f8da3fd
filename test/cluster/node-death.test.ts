/**
 * A gateway process killed with SIGKILL: the surviving node notices within the heartbeat timeout,
 * releases the dead node's clients and sends their disconnected webhooks; presence stops reporting them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayApi, startGatewayProcess, uniqueKeyPrefix, type GatewayHandle } from '../support/index.js';
import { TestSocket } from '../../packages/gateway/test/support/test-socket.js';
import { WebhookReceiver } from '../../packages/gateway/test/support/webhook-receiver.js';

const API_KEY = 'node-death-test-key';
const SECRET = 'node-death-webhook-secret';
const HEARTBEAT_MS = 300;
const NODE_TIMEOUT_MS = 1_500;
const CLIENTS = 5;

const api = (node: GatewayHandle, method: string, path: string, body?: unknown) => gatewayApi(node.httpUrl, API_KEY)(method, path, body);

describe('a gateway node killed with SIGKILL', () => {
  let app: WebhookReceiver;
  let doomed: GatewayHandle;
  let survivor: GatewayHandle;
  beforeAll(async () => {
    app = await WebhookReceiver.start(SECRET);
    const keyPrefix = uniqueKeyPrefix();
    const env = {
      CG_WEBHOOK_URL: app.url,
      CG_WEBHOOK_SECRET: SECRET,
      CG_HEARTBEAT_INTERVAL_MS: String(HEARTBEAT_MS),
      CG_NODE_TIMEOUT_MS: String(NODE_TIMEOUT_MS),
      CG_PRESENCE_GRACE_MS: '300',
    };
    [doomed, survivor] = await Promise.all([
      startGatewayProcess({ apiKey: API_KEY, keyPrefix, nodeId: 'doomed', env }),
      startGatewayProcess({ apiKey: API_KEY, keyPrefix, nodeId: 'survivor', env }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([doomed?.stop(), survivor?.stop()]);
    await app?.stop();
  });

  it('has its clients reported disconnected by the survivor within the heartbeat timeout', async () => {
    const clientIds: string[] = [];
    const sockets: TestSocket[] = [];
    for (let i = 0; i < CLIENTS; i++) {
      const { body } = await api(survivor, 'POST', '/v1/channels', {});
      clientIds.push(body.clientId);
      sockets.push(await TestSocket.open(doomed.wsUrl, body.token));
    }
    await app.waitFor(() => app.events().length === CLIENTS, 10_000, 'connected webhooks');
    // Webhooks are delivered concurrently: their arrival order is not part of the contract.
    expect(new Set(app.events())).toEqual(new Set(clientIds.map((id) => `connected ${id}`)));

    const killedAt = Date.now();
    await doomed.kill('SIGKILL');
    await app.waitFor(() => app.events().length === 2 * CLIENTS, 15_000, 'disconnected webhooks');
    const tookMs = Math.max(...app.received.slice(CLIENTS).map((r) => r.at)) - killedAt;
    // Bound: the timeout, plus one heartbeat for the reaper to run, plus settling and delivery.
    expect(tookMs).toBeLessThan(NODE_TIMEOUT_MS + HEARTBEAT_MS + 1_500);
    expect(new Set(app.events().slice(CLIENTS))).toEqual(new Set(clientIds.map((id) => `disconnected ${id}`)));
    expect(app.received.every((r) => r.signatureValid)).toBe(true);

    const presence = await api(survivor, 'POST', '/v1/presence', { clientIds });
    expect(presence.body.results.map((r: { connected: boolean }) => r.connected)).toEqual(Array(CLIENTS).fill(false));
    const metrics = await (await fetch(survivor.httpUrl + '/metrics')).text();
    expect(metrics).toContain(`cg_reaped_clients_total ${CLIENTS}`);
    // The clients' sockets died with the node: they would reconnect (here: the survivor takes them).
    expect((await Promise.all(sockets.map((s) => s.closeCode()))).every((code) => code === 1006)).toBe(true);
    console.log(`node death: ${CLIENTS} disconnected webhooks ${tookMs} ms after SIGKILL (timeout ${NODE_TIMEOUT_MS} ms, heartbeat ${HEARTBEAT_MS} ms)`);
  });
});
