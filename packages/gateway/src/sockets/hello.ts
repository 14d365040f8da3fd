/**
 * The socket path after the hello frame: check the token, claim the client, learn how far a replaced
 * socket delivered. It returns what came of it (HelloOutcome), which the socket server applies: refuse,
 * nothing (the socket left first), or open (Connection.goLive). While it waits it tells the connection only
 * what the node needs meanwhile: its client (live messages for it then wait in the connection) and where
 * its replay starts (a takeover of it meanwhile is told so).
 */
import { CloseCode, type GapFrame, type HelloFrame } from '@channel-gateway/protocol';
import type { AttachResult, ChannelStore } from '../channels/channel-store.js';
import type { InboxMessage, NodeInbox } from '../channels/node-inbox.js';
import type { NodeLiveness } from '../presence/node-liveness.js';
import type { TokenStore } from '../channels/token-store.js';
import { isStoreOutage } from '../stores/store-health.js';
import { hashToken } from '../channels/tokens.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { GatewayMetrics } from '../ops/metrics.js';
import type { Connection, OpenPlan } from './connection.js';
import type { ConnectionRegistry } from './connection-registry.js';
import type { OwnershipRelease } from './ownership-release.js';

/**
 * How long a socket that took its client over from a socket on another node waits to hear how far that
 * one delivered, before replaying from the stored position instead (a repeat is better than a loss).
 */
export const HANDOVER_WAIT_MS = 1_000;

type Attached = Extract<AttachResult, { kind: 'attached' }>;

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
  /** How far this node's closed sockets delivered (the release path remembers). */
  closedSockets: Pick<OwnershipRelease, 'deliveredSeq'>;
}

export type HelloOutcome =
  /** Close with `code`; `result` is the cg_connects_total label. */
  | { readonly kind: 'refused'; readonly code: number; readonly result: string }
  /** The socket closed before it claimed its client: nothing to do. */
  | { readonly kind: 'gone' }
  /** The socket owns its client in `epoch` (even if it has just gone away) and opens as the plan says. */
  | ({ readonly kind: 'attached'; readonly epoch: string } & OpenPlan);

const GONE: HelloOutcome = { kind: 'gone' };

export async function handleHello(connection: Connection, hello: HelloFrame, deps: HelloDeps): Promise<HelloOutcome> {
  const { metrics } = deps;
  const refuse = (code: number, result: string): HelloOutcome => ({ kind: 'refused', code, result });
  let record;
  try {
    record = await deps.tokens.find(hashToken(hello.token));
  } catch (error) {
    if (!isStoreOutage(error)) deps.logger.warn({ err: (error as Error).message }, 'token lookup failed');
    return refuse(CloseCode.UNAVAILABLE, 'unavailable');
  }
  if (connection.isClosed()) return GONE;
  if (!record) return refuse(CloseCode.INVALID_TOKEN, 'invalid_token');
  const now = deps.clock.now();
  if (record.expiresAt <= now) return refuse(CloseCode.TOKEN_EXPIRED, 'expired');

  connection.identify(record.clientId, record.expiresAt);
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
    result = await deps.channels.attach({
      clientId: record.clientId,
      generation: record.generation,
      owner,
      now,
      ...(hello.resume ? { resume: hello.resume } : {}),
    });
  } catch (error) {
    deps.registry.abandon(connection);
    if (!isStoreOutage(error)) deps.logger.warn({ err: (error as Error).message, clientId: record.clientId }, 'attach failed');
    return refuse(CloseCode.UNAVAILABLE, 'unavailable');
  }
  if (result.kind !== 'attached') {
    deps.registry.abandon(connection);
    return result.kind === 'expired' ? refuse(CloseCode.TOKEN_EXPIRED, 'expired') : refuse(CloseCode.INVALID_TOKEN, 'invalid_token');
  }
  connection.attachedFrom(result.replayFrom);
  const previous = connection.previous;
  // This socket now owns the client (the newest wins), even if it has just gone away.
  deps.registry.confirm(connection);
  if (result.presence) {
    if (result.presence === 'connected') metrics.presenceEvents.inc({ event: 'connected' });
    else metrics.webhookDrops.inc({ reason: 'backlog_full' });
  }
  // Without a resume position the socket gets what no earlier socket delivered; the socket it replaces may
  // have delivered more than the store knows (that is recorded when it closes, which is only now).
  const delivered = result.previousOwner ? await deliveredByPrevious(connection, record.clientId, result, previous, !hello.resume, deps) : undefined;
  const gap = delivered === undefined ? result.gap : gapAfter(result.gap, delivered);
  return {
    kind: 'attached',
    epoch: result.epoch,
    open: {
      type: 'open',
      clientId: record.clientId,
      epoch: result.epoch,
      expiresAt: record.expiresAt,
      connectionId: connection.id,
      serverTime: deps.clock.now(),
    },
    ...(gap ? { gap } : {}),
    replay: result.replay,
    lastSeq: result.lastSeq,
    ...(delivered !== undefined ? { delivered } : {}),
  };
}

/**
 * Tells the previous owner's node to close its socket, and, when `wanted` (no resume position), learns how
 * far that socket delivered: at once when it was on this node, otherwise from that node's answer (live
 * messages wait in `pending` meanwhile). Undefined when it cannot be learnt: replay from the stored position.
 */
async function deliveredByPrevious(
  connection: Connection,
  clientId: string,
  result: Attached,
  previous: Connection | undefined,
  wanted: boolean,
  deps: HelloDeps,
): Promise<number | undefined> {
  const { nodeId, connectionId } = result.previousOwner!;
  const { metrics } = deps;
  if (nodeId === deps.nodeId) {
    if (!wanted) return undefined;
    const local = previous?.id === connectionId ? previous.lastSeq : deps.closedSockets.deliveredSeq(connectionId, result.epoch);
    metrics.handovers.inc({ result: local === undefined ? 'unknown' : 'local' });
    return local;
  }
  const publish = (message: InboxMessage) =>
    deps.inbox.publish(nodeId, message).catch((error: Error) => {
      deps.logger.warn({ err: error.message, clientId, kind: message.kind }, 'could not reach the previous node about its socket');
      return false;
    });
  void publish({ kind: 'replaced', clientId, connectionId });
  if (!wanted) return undefined;
  const waiting = deps.registry.awaitHandover(connection.id, HANDOVER_WAIT_MS);
  // Published after the `replaced` on the same connection, so it arrives after it.
  const published = await publish({ kind: 'ask-delivered', clientId, connectionId, to: { nodeId: deps.nodeId, connectionId: connection.id } });
  if (!published) {
    // Nobody is subscribed for that node (it is gone): it has nothing more to tell.
    waiting.cancel();
    metrics.handovers.inc({ result: 'unreachable' });
    return undefined;
  }
  const answer = await waiting.answer;
  metrics.handovers.inc({ result: answer === undefined ? 'unanswered' : answer < 0 ? 'unknown' : 'answered' });
  if (answer === undefined)
    deps.logger.warn({ clientId, nodeId }, 'the previous node did not say how far its socket delivered: replaying from the stored position');
  return answer === undefined || answer < 0 ? undefined : answer;
}

/** The attach-time gap, less what the replaced socket already delivered. */
function gapAfter(gap: GapFrame | undefined, delivered: number): GapFrame | undefined {
  if (gap?.reason !== 'expired' || gap.from === undefined || gap.to === undefined) return gap;
  if (gap.to <= delivered) return undefined;
  return gap.from <= delivered ? { ...gap, from: delivered + 1 } : gap;
}
