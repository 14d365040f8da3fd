/**
 * The Node SDK (packages/sdk) on presence webhooks that a real two-node cluster signed and delivered to
 * the harness (test/sdks/support/cluster.ts): a genuine delivery verifies for its own event, and the same
 * headers and body are refused for the other event (a replay to the other path), with another event ID,
 * and with only the v1 signature. The other SDKs' suites check the same four things in their languages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Channel, type Socket } from '@channel-gateway/client';
import { presenceWebhookEventOf, verifyWebhookSignature, type WebhookSignatureInput } from '@channel-gateway/sdk';
import { gatewayApi, uniqueId, waitFor } from '../support/index.js';
import { startSdkCluster, type SdkCluster } from './support/cluster.js';
import type { RecordedWebhook } from './support/harness-server.js';

let cluster: SdkCluster;
let socket: Socket | undefined;
let delivered: RecordedWebhook[] = [];
let clientId: string;

/** What an app hands the SDK for a request that came to `path`. */
function input(webhook: RecordedWebhook, path = webhook.path): WebhookSignatureInput {
  const event = presenceWebhookEventOf(path);
  if (!event) throw new Error(`not a presence path: ${path}`);
  return {
    secret: cluster.webhookSecret,
    event,
    eventId: webhook.headers['x-channel-event-id'],
    timestamp: webhook.headers['x-channel-timestamp'],
    signature: webhook.headers['x-channel-signature-v2'],
    body: Buffer.from(webhook.bodyBase64, 'base64').toString('utf8'),
  };
}

beforeAll(async () => {
  cluster = await startSdkCluster();
  clientId = uniqueId('node-sdk');
  const created = await gatewayApi(cluster.nodes[0]!.httpUrl, cluster.apiKey)('POST', '/v1/channels', { clientId });
  expect(created.status).toBe(201);
  socket = new Channel(created.body.token, { url: cluster.nodes[1]!.wsUrl, WebSocket }).open({});
  await waitFor(() => cluster.harness.webhooks().some((w) => w.from === clientId && w.path === '/_ah/channel/connected/'), {
    timeoutMs: 15_000,
    what: 'the connected webhook',
  });
  socket.close();
  await waitFor(() => cluster.harness.webhooks().some((w) => w.from === clientId && w.path === '/_ah/channel/disconnected/'), {
    timeoutMs: 15_000,
    what: 'the disconnected webhook',
  });
  delivered = cluster.harness.webhooks().filter((w) => w.from === clientId);
}, 60_000);

afterAll(async () => {
  socket?.close();
  await cluster?.stop();
});

describe('the Node SDK on webhooks the gateway really sent', () => {
  it('verifies each genuine delivery for the event of its path', () => {
    expect(delivered.map((w) => w.path)).toEqual(['/_ah/channel/connected/', '/_ah/channel/disconnected/']);
    for (const webhook of delivered) expect(verifyWebhookSignature(input(webhook)), webhook.path).toBe(true);
  });

  it('refuses a delivery replayed to the other event\'s path', () => {
    const [connected, disconnected] = delivered;
    expect(verifyWebhookSignature(input(connected!, '/_ah/channel/disconnected/'))).toBe(false);
    expect(verifyWebhookSignature(input(disconnected!, '/_ah/channel/connected/'))).toBe(false);
  });

  it('refuses a tampered event ID', () => {
    for (const webhook of delivered) {
      const eventId = webhook.headers['x-channel-event-id']!;
      expect(eventId).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
      expect(verifyWebhookSignature({ ...input(webhook), eventId: `${eventId}0` })).toBe(false);
    }
  });

  it('refuses a delivery with only the v1 signature', () => {
    for (const webhook of delivered) {
      expect(webhook.headers['x-channel-signature']).toMatch(/^v1=[0-9a-f]{64}$/);
      expect(verifyWebhookSignature({ ...input(webhook), signature: webhook.headers['x-channel-signature'] })).toBe(false);
      expect(verifyWebhookSignature({ ...input(webhook), signature: undefined })).toBe(false);
    }
  });
});
