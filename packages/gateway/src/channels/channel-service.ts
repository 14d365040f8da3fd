/**
 * The operations behind the backend HTTP API. Inputs arrive validated (http/validation.ts).
 */
import { ulid } from 'ulid';
import type { ApiError, BatchSendResult, SendStatus } from '@channel-gateway/protocol';
import type { Clock } from '../clock.js';
import type { GatewayMetrics } from '../ops/metrics.js';
import type { ChannelInfo, ChannelStore, OutgoingMessage } from './channel-store.js';
import { SendCoalescer } from './send-coalescer.js';
import type { TokenStore } from './token-store.js';
import { hashToken, newToken } from './tokens.js';

export interface CreatedChannel {
  clientId: string;
  token: string;
  expiresAt: number;
}

/** One validated item of a batch: to a client ID, to a token, or refused (with the reason). */
export type BatchItem = { clientId: string; message: string } | { token: string; message: string } | { clientId?: string; error: ApiError };

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
   * turn share one store call (send-coalescer.ts).
   */
  async send(clientId: string, message: string): Promise<SendStatus> {
    const { status } = await this.singleSends.send(clientId, JSON.stringify(message));
    this.metrics.countSend(status);
    return status;
  }

  /**
   * Many sends in one store step (after one token lookup for the items sent by token); per-client order
   * is the order of `items`. Refused items are answered `invalid` and the others sent. A token opens its
   * client only while it is unexpired and its channel generation is current (not revoked by a delete);
   * otherwise the item is `no_channel`, without a client ID.
   */
  async sendBatch(items: ReadonlyArray<BatchItem>): Promise<BatchSendResult[]> {
    const now = this.clock.now();
    const recipients = await this.resolveTokens(items, now);
    const outgoing: OutgoingMessage[] = [];
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      const recipient = recipients[i];
      if (recipient && 'message' in item) outgoing.push({ ...recipient, encodedData: JSON.stringify(item.message) });
    }
    const sent = await this.channels.sendMany(outgoing, now);
    let next = 0;
    return items.map((item, i): BatchSendResult => {
      if ('error' in item) return { ...(item.clientId !== undefined ? { clientId: item.clientId } : {}), status: 'invalid', error: item.error };
      const recipient = recipients[i];
      const status: SendStatus = recipient ? sent[next++]!.status : 'no_channel';
      this.metrics.countSend(status);
      return recipient && status !== 'no_channel' ? { clientId: recipient.clientId, status } : 'token' in item ? { status } : { clientId: item.clientId, status };
    });
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
