/**
 * A rolling restart of all three nodes behind a real load balancer (HAProxy), while messages flow:
 * every client stays connected as far as the app can tell, receives every acknowledged message exactly
 * once and in order, and the app gets no false disconnected webhook.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Channel, type Socket } from '@channel-gateway/client';
import {
  gatewayApi,
  getFreePort,
  startGatewayProcess,
  startHaproxy,
  uniqueKeyPrefix,
  waitFor,
  type GatewayHandle,
  type LoadBalancer,
} from '../support/index.js';
import { WebhookReceiver } from '../../packages/gateway/test/support/webhook-receiver.js';

const API_KEY = 'rolling-restart-key';
const SECRET = 'rolling-webhook-secret';
const CLIENTS = 20;

interface Client {
  clientId: string;
  socket: Socket;
  received: number[];
  appEvents: string[];
}

describe('rolling restart of three nodes behind HAProxy', () => {
  let app: WebhookReceiver;
  let lb: LoadBalancer;
  const nodes: GatewayHandle[] = [];
  const ports: number[] = [];
  const keyPrefix = uniqueKeyPrefix();
  const startNode = (index: number) =>
    startGatewayProcess({
      apiKey: API_KEY,
      keyPrefix,
      nodeId: `node-${index}`,
      env: {
        CG_PORT: String(ports[index]),
        CG_WEBHOOK_URL: app.url,
        CG_WEBHOOK_SECRET: SECRET,
        // One request at a time: webhooks arrive in the order they were queued (see the marker below).
        CG_WEBHOOK_CONCURRENCY: '1',
        CG_PRESENCE_GRACE_MS: '3000',
        CG_HEARTBEAT_INTERVAL_MS: '500',
        CG_NODE_TIMEOUT_MS: '3000',
        CG_TRUST_PROXY: 'true',
      },
    });

  beforeAll(async () => {
    app = await WebhookReceiver.start(SECRET);
    for (let i = 0; i < 3; i++) ports.push(await getFreePort());
    for (let i = 0; i < 3; i++) nodes.push(await startNode(i));
    lb = await startHaproxy(ports.map((port, i) => ({ name: `node-${i}`, port })));
    await waitFor(async () => (await lb.serversUp()).length === 3, { what: 'all three nodes up in HAProxy' });
  });
  afterAll(async () => {
    await lb?.stop();
    await Promise.all(nodes.map((node) => node.stop()));
    await app?.stop();
  });

  const api = gatewayApi(() => lb.httpUrl, API_KEY);

  /**
   * HAProxy answers 503 "No server is available" (HTML) while its health checks see every node as busy, which
   * happens on a loaded machine right after a restart; a backend retries that, and so does this test (bounded).
   */
  async function createChannel(): Promise<{ clientId: string; token: string }> {
    const created = await waitFor(
      async () => {
        const { status, body } = await api('POST', '/v1/channels', {});
        return status === 201 && (body as { clientId: string; token: string });
      },
      { timeoutMs: 10_000, what: 'a channel created through HAProxy' },
    );
    return created;
  }

  function connect(clientId: string, token: string): Client {
    const client: Client = { clientId, received: [], appEvents: [], socket: undefined as unknown as Socket };
    client.socket = new Channel(token, { url: lb.wsUrl, WebSocket: WebSocket, backoff: { baseMs: 100, capMs: 1_000 } }).open({
      onopen: () => client.appEvents.push('open'),
      onmessage: (message) => client.received.push(Number(message.data)),
      onerror: (error) => client.appEvents.push(`error ${error.code} ${error.description}`),
      onclose: () => client.appEvents.push('close'),
    });
    client.socket.ongap = (gap) => client.appEvents.push(`gap ${gap.reason}`);
    return client;
  }

  it('loses no client and no message, and sends no false disconnect', async () => {
    const clients: Client[] = [];
    for (let i = 0; i < CLIENTS; i++) {
      const created = await createChannel();
      clients.push(connect(created.clientId, created.token));
    }
    await app.waitFor(() => app.events().length === CLIENTS, 15_000, 'every client connected');

    // Messages flow for the whole restart: every send to a client carries the next number. Acknowledged
    // sends must arrive; a send that failed at the HTTP level (node going away) may or may not arrive.
    const acknowledged = clients.map(() => [] as number[]);
    const unacknowledged = clients.map(() => new Set<number>());
    let sending = true;
    const sender = (async () => {
      for (let n = 0; sending && n < 100_000; n++) {
        const index = n % CLIENTS;
        const value = Math.floor(n / CLIENTS);
        try {
          const { body } = await api('POST', `/v1/channels/${encodeURIComponent(clients[index]!.clientId)}/messages`, { message: String(value) });
          if (body.status === 'routed' || body.status === 'queued') acknowledged[index]!.push(value);
          else unacknowledged[index]!.add(value);
        } catch {
          unacknowledged[index]!.add(value);
        }
      }
    })();

    for (let i = 0; i < 3; i++) {
      expect(await nodes[i]!.kill('SIGTERM')).toBe(0); // drains and exits cleanly
      nodes[i] = await startNode(i);
      await waitFor(async () => (await lb.serversUp()).length === 3, { timeoutMs: 10_000, what: `node-${i} back up in HAProxy` });
    }
    sending = false;
    await sender;

    for (const [index, client] of clients.entries()) {
      const expected = acknowledged[index]!;
      const last = expected.at(-1);
      await waitFor(() => last === undefined || client.received.includes(last), { timeoutMs: 15_000, what: `client ${index} to receive message ${last}` });
    }
    // A marker client leaves last; with one webhook in flight at a time, its disconnected webhook arriving
    // means every disconnect queued before it has been delivered too.
    const marker = { body: await createChannel() };
    const markerClient = connect(marker.body.clientId, marker.body.token);
    await app.waitFor(() => app.events(marker.body.clientId).length === 1, 10_000, 'the marker to connect');
    markerClient.socket.close();
    await app.waitFor(() => app.events(marker.body.clientId).length === 2, 15_000, 'the marker to disconnect');

    const totalAcked = acknowledged.reduce((sum, list) => sum + list.length, 0);
    const totalFailed = unacknowledged.reduce((sum, set) => sum + set.size, 0);
    console.log(`rolling restart: ${totalAcked} messages acknowledged, ${totalFailed} sends not acknowledged during restarts, ${CLIENTS} clients`);
    for (const [index, client] of clients.entries()) {
      // Exactly once, in order, nothing acknowledged missing; anything extra must be an unacknowledged send.
      expect(client.received).toEqual([...client.received].sort((a, b) => a - b));
      expect(new Set(client.received).size).toBe(client.received.length);
      expect(client.received.filter((value) => !unacknowledged[index]!.has(value))).toEqual(acknowledged[index]);
      expect(client.appEvents).toEqual(['open']);
    }
    const disconnected = app.events().filter((event) => event.startsWith('disconnected'));
    expect(disconnected).toEqual([`disconnected ${marker.body.clientId}`]);
    for (const client of clients) client.socket.close();
  });
});
