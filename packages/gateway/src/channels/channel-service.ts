/**
 * The operations behind the backend HTTP API. Inputs arrive validated (http/validation.ts).
 */
import { ulid } from 'ulid';
import type { ApiError, BatchSendResult, SendStatus } from '@channel-gateway/protocol';
import type { Clock } from '../clock.js';
import type { GatewayMetrics } from '../ops/metrics.js';
import type { ChannelInfo, ChannelStore, OutgoingMessage, SendResult } from './channel-store.js';
import { IdempotencyKeyReusedError, fingerprintOf, keyReusedError } from './idempotency.js';
import { SendCoalescer } from './send-coalescer.js';
import type { TokenStore } from './token-store.js';
import { hashToken, newToken } from './tokens.js';

export interface CreatedChannel {
  clientId: string;
  token: string;
  expiresAt: number;
}

/** One validated item of a batch: to a client ID, to a token, or refused (with the reason). */
export type BatchItem =
  | { clientId: string; message: string; idempotencyKey?: string }
  | { token: string; message: string; idempotencyKey?: string }
  | { clientId?: string; error: ApiError };

export class ChannelService {
  private readonly singleSends: SendCoalescer;

  constructor(
    private readonly tokens: TokenStore,
    private readonly channels: ChannelStore,
    private readonly clock: Clock,
    private readonly metrics: GatewayMetrics,
  ) {
    this.singleSends = new SendCoalescer((messages, now) => channels.sendMany(messages, now), clock);
  }

  /** GAE's create_channel: a new token for the client; earlier tokens of the client stay valid. */
  async createChannel(clientId: string | undefined, durationMinutes: number): Promise<CreatedChannel> {
    const id = clientId ?? ulid();
    const now = this.clock.now();
    const expiresAt = now + durationMinutes * 60_000;
    const generation = await this.channels.open(id, expiresAt, now);
    const token = newToken();
    await this.tokens.save(hashToken(token), { clientId: id, generation, expiresAt });
    return { clientId: id, token, expiresAt };
  }

  /**
   * GAE's send_message, saying what happened instead of dropping silently. Single sends of one event-loop
   * turn share one store call (send-coalescer.ts). With an idempotency key, a repeat answers the first
   * send's status and sends nothing; a key first used for another client or message throws
   * IdempotencyKeyReusedError.
   */
  async send(clientId: string, message: string, idempotencyKey?: string): Promise<SendStatus> {
    const result = await this.singleSends.send(outgoing(clientId, JSON.stringify(message), idempotencyKey));
    if (result.status === 'key_reused') {
      this.metrics.idempotencyKeyReuses.inc();
      throw new IdempotencyKeyReusedError('Idempotency-Key', result.differs);
    }
    this.count(result);
    return result.status;
  }

  /**
   * Many sends in one store step (after one token lookup for the items sent by token); per-client order
   * is the order of `items`. Refused items are answered `invalid` and the others sent. A token opens its
   * client only while it is unexpired and its channel generation is current (not revoked by a delete);
   * otherwise the item is `no_channel`, without a client ID.
   */
  async sendBatch(items: ReadonlyArray<BatchItem>, batchKey?: string): Promise<BatchSendResult[]> {
    const now = this.clock.now();
    const recipients = await this.resolveTokens(items, now);
    const messages: OutgoingMessage[] = [];
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      const recipient = recipients[i];
      if (recipient && 'message' in item) {
        const message = outgoing(recipient.clientId, JSON.stringify(item.message), item.idempotencyKey ?? itemKey(batchKey, i));
        messages.push(recipient.generation === undefined ? message : { ...message, generation: recipient.generation });
      }
    }
    const sent = await this.channels.sendMany(messages, now);
    let next = 0;
    return items.map((item, i): BatchSendResult => {
      if ('error' in item) return { ...(item.clientId !== undefined ? { clientId: item.clientId } : {}), status: 'invalid', error: item.error };
      const recipient = recipients[i];
      const result: SendResult = recipient ? sent[next++]! : { status: 'no_channel' };
      const clientId = recipient && result.status !== 'no_channel' ? recipient.clientId : 'token' in item ? undefined : item.clientId;
      if (result.status === 'key_reused') {
        this.metrics.idempotencyKeyReuses.inc();
        const field = 'message' in item && item.idempotencyKey === undefined ? 'Idempotency-Key' : `messages[${i}].idempotencyKey`;
        return { ...(clientId !== undefined ? { clientId } : {}), status: 'invalid', error: keyReusedError(field, result.differs) };
      }
      this.count(result);
      return clientId !== undefined ? { clientId, status: result.status } : { status: result.status };
    });
  }

  private count(result: SendResult & { status: SendStatus }): void {
    if (result.replayed) this.metrics.idempotentReplays.inc();
    else this.metrics.countSend(result.status);
  }

  /**
   * Where each valid item goes: its client ID, or what its token opens (client ID and generation) in one
   * store round trip for all of the batch's tokens; undefined for refused items and dead tokens.
   */
  private async resolveTokens(items: ReadonlyArray<BatchItem>, now: number): Promise<Array<{ clientId: string; generation?: string } | undefined>> {
    const hashes: string[] = [];
    for (const item of items) if ('token' in item) hashes.push(hashToken(item.token));
    const records = hashes.length > 0 ? await this.tokens.findMany(hashes) : [];
    let next = 0;
    return items.map((item) => {
      if ('error' in item) return undefined;
      if (!('token' in item)) return { clientId: item.clientId };
      const record = records[next++];
      return record && record.expiresAt > now ? { clientId: record.clientId, generation: record.generation } : undefined;
    });
  }

  async info(clientId: string): Promise<ChannelInfo | undefined> {
    return this.channels.info(clientId, this.clock.now());
  }

  async delete(clientId: string): Promise<boolean> {
    return this.channels.delete(clientId, this.clock.now());
  }
}

/**
 * The key of item `index` under a batch's `Idempotency-Key` header: the header and the item's position,
 * joined by a space, which a key given by a sender never holds (visible ASCII only), so the two never meet.
 */
function itemKey(batchKey: string | undefined, index: number): string | undefined {
  return batchKey === undefined ? undefined : `${batchKey} ${index}`;
}

function outgoing(clientId: string, encodedData: string, idempotencyKey: string | undefined): OutgoingMessage {
  if (idempotencyKey === undefined) return { clientId, encodedData };
  return { clientId, encodedData, idempotency: { key: idempotencyKey, fingerprint: fingerprintOf(encodedData) } };
}
