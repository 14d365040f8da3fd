/**
 * Checking presence webhooks in the app. The gateway signs each request with HMAC-SHA256 over
 * `<X-Channel-Timestamp>.<raw body>` and sends `X-Channel-Signature: v1=<hex>`. Verify against the raw body
 * (before any form parsing), and refuse old timestamps so a captured request cannot be replayed later.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface WebhookSignatureInput {
  /** CG_WEBHOOK_SECRET. */
  secret: string;
  /** The `X-Channel-Timestamp` header. */
  timestamp: string | null | undefined;
  /** The `X-Channel-Signature` header. */
  signature: string | null | undefined;
  /** The raw request body, e.g. `from=alice`. */
  body: string;
  /** Oldest accepted timestamp, as an age in ms (default 5 minutes). */
  toleranceMs?: number;
  now?: number;
}

export const DEFAULT_WEBHOOK_TOLERANCE_MS = 5 * 60_000;

export function verifyWebhookSignature(input: WebhookSignatureInput): boolean {
  const { secret, timestamp, signature, body, toleranceMs = DEFAULT_WEBHOOK_TOLERANCE_MS, now = Date.now() } = input;
  if (!timestamp || !signature || !/^\d{1,16}$/.test(timestamp) || !signature.startsWith('v1=')) return false;
  if (Math.abs(now - Number(timestamp)) > toleranceMs) return false;
  const expected = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest();
  const given = Buffer.from(signature.slice(3), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export type PresenceWebhookEvent = 'connected' | 'disconnected';

/** The client ID in a presence webhook body (`from=<clientId>`, form-encoded, as GAE sent it). */
export function presenceWebhookClientId(body: string): string | null {
  return new URLSearchParams(body).get('from');
}
