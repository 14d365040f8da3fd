/**
 * Presence webhooks on real nodes (Redis stores) and a real app endpoint: GAE's format, signatures, the
 * grace window, retries, drain hand-over and the presence query.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { GatewayConfig } from '../src/config.js';
import { waitFor } from '../../../test/support/index.js';
import { startTestGateway, type TestGateway } from './support/in-process-gateway.js';
import { TestSocket } from './support/test-socket.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

const SECRET = 'a-webhook-secret-of-some-length';

describe('presence webhooks', () => {
  let app: WebhookReceiver;
  let nodes: TestGateway[];
  let keyPrefix: string;
  async function startNode(overrides: Partial<GatewayConfig> = {}): Promise<TestGateway> {
    const node = await startTestGateway(
      'redis',
      {
        webhooks: { url: app.url, secret: SECRET, maxAgeMs: 60_000, timeoutMs: 2_000, concurrency: 4, maxBacklog: 10_000 },
        presence: { graceMs: 400, heartbeatIntervalMs: 200, nodeTimeoutMs: 1_000 },
        ...overrides,
      },
      keyPrefix,
    );
    nodes.push(node);
    return node;
  }
  /**
   * A marker client connects and leaves after the events under test. Pending disconnects settle in the
   * order they fall due, so once the marker's disconnected webhook has arrived, any disconnect of ours
   * would have been settled first: the count of disconnected events must be exactly the marker's one.
   */
  async function expectOnlyMarkerDisconnected(node: TestGateway): Promise<void> {
    const marker = await node.createChannel();
    const socket = await TestSocket.open(node.wsUrl, marker.token);
    socket.close();
    await app.waitFor(() => app.events(marker.clientId).length === 2, 10_000, 'the marker to disconnect');
    // Nodes that drained no longer answer; anything they queued would show in the app's events instead.
    const metricsOf = (n: TestGateway) =>
      fetch(n.httpUrl + '/metrics').then(
        (r) => r.text(),
        () => '',
      );
    const counts = await Promise.all(nodes.map(async (n) => (await metricsOf(n)).match(/cg_presence_events_total\{event="disconnected"\} (\d+)/)?.[1] ?? '0'));
    expect(counts.reduce((sum, count) => sum + Number(count), 0)).toBe(1);
  }
  beforeEach(async () => {
    app = await WebhookReceiver.start(SECRET);
    nodes = [];
    keyPrefix = `t${randomBytes(6).toString('hex')}:`;
  });
  afterEach(async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    await app.stop();
  });

  it('posts GAE-style, signed connected and disconnected webhooks', async () => {
    const node = await startNode();
    const { clientId, token } = await node.createChannel({ clientId: 'alice & bob' });
    const socket = await TestSocket.open(node.wsUrl, token);
    await app.waitFor(() => app.events().length === 1);
    socket.close();
    await app.waitFor(() => app.events().length === 2);
    expect(app.events()).toEqual([`connected ${clientId}`, `disconnected ${clientId}`]);
    expect(app.received.map((r) => r.path)).toEqual(['/app/_ah/channel/connected/', '/app/_ah/channel/disconnected/']);
    expect(app.received.every((r) => r.signatureValid && r.contentType === 'application/x-www-form-urlencoded')).toBe(true);
  });

  it('sends no disconnected/connected pair when a client reconnects inside the grace window, or is replaced', async () => {
    const node = await startNode();
    const { clientId, token } = await node.createChannel();
    const first = await TestSocket.open(node.wsUrl, token);
    await app.waitFor(() => app.events().length === 1);
    first.ws.terminate(); // network drop
    await first.closed;
    const second = await TestSocket.open(node.wsUrl, token, first.position());
    const third = await TestSocket.open(node.wsUrl, token); // replaces the second
    await second.closed;
    await expectOnlyMarkerDisconnected(node);
    expect(app.events(clientId)).toEqual([`connected ${clientId}`]);
    third.close();
  });

  it('retries a failing app with backoff until it answers 2xx', async () => {
    const node = await startNode();
    app.failNext = 2;
    const { clientId, token } = await node.createChannel();
    const socket = await TestSocket.open(node.wsUrl, token);
    await app.waitFor(() => app.events().length === 1);
    expect(app.attempts).toBe(3);
    expect(app.events()).toEqual([`connected ${clientId}`]);
    const metrics = await (await fetch(node.httpUrl + '/metrics')).text();
    expect(metrics).toContain('cg_webhook_retries_total 2');
    expect(metrics).toMatch(/cg_webhook_deliveries_total\{event="connected",result="failed"\} 2/);
    socket.close();
  });

  it('keeps sockets and sends flowing while the app hangs, with the backlog visible', async () => {
    app.hang = true;
    const node = await startNode({ webhooks: { url: app.url, secret: SECRET, maxAgeMs: 60_000, timeoutMs: 300, concurrency: 2, maxBacklog: 10_000 } });
    const sockets: TestSocket[] = [];
    const clientIds: string[] = [];
    for (let i = 0; i < 6; i++) {
      const { clientId, token } = await node.createChannel();
      clientIds.push(clientId);
      sockets.push(await TestSocket.open(node.wsUrl, token));
    }
    for (const clientId of clientIds) expect(await node.send(clientId, `hi ${clientId}`)).toBe('routed');
    for (const [index, socket] of sockets.entries()) expect(await socket.waitForMessages(1)).toEqual([`hi ${clientIds[index]}`]);
    const metricsText = () => fetch(node.httpUrl + '/metrics').then((r) => r.text());
    await waitFor(async () => /cg_webhook_deliveries_total\{event="connected",result="failed"\} [1-9]/.test(await metricsText()), {
      what: 'timed-out webhook attempts',
    });
    await waitFor(async () => /^cg_webhook_backlog [1-9]/m.test(await metricsText()), { what: 'the backlog gauge', timeoutMs: 5_000 });
    expect(app.received).toEqual([]);
    for (const socket of sockets) socket.close();
  });

  it('hands clients over on drain without a disconnected webhook', async () => {
    const leaving = await startNode();
    const staying = await startNode();
    const { clientId, token } = await staying.createChannel();
    const socket = await TestSocket.open(leaving.wsUrl, token);
    await app.waitFor(() => app.events().length === 1);
    const drained = leaving.node.drain();
    expect(await socket.closeCode()).toBe(4009); // DRAINING: reconnect now
    const moved = await TestSocket.open(staying.wsUrl, token, socket.position());
    await drained;
    expect((await staying.api('GET', `/v1/channels/${clientId}`)).body).toMatchObject({ connected: true, node: staying.node.config.nodeId });
    await expectOnlyMarkerDisconnected(staying);
    expect(app.events(clientId)).toEqual([`connected ${clientId}`]);
    moved.close();
  });

  it('answers presence for many clients at once', async () => {
    const node = await startNode();
    const online = await node.createChannel();
    const offline = await node.createChannel();
    const socket = await TestSocket.open(node.wsUrl, online.token);
    const response = await node.api('POST', '/v1/presence', { clientIds: [online.clientId, offline.clientId, 'never-created'] });
    expect(response.status).toBe(200);
    expect(response.body.results).toMatchObject([
      { clientId: online.clientId, found: true, connected: true, node: node.node.config.nodeId },
      { clientId: offline.clientId, found: true, connected: false },
      { clientId: 'never-created', found: false, connected: false },
    ]);
    expect((await node.api('POST', '/v1/presence', { clientIds: [] })).status).toBe(400);
    socket.close();
  });
});
