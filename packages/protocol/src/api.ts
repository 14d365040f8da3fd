/** Shapes of the backend HTTP API, shared by the gateway and the Node SDK. */

export type SendStatus = 'routed' | 'queued' | 'no_channel';

export interface CreateChannelRequest {
  clientId?: string;
  durationMinutes?: number;
}
export interface CreateChannelResponse {
  clientId: string;
  token: string;
  /** ISO 8601 time at which the token stops being valid. */
  expiresAt: string;
}
export interface SendMessageRequest {
  message: string;
}
export interface SendMessageResponse {
  status: SendStatus;
}
/**
 * One item of a batch: to a client ID, or to the token `POST /v1/channels` returned (GAE's send_message
 * accepted either). Exactly one of `clientId` and `token` is given.
 */
export type BatchSendItem = ({ clientId: string; token?: never } | { token: string; clientId?: never }) & {
  message: string;
  /** Makes a retry safe: a repeat of the key (through any node, within the window) delivers nothing new. */
  idempotencyKey?: string;
};
export interface BatchSendRequest {
  messages: BatchSendItem[];
}
export interface BatchSendResult {
  /**
   * The recipient: the item's client ID as sent, or the one its token resolved to. Absent for a token
   * that opens no live channel (unknown, expired or revoked) and for an invalid token item without one.
   */
  clientId?: string;
  status: SendStatus | 'invalid';
  /** Present when `status` is `invalid`: what was wrong with this item. */
  error?: ApiError;
}
export interface BatchSendResponse {
  results: BatchSendResult[];
}
export interface ChannelInfo {
  clientId: string;
  connected: boolean;
  /** ISO 8601 time at which the last live token expires. */
  expiresAt: string;
  /** Node that holds the socket, when connected. */
  node?: string;
  /** ISO 8601 time at which the current socket opened, when connected. */
  connectedAt?: string;
}

export interface PresenceQueryRequest {
  clientIds: string[];
}
/** One client of a presence query: `found` false (and only clientId, found, connected) when it has no live channel. */
export interface PresenceResult {
  clientId: string;
  found: boolean;
  connected: boolean;
  expiresAt?: string;
  node?: string;
  connectedAt?: string;
}
export interface PresenceQueryResponse {
  results: PresenceResult[];
}

/**
 * `POST /v1/refresh` (no API key: the page sends it, the token is the credential): a newer token for the
 * client that the connection `connectionId` (from its open frame) holds, on whichever node holds it.
 */
export interface RefreshRequest {
  token: string;
  connectionId: string;
}
export interface RefreshResponse {
  /** Milliseconds since the Unix epoch at which the connection now expires (the new token's expiry). */
  expiresAt: number;
}

/** Error codes in `{"error":{"code","message"}}` answers. */
export const ApiErrorCode = {
  INVALID_JSON: 'invalid_json',
  INVALID_FIELD: 'invalid_field',
  UNAUTHORIZED: 'unauthorized',
  NOT_FOUND: 'not_found',
  PAYLOAD_TOO_LARGE: 'payload_too_large',
  UNSUPPORTED_MEDIA_TYPE: 'unsupported_media_type',
  METHOD_NOT_ALLOWED: 'method_not_allowed',
  /** Too many failed API-key attempts from this address; see Retry-After. */
  RATE_LIMITED: 'rate_limited',
  /** Redis cannot be reached or does not answer in time; see Retry-After. */
  UNAVAILABLE: 'unavailable',
  /** Redis is out of memory (maxmemory reached with noeviction) and refuses writes; see Retry-After. */
  STORAGE_FULL: 'storage_full',
  INTERNAL: 'internal',
  /** An idempotency key came back with a different client or message than its first use (409, or a batch item). */
  IDEMPOTENCY_KEY_REUSED: 'idempotency_key_reused',
  /** A plain HTTP request on the WebSocket endpoint (426, with `Upgrade: websocket`). */
  UPGRADE_REQUIRED: 'upgrade_required',
  /** `POST /v1/refresh`: the token is unknown or revoked (401). */
  INVALID_TOKEN: 'invalid_token',
  /** `POST /v1/refresh`: the token has expired (401). */
  TOKEN_EXPIRED: 'token_expired',
  /** `POST /v1/refresh`: that connection does not hold the token's client (409); nothing was changed or closed. */
  NOT_OWNER: 'not_owner',
  /** `POST /v1/refresh` from a page whose origin `CG_ALLOWED_ORIGINS` does not list (403). */
  ORIGIN_REJECTED: 'origin_rejected',
} as const;
export type ApiErrorCodeValue = (typeof ApiErrorCode)[keyof typeof ApiErrorCode];

export interface ApiError {
  code: ApiErrorCodeValue;
  message: string;
  /** The request field the error is about, when there is one (e.g. `clientId`, `messages[3].message`). */
  field?: string;
}
export interface ApiErrorBody {
  error: ApiError;
}
