/**
 * Presence for HTTP streams (Redis stores, a real app endpoint): a stream whose request is aborted is the
 * client going away (disconnected after the grace window); a client that comes back within the window,
 * on a stream or a WebSocket, or switches between them, produces no disconnected/connected pair.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestStream } from '../../../test/support/sse-client.js';
import { startTestGateway, type TestGateway } from './support/in-process-gateway.js';
import { TestSocket } from './support/test-socket.js';
import { TEST_TRANSPORTS } from './support/transports.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

const SECRET = 'a-webhook-secret-of-some-length';
const GRACE_MS = 400;

describe.each(TEST_TRANSPORTS)('HTTP stream presence (%s transport)', (transport) => {
  let app: WebhookReceiver;
  let node: TestGateway;
  beforeEach(async () => {
    app = await WebhookReceiver.start(SECRET);
    node = await startTestGateway(
      'redis',
      {
        transport,
        webhooks: { url: app.url, secret: SECRET, maxAgeMs: 60_000, timeoutMs: 2_000, concurrency: 4, maxBacklog: 10_000 },
        presence: { graceMs: GRACE_MS, heartbeatIntervalMs: 200, nodeTimeoutMs: 1_000 },
      },
      `t${randomBytes(6).toString('hex')}:`,
    );
  });
  afterEach(async () => {
    await node.stop();
    await app.stop();
  });

  it('reports a client whose stream request was aborted as disconnected, after the grace window', async () => {
    const { clientId, token } = await node.createChannel();
    const stream = await TestStream.open(node.httpUrl, token);
    await app.waitFor(() => app.events(clientId).length === 1);
    const left = Date.now();
    stream.close();
    await app.waitFor(() => app.events(clientId).length === 2);
    expect(app.events(clientId)).toEqual([`connected ${clientId}`, `disconnected ${clientId}`]);
    expect(app.received.at(-1)!.at - left).toBeGreaterThanOrEqual(GRACE_MS - 50);
    expect((await node.api('GET', `/v1/channels/${clientId}`)).body).toMatchObject({ connected: false });
  });

  it('sends no disconnected/connected pair when a client comes back within the window or switches transport', async () => {
    const { clientId, token } = await node.createChannel();
    const first = await TestStream.open(node.httpUrl, token);
    await app.waitFor(() => app.events(clientId).length === 1);
    first.close(); // network drop
    await first.closed;
    const second = await TestStream.open(node.httpUrl, token, first.position());
    const socket = await TestSocket.open(node.wsUrl, token, second.position()); // replaces the stream
    await second.closed;
    socket.ws.terminate();
    await socket.closed;
    const third = await TestStream.open(node.httpUrl, token, socket.position());
    // A marker client leaves after all of that: its disconnect settles after any of ours would have.
    const marker = await node.createChannel();
    const markerStream = await TestStream.open(node.httpUrl, marker.token);
    markerStream.close();
    await app.waitFor(() => app.events(marker.clientId).length === 2, 10_000, 'the marker to disconnect');
    expect(app.events(clientId)).toEqual([`connected ${clientId}`]);
    third.close();
  });
});
