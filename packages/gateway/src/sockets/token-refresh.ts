/**
 * Token refresh on a live connection (issue 16): a newer token for the same client moves the connection's
 * expiry, with no reconnect, no presence change and nothing lost. Two ways in:
 *
 *   WebSocket:  refresh {token} ─▶ check ─▶ refreshed {expiresAt} | refresh-refused {reason}
 *   any node:   POST /v1/refresh {token, connectionId} ─▶ check ─▶ the owner record names the node
 *               ─▶ applied here, or on that node through its inbox (`refresh`, answered by `refresh-answer`)
 *
 * A refused refresh changes nothing: the connection keeps its old expiry and is not closed.
 */
import { randomBytes } from 'node:crypto';
import type { RefreshRefusal } from '@channel-gateway/protocol';
import type { ChannelInfo, ChannelStore } from '../channels/channel-store.js';
import type { InboxMessage, NodeInbox } from '../channels/node-inbox.js';
import { isStoreOutage } from '../stores/store-health.js';
import type { TokenRecord, TokenStore } from '../channels/token-store.js';
import { hashToken } from '../channels/tokens.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { GatewayMetrics } from '../ops/metrics.js';
import type { Connection } from './connection.js';
import type { ConnectionRegistry } from './connection-registry.js';
import { PendingAnswers } from './pending-answers.js';

/** How long a node waits for the owning node to say it applied a refresh before answering 503. */
export const REMOTE_REFRESH_WAIT_MS = 1_000;

export type RefreshMessage = Extract<InboxMessage, { kind: 'refresh' | 'refresh-answer' }>;

export function isRefreshMessage(message: InboxMessage): message is RefreshMessage {
  return message.kind === 'refresh' || message.kind === 'refresh-answer';
}

/**
 * What `POST /v1/refresh` gets: the new expiry, or why not. `not_owner`: that connection does not hold the
 * token's client; `unanswered`: the node holding it did not confirm in time (store outages are thrown).
 */
export type HttpRefreshResult = { readonly expiresAt: number } | { readonly refused: 'invalid_token' | 'expired' | 'not_owner' | 'unanswered' };

export interface TokenRefreshDeps {
  nodeId: string;
  tokens: TokenStore;
  channels: ChannelStore;
  inbox: NodeInbox;
  registry: ConnectionRegistry;
  clock: Clock;
  metrics: GatewayMetrics;
  logger: Logger;
  /** Moves the connection's token expiry in the node's expiry wheel (the socket server's). */
  moveExpiry(connection: Connection, expiresAt: number): void;
}

type Checked = { readonly record: TokenRecord; readonly channel: ChannelInfo } | { readonly refused: 'invalid_token' | 'expired' };

export class TokenRefresh {
  private readonly answers = new PendingAnswers<boolean>();
  /** Request IDs are unique per process start, so a late answer to an earlier run is never taken for a new request. */
  private readonly bootId = randomBytes(3).toString('hex');
  private nextRequest = 0;

  constructor(private readonly deps: TokenRefreshDeps) {}

  /** A refresh frame on an open socket: answered on that socket. */
  async onFrame(connection: Connection, token: string): Promise<void> {
    let checked: Checked;
    try {
      checked = await this.check(token);
    } catch (error) {
      if (!isStoreOutage(error)) this.deps.logger.warn({ err: (error as Error).message }, 'token refresh lookup failed');
      if (connection.state === 'open') this.refuse(connection, 'unavailable');
      return;
    }
    if (connection.state !== 'open') return; // closed (or replaced) meanwhile: nothing to refresh
    if ('refused' in checked) return this.refuse(connection, checked.refused);
    if (checked.record.clientId !== connection.clientId) return this.refuse(connection, 'other_client');
    this.apply(connection, checked.record.expiresAt);
    this.deps.metrics.tokenRefreshes.inc({ via: 'socket', result: 'refreshed' });
  }

  /** `POST /v1/refresh` on this node, for a connection on any node. */
  async overHttp(token: string, connectionId: string): Promise<HttpRefreshResult> {
    let result: HttpRefreshResult;
    try {
      result = await this.routeToOwner(token, connectionId);
    } catch (error) {
      this.deps.metrics.tokenRefreshes.inc({ via: 'http', result: 'unavailable' });
      throw error;
    }
    const refused = 'refused' in result ? result.refused : undefined;
    this.deps.metrics.tokenRefreshes.inc({ via: 'http', result: refused === 'unanswered' ? 'unavailable' : (refused ?? 'refreshed') });
    return result;
  }

  /** A `refresh` from another node (applied here and answered) or the answer to one this node sent. */
  onInbox(message: RefreshMessage): void {
    if (message.kind === 'refresh-answer') return this.answers.settle(message.requestId, message.applied);
    const applied = this.applyLocal(message.clientId, message.connectionId, message.expiresAt);
    const answer: InboxMessage = { kind: 'refresh-answer', clientId: message.clientId, requestId: message.replyTo.requestId, applied };
    this.deps.inbox.publish(message.replyTo.nodeId, answer).catch((error: Error) => {
      if (!isStoreOutage(error)) this.deps.logger.warn({ err: error.message, clientId: message.clientId }, 'could not answer a refresh');
    });
  }

  /** Gives up on the answers still awaited (node shutdown). */
  stop(): void {
    this.answers.cancelAll();
  }

  private async routeToOwner(token: string, connectionId: string): Promise<HttpRefreshResult> {
    const checked = await this.check(token);
    if ('refused' in checked) return checked;
    const { clientId, expiresAt } = checked.record;
    const owner = checked.channel.owner;
    // A token for another client ID lands here too: its client is not held by that connection.
    if (!owner || owner.connectionId !== connectionId) return { refused: 'not_owner' };
    if (owner.nodeId === this.deps.nodeId) return this.applyLocal(clientId, connectionId, expiresAt) ? { expiresAt } : { refused: 'not_owner' };
    const requestId = `${this.bootId}.${(this.nextRequest++).toString(36)}`;
    const answer = this.answers.wait(requestId, REMOTE_REFRESH_WAIT_MS);
    let published: boolean;
    try {
      published = await this.deps.inbox.publish(owner.nodeId, {
        kind: 'refresh',
        clientId,
        connectionId,
        expiresAt,
        replyTo: { nodeId: this.deps.nodeId, requestId },
      });
    } catch (error) {
      this.answers.settle(requestId, undefined);
      throw error;
    }
    if (!published) {
      // Nobody subscribed for that node (gone, or cut off from Redis): its connection is closing or will resync.
      this.answers.settle(requestId, undefined);
      return { refused: 'unanswered' };
    }
    const applied = await answer;
    if (applied === undefined) return { refused: 'unanswered' };
    return applied ? { expiresAt } : { refused: 'not_owner' };
  }

  /**
   * Looks the token up as the hello does (its hash), and checks that its channel generation is current (not
   * revoked). Throws when the stores cannot answer.
   */
  private async check(token: string): Promise<Checked> {
    const { deps } = this;
    const now = deps.clock.now();
    const record = await deps.tokens.find(hashToken(token));
    if (!record) return { refused: 'invalid_token' };
    if (record.expiresAt <= now) return { refused: 'expired' };
    const channel = await deps.channels.info(record.clientId, now);
    // Deleting the channel revokes its tokens by starting a new generation (or removing the channel).
    if (!channel || channel.generation !== record.generation) return { refused: 'invalid_token' };
    return { record, channel };
  }

  /** Applies a checked refresh to `connectionId` if this node holds it open for `clientId`. */
  private applyLocal(clientId: string, connectionId: string, expiresAt: number): boolean {
    const connection = this.deps.registry.get(clientId);
    if (connection?.id !== connectionId || connection.state !== 'open') return false;
    this.apply(connection, expiresAt);
    return true;
  }

  /** Counted by the caller, where the refresh came in (a `refresh` from the inbox is the requesting node's to count). */
  private apply(connection: Connection, expiresAt: number): void {
    this.deps.moveExpiry(connection, expiresAt);
    connection.sendFrame({ type: 'refreshed', expiresAt, serverTime: this.deps.clock.now() });
  }

  private refuse(connection: Connection, reason: RefreshRefusal): void {
    this.deps.metrics.tokenRefreshes.inc({ via: 'socket', result: reason });
    connection.sendFrame({ type: 'refresh-refused', reason });
  }
}
