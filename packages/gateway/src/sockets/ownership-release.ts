/**
 * Releasing a closed socket's ownership of its client: the one path every close takes (the socket server's
 * close handler, and its hello step for a socket that left during its attach: SocketServer.hello).
 *
 * A release that cannot reach the store is retried until it does: otherwise the client would stay owned by
 * a socket that is gone and its disconnected webhook would never be sent. The retry queue is bounded
 * (cg_detaches_pending); a release pushed out of a full queue is logged and counted
 * (cg_release_drops_total), never dropped silently.
 *
 * It also remembers how far each closed socket delivered, until a little after its release, so that a
 * newer socket taking the client over can be told (see hello.ts and docs/PROTOCOL.md).
 */
import type { ChannelStore } from '../channels/channel-store.js';
import { isStoreOutage } from '../stores/store-health.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { GatewayMetrics } from '../ops/metrics.js';
import type { NodeLiveness } from '../presence/node-liveness.js';
import type { Connection } from './connection.js';
import type { ConnectionRegistry } from './connection-registry.js';

/** Releases kept for retry; past this the oldest is given up (counted) and its channel expires in time. */
export const MAX_QUEUED_RELEASES = 100_000;
/** Retries per round, so a long outage does not end in one burst of 100 000 scripts. */
const RETRY_BATCH = 500;
/** How long a released socket's delivered position is remembered for a takeover (longer than its wait). */
const REMEMBER_MS = 5_000;
const MAX_REMEMBERED = 10_000;

export interface ReleaseDeps {
  nodeId: string;
  channels: ChannelStore;
  liveness: NodeLiveness;
  registry: ConnectionRegistry;
  clock: Clock;
  metrics: GatewayMetrics;
  logger: Logger;
}

interface ClosedSocket {
  readonly clientId: string;
  readonly connectionId: string;
  readonly epoch: string;
  readonly deliveredSeq: number;
}

export class OwnershipRelease {
  /** Releases in flight, so a draining node can wait for ownership to be released. */
  private readonly inFlight = new Set<Promise<void>>();
  /** Releases not yet done (in flight or waiting for a retry), by connection ID. */
  private readonly unreleased = new Map<string, ClosedSocket>();
  /** Failed releases waiting for a retry, oldest first. */
  private readonly queued = new Map<string, ClosedSocket>();
  /** Released sockets' delivered positions, oldest first, with when they were released (performance.now()). */
  private readonly remembered = new Map<string, { readonly socket: ClosedSocket; readonly at: number }>();
  private retrying = false;

  constructor(
    private readonly deps: ReleaseDeps,
    private readonly maxQueued = MAX_QUEUED_RELEASES,
  ) {}

  /** The socket closed after attaching: it stops being its client's target here and in the store. */
  release(connection: Connection): void {
    this.deps.registry.remove(connection);
    const socket: ClosedSocket = { clientId: connection.clientId, connectionId: connection.id, epoch: connection.epoch, deliveredSeq: connection.lastSeq };
    this.unreleased.set(socket.connectionId, socket);
    this.track(this.attempt(socket));
  }

  /** How far closed socket `connectionId` delivered in `epoch`, while this node still knows. */
  deliveredSeq(connectionId: string, epoch?: string): number | undefined {
    const socket = this.unreleased.get(connectionId) ?? this.remembered.get(connectionId)?.socket;
    return socket && (epoch === undefined || socket.epoch === epoch) ? socket.deliveredSeq : undefined;
  }

  /** Releases waiting for a retry (cg_detaches_pending). */
  get pending(): number {
    return this.queued.size;
  }

  /** Resolves once every release started so far has finished (succeeded or queued for a retry). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  /** Retries queued releases (called from the socket server's ticker) and forgets old positions. */
  retryQueued(): void {
    const cutoff = performance.now() - REMEMBER_MS;
    for (const [id, entry] of this.remembered) {
      if (entry.at > cutoff) break;
      this.remembered.delete(id);
    }
    if (this.retrying || this.queued.size === 0) return;
    this.retrying = true;
    const batch: ClosedSocket[] = [];
    for (const [id, socket] of this.queued) {
      if (batch.length >= RETRY_BATCH) break;
      this.queued.delete(id);
      batch.push(socket);
    }
    const round = Promise.all(batch.map((socket) => this.attempt(socket))).finally(() => {
      this.retrying = false;
      this.deps.metrics.detachesPending.set(this.queued.size);
    });
    this.track(round.then(() => undefined));
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private async attempt(socket: ClosedSocket): Promise<void> {
    const { registry, channels, liveness, nodeId, clock, logger } = this.deps;
    try {
      await channels.detach(socket.clientId, { nodeId, connectionId: socket.connectionId }, socket.epoch, socket.deliveredSeq, clock.now());
      // A newer local socket for the client keeps it indexed under this node.
      if (!registry.get(socket.clientId)) await liveness.untrackClient(nodeId, socket.clientId);
    } catch (error) {
      // An outage is logged once by the store's health tracker, not once per socket.
      if (!isStoreOutage(error)) logger.warn({ err: (error as Error).message, clientId: socket.clientId }, 'releasing a closed socket failed; will retry');
      return this.queue(socket);
    }
    this.unreleased.delete(socket.connectionId);
    this.remember(socket);
  }

  private queue(socket: ClosedSocket): void {
    if (this.queued.size >= this.maxQueued) {
      const [oldestId, oldest] = this.queued.entries().next().value!;
      this.queued.delete(oldestId);
      this.unreleased.delete(oldestId);
      this.deps.metrics.releaseDrops.inc();
      this.deps.logger.error(
        { clientId: oldest.clientId, queued: this.queued.size },
        'release retry queue full: gave up the oldest (the client stays owned until its channel expires)',
      );
    }
    this.queued.set(socket.connectionId, socket);
    this.deps.metrics.detachesPending.set(this.queued.size);
  }

  private remember(socket: ClosedSocket): void {
    if (this.remembered.size >= MAX_REMEMBERED) this.remembered.delete(this.remembered.keys().next().value!);
    this.remembered.set(socket.connectionId, { socket, at: performance.now() });
  }
}
