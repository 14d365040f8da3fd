import type {
  BatchSendResponse,
  BatchSendResult,
  ChannelInfo,
  CreateChannelRequest,
  CreateChannelResponse,
  PresenceResult,
  SendMessageResponse,
  SendStatus,
} from '@channel-gateway/protocol';
import { MAX_BATCH_MESSAGES } from '@channel-gateway/protocol';
import { checkMilliseconds, resolveOptions, type CallOptions, type ChannelGatewayClientOptions, type SendOptions } from './client-options.js';
import { invalidField } from './errors.js';
import { request, type RequestOptions, type Transport } from './http.js';
import { badShape, expectBatchResults, expectPresenceResults, expectRecord, expectSendStatus, itemError } from './responses.js';
import { withRetries, type CallBudget, type RetryPolicy } from './retry.js';
import { SendBatcher, type WireItem } from './send-batcher.js';
import {
  checkBatchItem,
  checkBatchSize,
  checkClientId,
  checkDurationMinutes,
  checkIdempotencyKey,
  checkMessage,
  checkToken,
  newIdempotencyKey,
  type BatchItem,
} from './validate.js';

export interface CreateChannelOptions extends CallOptions {
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

/**
 * Server-side client for the Channel Gateway HTTP API: the successor of GAE's `channel.create_channel`
 * and `channel.send_message`. Every method validates its arguments before sending anything and throws
 * ChannelGatewayError for bad arguments, API error answers, network failures and timeouts alike.
 *
 * Sends are safe to retry and are retried: each carries an idempotency key (generated unless given), and
 * network errors, timeouts and 502/503/504 are retried with jittered backoff until the call's deadline.
 * Concurrent sends are coalesced into batch requests (send-batcher.ts), each caller keeping its own
 * result, per-recipient order kept.
 */
export class ChannelGatewayClient {
  readonly #transport: Transport;
  readonly #retry: RetryPolicy;
  readonly #deadlineMs: number;
  readonly #batcher: SendBatcher | undefined;

  constructor(options: ChannelGatewayClientOptions) {
    const resolved = resolveOptions(options);
    this.#transport = resolved.transport;
    this.#retry = resolved.retry;
    this.#deadlineMs = resolved.deadlineMs;
    this.#batcher =
      resolved.batching && new SendBatcher((items, timeoutMs, signal) => this.#postBatch(items, timeoutMs, signal), resolved.batching, resolved.retry);
  }

  /** Creates a channel (a token for a client ID), like GAE's `create_channel`. */
  async createChannel(options: CreateChannelOptions = {}): Promise<CreateChannelResponse> {
    const body: CreateChannelRequest = {};
    if (options.clientId !== undefined) body.clientId = checkClientId(options.clientId);
    if (options.durationMinutes !== undefined) body.durationMinutes = checkDurationMinutes(options.durationMinutes);
    const { status, body: answer } = await this.#call('POST', '/v1/channels', body, options);
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
  async sendMessage(clientId: string, message: string, options: SendOptions = {}): Promise<SendMessageResponse> {
    const item = { clientId: checkClientId(clientId), message: checkMessage(message), idempotencyKey: keyOf(options) };
    const budget = this.#budget(options);
    if (!this.#batcher) {
      const path = `${channelPath(item.clientId)}/messages`;
      const { status, body } = await this.#call('POST', path, { message: item.message }, options, { 'idempotency-key': item.idempotencyKey }, budget);
      return { status: expectSendStatus(body, `POST ${path}`, status) };
    }
    const result = await this.#batcher.send(item, `c:${item.clientId}`, budget);
    if (result.status === 'invalid') throw itemError(result);
    return { status: result.status };
  }

  /**
   * Sends one message to the client a token opens: GAE's `send_message` accepted the token from
   * `create_channel` in place of the client ID. The token travels in the request body, never in a URL.
   * An unknown, expired or revoked token answers `no_channel` (without a client ID).
   */
  async sendMessageToToken(token: string, message: string, options: SendOptions = {}): Promise<SendToTokenResponse> {
    const item = { token: checkToken(token), message: checkMessage(message), idempotencyKey: keyOf(options) };
    const budget = this.#budget(options);
    const result = this.#batcher ? await this.#batcher.send(item, `t:${item.token}`, budget) : (await this.#sendBatch([item], budget))[0]!;
    if (result.status === 'invalid') throw itemError(result);
    return result.clientId === undefined ? { status: result.status } : { status: result.status, clientId: result.clientId };
  }

  /**
   * Sends up to 1000 messages (each to a client ID or to a token); results come back in the order of
   * `items`. An item that is not valid is answered `invalid` (with its error, as the gateway would) and
   * the others are sent. Each item gets an idempotency key unless it brings one, so the retries are safe.
   */
  async sendMessages(items: ReadonlyArray<BatchItem>, options: CallOptions = {}): Promise<BatchSendResponse> {
    const checked = checkBatchSize(items).map(checkBatchItem);
    const budget = this.#budget(options);
    const valid = checked.flatMap((entry) => ('item' in entry ? [entry.item] : []));
    const sent: BatchSendResult[] = this.#batcher
      ? await Promise.all(valid.map((item) => this.#batcher!.send(item, 'clientId' in item ? `c:${item.clientId}` : `t:${item.token}`, budget)))
      : valid.length > 0
        ? await this.#sendBatch(valid, budget)
        : [];
    let next = 0;
    return { results: checked.map((entry) => ('item' in entry ? sent[next++]! : entry.invalid)) };
  }

  /** Presence and expiry of a client's channel, or null when it has no live channel (404). */
  async getChannel(clientId: string, options: CallOptions = {}): Promise<ChannelInfo | null> {
    const path = channelPath(checkClientId(clientId));
    const { status, body } = await this.#call('GET', path, undefined, options, undefined, undefined, { tolerateNotFound: true });
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

  /** Presence of up to 1000 clients in one request (`POST /v1/presence`), in the order of `clientIds`. */
  async queryPresence(clientIds: ReadonlyArray<string>, options: CallOptions = {}): Promise<PresenceResult[]> {
    if (!Array.isArray(clientIds) || clientIds.length === 0 || clientIds.length > MAX_BATCH_MESSAGES) {
      throw invalidField('clientIds', `must be an array of 1 to ${MAX_BATCH_MESSAGES} client IDs`);
    }
    const checked = clientIds.map((clientId, index) => checkClientId(clientId, `clientIds[${index}]`));
    const { status, body } = await this.#call('POST', '/v1/presence', { clientIds: checked }, options);
    return expectPresenceResults(body, status, checked.length);
  }

  /**
   * Revokes every token of the client and closes its socket. True when a live channel was deleted,
   * false when there was none (404), so a repeated delete is harmless.
   */
  async deleteChannel(clientId: string, options: CallOptions = {}): Promise<boolean> {
    const path = channelPath(checkClientId(clientId));
    const { status } = await this.#call('DELETE', path, undefined, options, undefined, undefined, { tolerateNotFound: true });
    return status !== 404;
  }

  #budget(options: CallOptions): CallBudget {
    const deadlineMs = options.deadlineMs === undefined ? this.#deadlineMs : checkMilliseconds(options.deadlineMs, 'deadlineMs', 1);
    if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) throw invalidField('signal', 'must be an AbortSignal');
    return { deadline: Date.now() + deadlineMs, signal: options.signal };
  }

  /** One API call with its retries. */
  #call(
    method: string,
    path: string,
    body: unknown,
    options: CallOptions,
    headers?: Record<string, string>,
    budget: CallBudget = this.#budget(options),
    extra: RequestOptions = {},
  ) {
    return withRetries(`${method} ${path}`, this.#retry, budget, (timeoutMs) =>
      request(this.#transport, method, path, body, { ...extra, timeoutMs, signal: budget.signal, ...(headers ? { headers } : {}) }),
    );
  }

  async #sendBatch(items: WireItem[], budget: CallBudget): Promise<BatchSendResult[]> {
    return withRetries('POST /v1/messages', this.#retry, budget, (timeoutMs) => this.#postBatch(items, timeoutMs, budget.signal));
  }

  async #postBatch(items: WireItem[], timeoutMs: number, signal: AbortSignal | undefined): Promise<BatchSendResult[]> {
    const { status, body } = await request(this.#transport, 'POST', '/v1/messages', { messages: items }, { timeoutMs, signal });
    return expectBatchResults(body, status, items.length);
  }
}

function keyOf(options: SendOptions): string {
  return options.idempotencyKey === undefined ? newIdempotencyKey() : checkIdempotencyKey(options.idempotencyKey);
}

/** Client IDs may hold `/`, `?`, `#`, spaces or any Unicode, so they are always percent-encoded. */
function channelPath(clientId: string): string {
  return `/v1/channels/${encodeURIComponent(clientId)}`;
}
