/**
 * Checking presence webhooks in the app. The wire format (headers, body, signature) is
 * @channel-gateway/protocol's (webhooks.ts); this binds it to node:crypto. Verify against the raw body
 * (before any form parsing), with the event the request came for (its path, or the handler that serves
 * it): the v2 signature binds event, event ID and body, so a delivery replayed to the other path is
 * refused. Old timestamps are refused so a captured request cannot be replayed later; inside the window,
 * deduplicate on the event ID.
 */
import { createHmac } from 'node:crypto';
import { verifyWebhook, type HmacSha256, type WebhookSignatureInput } from '@channel-gateway/protocol';

export { DEFAULT_WEBHOOK_TOLERANCE_MS, presenceWebhookClientId, presenceWebhookEventOf, WebhookHeader } from '@channel-gateway/protocol';
export type { PresenceWebhookEvent, WebhookSignatureInput } from '@channel-gateway/protocol';

const hmacSha256: HmacSha256 = (secret, message) => createHmac('sha256', secret).update(message).digest();

/**
 * True when `signature` (the `X-Channel-Signature-V2` header) is the gateway's signature of this event,
 * event ID (`X-Channel-Event-Id`) and body, signed within `toleranceMs` (5 minutes) of now. A v1-only
 * signature (`X-Channel-Signature`) is refused.
 */
export function verifyWebhookSignature(input: WebhookSignatureInput): boolean {
  return verifyWebhook(hmacSha256, input);
}
