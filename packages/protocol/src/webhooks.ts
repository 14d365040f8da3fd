/**
 * The presence webhook's wire format, in one place for the gateway that sends it and the SDK that checks
 * it: the request (path, headers, form body, as GAE sent it) and its signature, HMAC-SHA256 with the shared
 * secret over `<X-Channel-Timestamp>.<raw body>`, sent as `X-Channel-Signature: v1=<hex>`.
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
  /** `v1=<hex HMAC-SHA256 of "<timestamp>.<raw body>">`. */
  SIGNATURE: 'X-Channel-Signature',
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

const SCHEME = 'v1=';

/** The `X-Channel-Signature` value for a request signed at `timestamp` (ms) with this body. */
export function signWebhook(hmac: HmacSha256, secret: string, timestamp: number, body: string): string {
  let hex = '';
  for (const byte of hmac(secret, `${timestamp}.${body}`)) hex += byte.toString(16).padStart(2, '0');
  return SCHEME + hex;
}

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

/**
 * True when `signature` is this body's signature at `timestamp` and the timestamp is within the tolerance
 * of now (so a captured request cannot be replayed later). Any header value gives true or false, never a
 * throw; the comparison takes the same time wherever the first difference is.
 */
export function verifyWebhook(hmac: HmacSha256, input: WebhookSignatureInput): boolean {
  const { secret, timestamp, signature, body, toleranceMs = DEFAULT_WEBHOOK_TOLERANCE_MS, now = Date.now() } = input;
  if (!timestamp || !signature || !/^\d{1,16}$/.test(timestamp) || !signature.startsWith(SCHEME)) return false;
  if (Math.abs(now - Number(timestamp)) > toleranceMs) return false;
  const expected = hmac(secret, `${timestamp}.${body}`);
  const hex = signature.slice(SCHEME.length);
  if (hex.length !== expected.length * 2 || !/^[0-9a-fA-F]*$/.test(hex)) return false;
  let difference = 0;
  for (let i = 0; i < expected.length; i++) difference |= parseInt(hex.slice(2 * i, 2 * i + 2), 16) ^ expected[i]!;
  return difference === 0;
}
