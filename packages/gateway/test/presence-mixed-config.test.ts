/**
 * Issue 12 item 8: a node without webhooks configured (a rolling deploy that turns them on, a node with a
 * bad config) took another node's pending disconnects off the shared queue and dropped them (its webhook
 * backlog limit is 0). A node that cannot deliver an event must leave it for a node that can.
 */
import { afterEach, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { startTestGateway, type TestGateway } from './support/in-process-gateway.js';
import { TestSocket } from './support/test-socket.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

const SECRET = 'a-webhook-secret-of-some-length';
const presence = { graceMs: 1_000, heartbeatIntervalMs: 200, nodeTimeoutMs: 1_000 };
let nodes: TestGateway[] = [];
let app: WebhookReceiver | undefined;

afterEach(async () => {
  await Promise.all(nodes.map((node) => node.stop()));
  nodes = [];
  await app?.stop();
});

it('leaves a disconnected event for a node with webhooks when it has none itself', async () => {
  app = await WebhookReceiver.start(SECRET);
  const keyPrefix = `t${randomBytes(6).toString('hex')}:`;
  const configured = await startTestGateway(
    'redis',
    { webhooks: { url: app.url, secret: SECRET, maxAgeMs: 60_000, timeoutMs: 2_000, concurrency: 4, maxBacklog: 10_000 }, presence },
    keyPrefix,
  );
  const unconfigured = await startTestGateway('redis', { webhooks: undefined, presence }, keyPrefix);
  nodes = [configured, unconfigured];
  // The unconfigured node's clock runs ahead, so it sees every pending disconnect fall due first.
  unconfigured.clock.advance(5_000);

  const { clientId, token } = await configured.createChannel();
  const socket = await TestSocket.open(configured.wsUrl, token);
  await app.waitFor(() => app!.events(clientId).length === 1, 10_000, 'connected');
  socket.close();
  await app.waitFor(() => app!.events(clientId).length === 2, 10_000, 'disconnected');
  expect(app.events(clientId)).toEqual([`connected ${clientId}`, `disconnected ${clientId}`]);
  const drops = (await (await fetch(`${unconfigured.httpUrl}/metrics`)).text()).match(/^cg_webhook_drops_total\{reason="backlog_full"\} (\d+)/m)?.[1];
  expect(drops ?? '0').toBe('0');
});
