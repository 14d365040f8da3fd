/**
 * The presence webhook's wire format, in one place for the gateway that sends it and the SDK that checks
 * it: the request (path, headers, form body, as GAE sent it) and its signatures, HMAC-SHA256 with the
 * shared secret:
 *
 * - v2, `X-Channel-Signature-V2: v2=<hex>` over `v2.<X-Channel-Timestamp>.<event>.<X-Channel-Event-Id>.<raw
 *   body>`: binds the event (connected/disconnected, which the path alone says) and the event's ID, so a
 *   captured delivery cannot be replayed to the other path, nor passed off as another event. The only one
 *   this version verifies.
 * - v1, `X-Channel-Signature: v1=<hex>` over `<timestamp>.<raw body>`: still sent, unchanged, for verifiers
 *   of the earlier format (they match that header whole, so v2 cannot share it); it covers neither event
 *   nor ID.
 *
 * This package runs in browsers too, which have no synchronous HMAC: the caller passes one in (node:crypto's
 * `createHmac`, in the gateway and the Node SDK); everything around it is here.
 */

/** HMAC-SHA256 of `message` under `secret`, both as UTF-8. */
export type HmacSha256 = (secret: string, message: string) => Uint8Array;

export type PresenceWebhookEvent = 'connected' | 'disconnected';

/** The headers of a presence webhook request (HTTP header names are case-insensitive). */
export const WebhookHeader = {
  /** `connected` or `disconnected`. */
  EVENT: 'X-Channel-Event',
  /** Unique per event, the same on every retry of it: deduplicate on it. */
  EVENT_ID: 'X-Channel-Event-Id',
  /** When the event happened (ms since the Unix epoch); retries can reorder deliveries. */
  EVENT_TIME: 'X-Channel-Event-Time',
  /** When this attempt was signed (ms since the Unix epoch). */
  TIMESTAMP: 'X-Channel-Timestamp',
  /** `v1=<hex HMAC-SHA256 of "<timestamp>.<raw body>">`, for verifiers of the earlier format. */
  SIGNATURE: 'X-Channel-Signature',
  /** `v2=<hex HMAC-SHA256 of "v2.<timestamp>.<event>.<event id>.<raw body>">`. */
  SIGNATURE_V2: 'X-Channel-Signature-V2',
} as const;

/** The path under the app's URL, as GAE used it (trailing slash included). */
export function presenceWebhookPath(event: PresenceWebhookEvent): string {
  return `/_ah/channel/${event}/`;
}

/** The form field that carries the client ID. */
export const PRESENCE_CLIENT_FIELD = 'from';

export interface PresenceWebhookBody {
  readonly contentType: string;
  /** Sent as its UTF-8 bytes, which are also what is signed. */
  readonly text: string;
}

/** `from=<clientId>`, form-urlencoded (GAE's dev server). */
export function urlencodedPresenceBody(clientId: string): PresenceWebhookBody {
  return { contentType: 'application/x-www-form-urlencoded', text: new URLSearchParams({ [PRESENCE_CLIENT_FIELD]: clientId }).toString() };
}

/**
 * The same field as multipart/form-data (RFC 7578; GAE production, the only format its Java `parsePresence`
 * read). The boundary must not occur in the client ID (the caller picks a random one, and checks).
 */
export function multipartPresenceBody(clientId: string, boundary: string): PresenceWebhookBody {
  if (!boundary || clientId.includes(boundary)) throw new Error('the multipart boundary must be non-empty and not occur in the client ID');
  const text =
    `--${boundary}\r\n` +
    `Content-Disposition: form-data; name="${PRESENCE_CLIENT_FIELD}"\r\n` +
    'Content-Type: text/plain; charset=UTF-8\r\n' +
    '\r\n' +
    `${clientId}\r\n` +
    `--${boundary}--\r\n`;
  return { contentType: `multipart/form-data; boundary=${boundary}`, text };
}

/** The client ID in a form-urlencoded presence webhook body (`from=<clientId>`), or null. */
export function presenceWebhookClientId(body: string): string | null {
  return new URLSearchParams(body).get(PRESENCE_CLIENT_FIELD);
}

const V1 = 'v1=';
const V2 = 'v2=';

/** What an event ID may be: it is a field of the v2 signed text, so it must not contain its separator. */
export const WEBHOOK_EVENT_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

/** The v1 `X-Channel-Signature` value for a request signed at `timestamp` (ms) with this body. */
export function signWebhook(hmac: HmacSha256, secret: string, timestamp: number, body: string): string {
  return V1 + toHex(hmac(secret, `${timestamp}.${body}`));
}

export interface WebhookDelivery {
  /** When this attempt is signed (ms), the `X-Channel-Timestamp`. */
  timestamp: number;
  event: PresenceWebhookEvent;
  /** The `X-Channel-Event-Id`, matching WEBHOOK_EVENT_ID_PATTERN. */
  eventId: string;
  body: string;
}

/**
 * What v2 signs. Unambiguous: the timestamp is digits, the event one of two words and the event ID has
 * no dot, so the first four dots end the fields and the body is the rest; the `v2.` in front keeps it
 * apart from any v1 text (which starts with a digit).
 */
export function webhookV2SignedText(delivery: Omit<WebhookDelivery, 'timestamp'> & { timestamp: number | string }): string {
  return `v2.${delivery.timestamp}.${delivery.event}.${delivery.eventId}.${delivery.body}`;
}

/** The `X-Channel-Signature-V2` value: `v2=<hex>`. */
export function signWebhookV2(hmac: HmacSha256, secret: string, delivery: WebhookDelivery): string {
  if (!WEBHOOK_EVENT_ID_PATTERN.test(delivery.eventId))
    throw new Error(`the event ID must match ${WEBHOOK_EVENT_ID_PATTERN}: ${JSON.stringify(delivery.eventId)}`);
  return V2 + toHex(hmac(secret, webhookV2SignedText(delivery)));
}

export interface WebhookSignatureInput {
  /** CG_WEBHOOK_SECRET. */
  secret: string;
  /** The event the request claims by where it arrived: the path, or the handler that serves it. */
  event: PresenceWebhookEvent;
  /** The `X-Channel-Event-Id` header. */
  eventId: string | null | undefined;
  /** The `X-Channel-Timestamp` header. */
  timestamp: string | null | undefined;
  /** The `X-Channel-Signature-V2` header (`v2=<hex>`); a v1 signature is refused. */
  signature: string | null | undefined;
  /** The raw request body, e.g. `from=alice`. */
  body: string;
  /** Oldest accepted timestamp, as an age in ms (default 5 minutes). */
  toleranceMs?: number;
  now?: number;
}

export const DEFAULT_WEBHOOK_TOLERANCE_MS = 5 * 60_000;

/** The event a presence webhook path names (`/_ah/channel/connected/`, slash optional, query ignored), or null. */
export function presenceWebhookEventOf(path: string): PresenceWebhookEvent | null {
  const bare = path.split('?', 1)[0]!.replace(/\/$/, '');
  if (bare.endsWith('/_ah/channel/connected')) return 'connected';
  if (bare.endsWith('/_ah/channel/disconnected')) return 'disconnected';
  return null;
}

/**
 * True when `signature` is the v2 signature of this event, event ID and body at `timestamp`, and the
 * timestamp is within the tolerance of now (so a captured request cannot be replayed later). Any header
 * value gives true or false, never a throw; the comparison takes the same time wherever the first
 * difference is.
 */
export function verifyWebhook(hmac: HmacSha256, input: WebhookSignatureInput): boolean {
  const { secret, event, eventId, timestamp, signature, body, toleranceMs = DEFAULT_WEBHOOK_TOLERANCE_MS, now = Date.now() } = input;
  if (!timestamp || !signature || !eventId || !/^\d{1,16}$/.test(timestamp) || !signature.startsWith(V2)) return false;
  if ((event !== 'connected' && event !== 'disconnected') || !WEBHOOK_EVENT_ID_PATTERN.test(eventId)) return false;
  if (Math.abs(now - Number(timestamp)) > toleranceMs) return false;
  const expected = hmac(secret, webhookV2SignedText({ timestamp, event, eventId, body }));
  const hex = signature.slice(V2.length);
  if (hex.length !== expected.length * 2 || !/^[0-9a-fA-F]*$/.test(hex)) return false;
  let difference = 0;
  for (let i = 0; i < expected.length; i++) difference |= parseInt(hex.slice(2 * i, 2 * i + 2), 16) ^ expected[i]!;
  return difference === 0;
}
