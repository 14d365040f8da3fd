/**
 * Checking presence webhooks in the app. The wire format (headers, body, signature) is
 * @channel-gateway/protocol's (webhooks.ts); this binds it to node:crypto. Verify against the raw body
 * (before any form parsing); old timestamps are refused so a captured request cannot be replayed later.
 */
import { createHmac } from 'node:crypto';
import { verifyWebhook, type HmacSha256, type WebhookSignatureInput } from '@channel-gateway/protocol';

export { DEFAULT_WEBHOOK_TOLERANCE_MS, presenceWebhookClientId } from '@channel-gateway/protocol';
export type { PresenceWebhookEvent, WebhookSignatureInput } from '@channel-gateway/protocol';

const hmacSha256: HmacSha256 = (secret, message) => createHmac('sha256', secret).update(message).digest();

/** True when the headers carry this body's genuine signature, signed within `toleranceMs` (5 minutes) of now. */
export function verifyWebhookSignature(input: WebhookSignatureInput): boolean {
  return verifyWebhook(hmacSha256, input);
}
