import type {
  BatchSendResponse,
  BatchSendResult,
  ChannelInfo,
  CreateChannelRequest,
  CreateChannelResponse,
  SendMessageResponse,
  SendStatus,
} from '@channel-gateway/protocol';
import { ChannelGatewayError, invalidField } from './errors.js';
import { request, type FetchFunction, type Transport } from './http.js';
import { checkBatch, checkClientId, checkDurationMinutes, checkMessage, checkToken, type BatchItem } from './validate.js';

export interface ChannelGatewayClientOptions {
  /** Where the gateway (or its load balancer) listens, e.g. `https://gateway.example`. A path prefix is kept. */
  baseUrl: string | URL;
  /** One of the keys in the gateway's `CG_API_KEYS`. */
  apiKey: string;
  /** Deadline for each call, including reading the answer. Default 10 000 ms. */
  timeoutMs?: number;
  /** A fetch implementation to use instead of the global one (proxies, instrumentation, tests). */
  fetch?: FetchFunction;
}

export interface CreateChannelOptions {
  /** Client ID to create the channel for; the gateway generates a ULID when it is absent. */
  clientId?: string;
  /** Token lifetime in whole minutes, 1…1440; the gateway's default is 120. */
  durationMinutes?: number;
}

/** What a send by token answers: the client the token opens, unless it opens none (`no_channel`). */
export interface SendToTokenResponse {
  status: SendStatus;
  /** Absent when the token is unknown, expired or revoked. */
  clientId?: string;
}

export const DEFAULT_TIMEOUT_MS = 10_000;
/** setTimeout fires at once for delays past a signed 32-bit millisecond count. */
const MAX_TIMEOUT_MS = 2_147_483_647;
const SEND_STATUSES: ReadonlySet<string> = new Set<SendStatus>(['routed', 'queued', 'no_channel']);
const RESULT_STATUSES: ReadonlySet<string> = new Set<BatchSendResult['status']>(['routed', 'queued', 'no_channel', 'invalid']);

/**
 * Server-side client for the Channel Gateway HTTP API: the successor of GAE's `channel.create_channel`
 * and `channel.send_message`. Every method validates its arguments before sending anything and throws
 * ChannelGatewayError for bad arguments, API error answers, network failures and timeouts alike.
 * Nothing is retried automatically: a send that timed out may have been delivered.
 */
export class ChannelGatewayClient {
  readonly #transport: Transport;

  constructor(options: ChannelGatewayClientOptions) {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0 || timeoutMs > MAX_TIMEOUT_MS) {
      throw invalidField('timeoutMs', `must be a number of milliseconds from 1 to ${MAX_TIMEOUT_MS}`);
    }
    // Resolve the global fetch per call rather than once, so it can be swapped (or polyfilled) later.
    const fetchFunction: FetchFunction = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    if (typeof fetchFunction !== 'function') throw invalidField('fetch', 'must be a function');
    this.#transport = {
      baseUrl: normaliseBaseUrl(options.baseUrl),
      apiKey: checkApiKey(options.apiKey),
      timeoutMs,
      fetch: fetchFunction,
    };
  }

  /** Creates a channel (a token for a client ID), like GAE's `create_channel`. */
  async createChannel(options: CreateChannelOptions = {}): Promise<CreateChannelResponse> {
    const body: CreateChannelRequest = {};
    if (options.clientId !== undefined) body.clientId = checkClientId(options.clientId);
    if (options.durationMinutes !== undefined) body.durationMinutes = checkDurationMinutes(options.durationMinutes);
    const { status, body: answer } = await request(this.#transport, 'POST', '/v1/channels', body);
    const record = expectRecord(answer, 'POST /v1/channels', status);
    if (typeof record['clientId'] !== 'string' || typeof record['token'] !== 'string' || typeof record['expiresAt'] !== 'string') {
      throw badShape('POST /v1/channels', status, 'clientId, token and expiresAt strings');
    }
    return { clientId: record['clientId'], token: record['token'], expiresAt: record['expiresAt'] };
  }

  /**
   * Sends one message to a client ID, wherever its socket lives. `no_channel` is an answer, not an
   * error: GAE dropped such messages silently; here the caller learns that nobody holds a live token.
   */
  async sendMessage(clientId: string, message: string): Promise<SendMessageResponse> {
    const path = `${channelPath(checkClientId(clientId))}/messages`;
    const { status, body } = await request(this.#transport, 'POST', path, { message: checkMessage(message) });
    const record = expectRecord(body, `POST ${path}`, status);
    const sendStatus = record['status'];
    if (typeof sendStatus !== 'string' || !SEND_STATUSES.has(sendStatus)) {
      throw badShape(`POST ${path}`, status, 'a status of routed, queued or no_channel');
    }
    return { status: sendStatus as SendStatus };
  }

  /**
   * Sends one message to the client a token opens: GAE's `send_message` accepted the token from
   * `create_channel` in place of the client ID. The token travels in the request body, never in a URL.
   * An unknown, expired or revoked token answers `no_channel` (without a client ID).
   */
  async sendMessageToToken(token: string, message: string): Promise<SendToTokenResponse> {
    const item = { token: checkToken(token), message: checkMessage(message) };
    const [result] = (await this.sendMessages([item])).results;
    if (result!.status === 'invalid') {
      const error = result!.error;
      throw new ChannelGatewayError(`POST /v1/messages refused the message: ${error?.message ?? 'invalid'}`, { code: error?.code ?? 'invalid_field', status: 202, field: error?.field });
    }
    return result!.clientId === undefined ? { status: result!.status } : { status: result!.status, clientId: result!.clientId };
  }

  /**
   * Sends up to 1000 messages in one request (each to a client ID or to a token); results come back in the order of `items`. Every item is
   * checked first and one bad item throws before anything is sent, so a batch is never half sent
   * because of a caller's mistake. (Items the gateway itself refuses come back as `invalid` results.)
   */
  async sendMessages(items: ReadonlyArray<BatchItem>): Promise<BatchSendResponse> {
    const messages = checkBatch(items);
    const { status, body } = await request(this.#transport, 'POST', '/v1/messages', { messages });
    const results = expectRecord(body, 'POST /v1/messages', status)['results'];
    if (!Array.isArray(results) || results.length !== messages.length || !results.every(isBatchResult)) {
      throw badShape('POST /v1/messages', status, `a results array of ${messages.length} items`);
    }
    return { results };
  }

  /** Presence and expiry of a client's channel, or null when it has no live channel (404). */
  async getChannel(clientId: string): Promise<ChannelInfo | null> {
    const path = channelPath(checkClientId(clientId));
    const { status, body } = await request(this.#transport, 'GET', path, undefined, { tolerateNotFound: true });
    if (status === 404) return null;
    const record = expectRecord(body, `GET ${path}`, status);
    if (typeof record['clientId'] !== 'string' || typeof record['connected'] !== 'boolean' || typeof record['expiresAt'] !== 'string') {
      throw badShape(`GET ${path}`, status, 'clientId, connected and expiresAt');
    }
    const info: ChannelInfo = { clientId: record['clientId'], connected: record['connected'], expiresAt: record['expiresAt'] };
    if (typeof record['node'] === 'string') info.node = record['node'];
    if (typeof record['connectedAt'] === 'string') info.connectedAt = record['connectedAt'];
    return info;
  }

  /**
   * Revokes every token of the client and closes its socket. True when a live channel was deleted,
   * false when there was none (404), so a repeated delete is harmless.
   */
  async deleteChannel(clientId: string): Promise<boolean> {
    const path = channelPath(checkClientId(clientId));
    const { status } = await request(this.#transport, 'DELETE', path, undefined, { tolerateNotFound: true });
    return status !== 404;
  }
}

/** Client IDs may hold `/`, `?`, `#`, spaces or any Unicode, so they are always percent-encoded. */
function channelPath(clientId: string): string {
  return `/v1/channels/${encodeURIComponent(clientId)}`;
}

function normaliseBaseUrl(baseUrl: unknown): string {
  let url: URL;
  try {
    url = new URL(baseUrl instanceof URL ? baseUrl.href : String(baseUrl));
  } catch {
    throw invalidField('baseUrl', 'must be an absolute http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalidField('baseUrl', 'must be an absolute http(s) URL');
  if (url.search !== '' || url.hash !== '') throw invalidField('baseUrl', 'must not have a query or fragment');
  // API keys travel in a header; credentials in the URL would be a second, conflicting way to authenticate.
  if (url.username !== '' || url.password !== '') throw invalidField('baseUrl', 'must not contain credentials');
  return url.href.replace(/\/+$/, '');
}

function checkApiKey(apiKey: unknown): string {
  // A header value with spaces or control characters would make fetch throw a confusing TypeError later.
  if (typeof apiKey !== 'string' || !/^[\x21-\x7e]+$/.test(apiKey)) {
    throw invalidField('apiKey', 'must be a non-empty string of visible ASCII characters');
  }
  return apiKey;
}

function expectRecord(body: unknown, what: string, status: number): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badShape(what, status, 'a JSON object');
  return body as Record<string, unknown>;
}

function isBatchResult(value: unknown): value is BatchSendResult {
  if (typeof value !== 'object' || value === null) return false;
  const { clientId, status } = value as Record<string, unknown>;
  // A send by token to a dead token answers without a client ID.
  return (clientId === undefined || typeof clientId === 'string') && typeof status === 'string' && RESULT_STATUSES.has(status);
}

function badShape(what: string, status: number, expected: string): ChannelGatewayError {
  return new ChannelGatewayError(`${what} answered ${status} but the body is not ${expected}`, { code: 'invalid_response', status });
}
