/**
 * Node server SDK for Channel Gateway: create channels and send messages over the HTTP API.
 * The API's request and response types are re-exported so users need only this package.
 */
export { ChannelGatewayClient } from './client.js';
export type { CreateChannelOptions, SendToTokenResponse } from './client.js';
export { DEFAULT_TIMEOUT_MS, DEFAULT_DEADLINE_MS } from './client-options.js';
export type { ChannelGatewayClientOptions, CallOptions, SendOptions } from './client-options.js';
export { ChannelGatewayError } from './errors.js';
export { verifyWebhookSignature, presenceWebhookClientId, presenceWebhookEventOf, WebhookHeader, DEFAULT_WEBHOOK_TOLERANCE_MS } from './webhooks.js';
export type { WebhookSignatureInput, PresenceWebhookEvent } from './webhooks.js';
export type { ChannelGatewayErrorCode, ChannelGatewayErrorOptions } from './errors.js';
export type { FetchFunction } from './http.js';
export type { BatchItem } from './validate.js';
export {
  ApiErrorCode,
  MAX_BATCH_MESSAGES,
  MAX_CLIENT_ID_BYTES,
  MAX_MESSAGE_BYTES,
  MAX_TOKEN_LENGTH,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  MIN_DURATION_MINUTES,
  MAX_DURATION_MINUTES,
  DEFAULT_DURATION_MINUTES,
} from '@channel-gateway/protocol';
export type {
  ApiError,
  ApiErrorCodeValue,
  BatchSendItem,
  BatchSendResponse,
  BatchSendResult,
  ChannelInfo,
  CreateChannelResponse,
  PresenceResult,
  SendMessageResponse,
  SendStatus,
} from '@channel-gateway/protocol';
