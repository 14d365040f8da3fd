/**
 * Issue 12 item 8: failed webhooks were only counted, never logged one by one. Each failure is now logged
 * with the event ID and the status (rate-limited), and never with the secret or the signature.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TestSocket } from '../../packages/gateway/test/support/test-socket.js';
import { WebhookReceiver } from '../../packages/gateway/test/support/webhook-receiver.js';
import { waitFor } from '../support/index.js';
import { describeSecurity } from './support.js';

const SECRET = 'webhook-secret-that-must-never-be-logged';
let app: WebhookReceiver;
beforeAll(async () => {
  app = await WebhookReceiver.start(SECRET);
});
afterAll(async () => {
  await app.stop();
});

describeSecurity(
  'failed webhooks',
  (target) => {
    it('logs each failed delivery with its event ID and status, never the secret', async () => {
      const t = target();
      app.failNext = 3;
      const { clientId, token } = await t.createChannel();
      const socket = await TestSocket.open(t.wsUrl, token);
      await app.waitFor(() => app.events(clientId).length === 1, 20_000, 'the connected webhook after three failures');
      socket.close();
      const failures = () => t.nodes.flatMap((node) => node.logEntries()).filter((entry) => entry.msg === 'webhook failed');
      await waitFor(() => failures().length >= 3, { what: 'three "webhook failed" lines' });
      for (const entry of failures()) {
        expect(entry).toMatchObject({ event: 'connected', status: 500 });
        expect(entry.eventId).toMatch(/^\S+$/);
        expect(entry.attempt).toBeGreaterThanOrEqual(1);
      }
      const logs = t.nodes.flatMap((node) => node.logs()).join('\n');
      expect(logs).not.toContain(SECRET);
      expect(logs).not.toMatch(/v[12]=[0-9a-f]{64}/);
      await t.expectStillServing();
    }, 30_000);
  },
  {
    topologies: ['direct'],
    env: () => ({ CG_WEBHOOK_URL: app.url, CG_WEBHOOK_SECRET: SECRET, CG_PRESENCE_GRACE_MS: '200' }),
  },
);
