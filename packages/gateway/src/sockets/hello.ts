/**
 * The socket path after the hello frame: check the token, claim the client, replay, go live.
 */
import { CloseCode, type HelloFrame } from '@channel-gateway/protocol';
import type { ChannelStore } from '../channels/channel-store.js';
import type { NodeInbox } from '../channels/node-inbox.js';
import type { NodeLiveness } from '../presence/node-liveness.js';
import type { TokenStore } from '../channels/token-store.js';
import { isStoreOutage } from '../channels/store-health.js';
import { hashToken } from '../channels/tokens.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { GatewayMetrics } from '../ops/metrics.js';
import type { Connection } from './connection.js';
import type { ConnectionRegistry } from './connection-registry.js';

export interface HelloDeps {
  nodeId: string;
  tokens: TokenStore;
  channels: ChannelStore;
  inbox: NodeInbox;
  registry: ConnectionRegistry;
  liveness: NodeLiveness;
  clock: Clock;
  metrics: GatewayMetrics;
  logger: Logger;
  /** Called once the socket is open, to schedule its token expiry. */
  onOpen(connection: Connection): void;
}

export async function handleHello(connection: Connection, hello: HelloFrame, deps: HelloDeps): Promise<void> {
  const { metrics } = deps;
  connection.state = 'attaching';
  const refuse = (code: number, result: string) => {
    metrics.connects.inc({ result });
    connection.close(code);
  };
  let record;
  try {
    record = await deps.tokens.find(hashToken(hello.token));
  } catch (error) {
    if (!isStoreOutage(error)) deps.logger.warn({ err: (error as Error).message }, 'token lookup failed');
    return refuse(CloseCode.UNAVAILABLE, 'unavailable');
  }
  if (connection.isClosed()) return;
  if (!record) return refuse(CloseCode.INVALID_TOKEN, 'invalid_token');
  const now = deps.clock.now();
  if (record.expiresAt <= now) return refuse(CloseCode.TOKEN_EXPIRED, 'expired');

  connection.clientId = record.clientId;
  connection.expiresAt = record.expiresAt;
  deps.registry.claim(connection);
  const owner = { nodeId: deps.nodeId, connectionId: connection.id };
  // Indexed before ownership is claimed (the same Redis connection runs them in this order), so that a node
  // dying right after the claim still leaves the survivors a record of which clients to release. An entry
  // left by a failed attach is harmless: the release checks who owns the client.
  deps.liveness.trackClient(deps.nodeId, record.clientId).catch((error: Error) => {
    if (!isStoreOutage(error)) deps.logger.warn({ err: error.message, clientId: record.clientId }, 'could not index the client under this node');
  });
  let result;
  try {
    result = await deps.channels.attach({ clientId: record.clientId, generation: record.generation, owner, now, ...(hello.resume ? { resume: hello.resume } : {}) });
  } catch (error) {
    deps.registry.abandon(connection);
    if (!isStoreOutage(error)) deps.logger.warn({ err: (error as Error).message, clientId: record.clientId }, 'attach failed');
    return refuse(CloseCode.UNAVAILABLE, 'unavailable');
  }
  if (result.kind !== 'attached') {
    deps.registry.abandon(connection);
    return result.kind === 'expired' ? refuse(CloseCode.TOKEN_EXPIRED, 'expired') : refuse(CloseCode.INVALID_TOKEN, 'invalid_token');
  }
  connection.epoch = result.epoch;
  connection.lastSeq = result.replayFrom - 1;
  // This socket now owns the client (the newest wins), even if it has just gone away.
  deps.registry.confirm(connection);
  if (result.presence) {
    if (result.presence === 'connected') metrics.presenceEvents.inc({ event: 'connected' });
    else metrics.webhookDrops.inc({ reason: 'backlog_full' });
  }
  if (result.previousOwner && result.previousOwner.nodeId !== deps.nodeId) {
    const { nodeId, connectionId } = result.previousOwner;
    deps.inbox.publish(nodeId, { kind: 'replaced', clientId: record.clientId, connectionId }).catch((error: Error) => {
      deps.logger.warn({ err: error.message, clientId: record.clientId }, 'could not tell the previous node to close its socket');
    });
  }
  if (connection.isClosed()) {
    // The client left while we attached and the close handler skipped it (no epoch yet): release it here.
    deps.registry.remove(connection);
    await deps.channels.detach(record.clientId, owner, result.epoch, connection.lastSeq, deps.clock.now()).catch(() => undefined);
    if (!deps.registry.get(record.clientId)) await deps.liveness.untrackClient(deps.nodeId, record.clientId).catch(() => undefined);
    return;
  }

  metrics.connects.inc({ result: 'open' });
  connection.sendFrame({ type: 'open', clientId: record.clientId, epoch: result.epoch, expiresAt: record.expiresAt });
  if (result.gap) {
    metrics.gaps.inc({ reason: result.gap.reason });
    connection.sendFrame(result.gap);
  }
  connection.state = 'open';
  const pending = connection.pending ?? [];
  connection.pending = undefined;
  for (const message of result.replay) if (connection.replay(message)) metrics.replays.inc();
  // Everything up to the channel's seq at attach time was replayed or reported as a gap.
  connection.lastSeq = Math.max(connection.lastSeq, result.lastSeq);
  for (const message of pending) deps.registry.deliver(connection, message);
  if (connection.state === 'open') deps.onOpen(connection);
}
