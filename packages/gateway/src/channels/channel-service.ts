/**
 * The operations behind the backend HTTP API. Inputs arrive validated (http/validation.ts).
 */
import { ulid } from 'ulid';
import type { SendStatus } from '@channel-gateway/protocol';
import type { Clock } from '../clock.js';
import type { GatewayMetrics } from '../ops/metrics.js';
import type { ChannelInfo, ChannelStore } from './channel-store.js';
import { SendCoalescer } from './send-coalescer.js';
import type { TokenStore } from './token-store.js';
import { hashToken, newToken } from './tokens.js';

export interface CreatedChannel {
  clientId: string;
  token: string;
  expiresAt: number;
}

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

  /** Many sends in one store step; per-client order is the order of `messages`. */
  async sendBatch(messages: ReadonlyArray<{ clientId: string; message: string }>): Promise<SendStatus[]> {
    const encoded = messages.map(({ clientId, message }) => ({ clientId, encodedData: JSON.stringify(message) }));
    const results = await this.channels.sendMany(encoded, this.clock.now());
    return results.map(({ status }) => {
      this.metrics.countSend(status);
      return status;
    });
  }

  async info(clientId: string): Promise<ChannelInfo | undefined> {
    return this.channels.info(clientId, this.clock.now());
  }

  async delete(clientId: string): Promise<boolean> {
    return this.channels.delete(clientId, this.clock.now());
  }
}
