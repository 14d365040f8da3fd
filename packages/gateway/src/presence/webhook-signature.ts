/**
 * How presence webhooks are signed: HMAC-SHA256 with the shared secret over `<timestamp>.<body>`, sent as
 * `X-Channel-Signature: v1=<hex>` with `X-Channel-Timestamp: <ms since the Unix epoch>`. The Node SDK has
 * the matching check (`verifyWebhookSignature`).
 */
import { createHmac } from 'node:crypto';

export function signWebhook(secret: string, timestamp: number, body: string): string {
  return 'v1=' + createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}
