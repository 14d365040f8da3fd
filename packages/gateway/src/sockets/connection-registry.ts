import { CloseCode } from '@channel-gateway/protocol';
import type { BufferedMessage } from '../channels/channel-store.js';
import type { InboxMessage } from '../channels/node-inbox.js';
import type { GatewayMetrics } from '../ops/metrics.js';
import type { Connection } from './connection.js';

/** How long live messages wait for a missing seq before the socket is resynced (see Connection.held). */
export const GAP_WAIT_MS = 500;

type HandoverMessage = Extract<InboxMessage, { kind: 'handover' }>;

/** What the registry needs to answer another node's takeover (wired by the socket server). */
export interface HandoverPeer {
  /** How far a socket of this node that already closed had delivered, while the node still knows. */
  deliveredSeq(connectionId: string): number | undefined;
  /** Sends the answer to the node holding the newer socket. */
  answer(nodeId: string, message: HandoverMessage): void;
}

/**
 * The sockets this node holds, by client ID (one per client: the newest wins), and the dispatch of the
 * node's inbox to them.
 */
export class ConnectionRegistry {
  private readonly byClient = new Map<string, Connection>();
  /** Sockets holding messages behind a missing seq; one node-wide timer checks them, not one per socket. */
  private readonly waitingForGap = new Set<Connection>();
  private gapTimer: NodeJS.Timeout | undefined;
  /** Newer sockets waiting to hear how far the socket they replaced on another node delivered, by connection ID. */
  private readonly handovers = new Map<string, (deliveredSeq: number) => void>();
  private peer: HandoverPeer | undefined;

  constructor(
    private readonly metrics: GatewayMetrics,
    private readonly gapWaitMs = GAP_WAIT_MS,
  ) {}

  /** Makes `connection` the target for its client's messages while it attaches. */
  claim(connection: Connection): void {
    const current = this.byClient.get(connection.clientId);
    if (current && current !== connection && current.state !== 'closed') connection.replacing(current);
    this.byClient.set(connection.clientId, connection);
  }

  /** Attach succeeded: the socket it replaces on this node, if any, is closed. */
  confirm(connection: Connection): void {
    connection.takePrevious()?.close(CloseCode.REPLACED);
  }

  /** Attach failed: the previous socket (if still open) gets its client and whatever arrived meanwhile. */
  abandon(connection: Connection): void {
    if (this.byClient.get(connection.clientId) !== connection) return;
    const previous = connection.takePrevious();
    const pending = connection.takePending();
    if (previous && previous.state === 'open') {
      this.byClient.set(connection.clientId, previous);
      for (const message of pending) this.deliver(previous, message);
    } else {
      this.byClient.delete(connection.clientId);
    }
  }

  /** The socket closed. */
  remove(connection: Connection): void {
    if (this.byClient.get(connection.clientId) === connection) this.byClient.delete(connection.clientId);
  }

  /** Lets the registry answer takeovers from other nodes. */
  answerHandoversWith(peer: HandoverPeer): void {
    this.peer = peer;
  }

  /**
   * Waits (at most `timeoutMs`) for the node of the socket that `connectionId` replaced to say how far it
   * delivered: resolves with that seq, -1 when that node no longer knew, or undefined on timeout or cancel.
   */
  awaitHandover(connectionId: string, timeoutMs: number): { answer: Promise<number | undefined>; cancel(): void } {
    let settle: (value: number | undefined) => void = () => {};
    const answer = new Promise<number | undefined>((resolve) => (settle = resolve));
    const timer = setTimeout(() => done(undefined), timeoutMs);
    const done = (value: number | undefined) => {
      clearTimeout(timer);
      if (this.handovers.get(connectionId) === receive) this.handovers.delete(connectionId);
      settle(value);
    };
    const receive = (deliveredSeq: number) => done(deliveredSeq);
    this.handovers.set(connectionId, receive);
    return { answer, cancel: () => done(undefined) };
  }

  get(clientId: string): Connection | undefined {
    return this.byClient.get(clientId);
  }

  all(): IterableIterator<Connection> {
    return this.byClient.values();
  }

  get size(): number {
    return this.byClient.size;
  }

  dispatch(message: InboxMessage): void {
    const connection = this.byClient.get(message.clientId);
    if (message.kind === 'deliver') {
      if (!connection) {
        // The socket closed after the send was routed; the message stays in the buffer for the next one.
        this.metrics.countDrop('no_socket');
        return;
      }
      this.deliver(connection, message);
      return;
    }
    if (message.kind === 'handover') {
      this.handovers.get(message.connectionId)?.(message.deliveredSeq);
      return;
    }
    // Token refreshes are not the registry's (gateway-node hands them to sockets/token-refresh.ts).
    if (message.kind === 'refresh' || message.kind === 'refresh-answer') return;
    const target = this.find(connection, message.connectionId);
    target?.close(message.kind === 'revoked' ? CloseCode.INVALID_TOKEN : CloseCode.REPLACED);
    if (message.kind === 'ask-delivered') {
      // Closed (by the `replaced` before it, or above), so its position is final; a socket that closed
      // earlier is known to the release path.
      const deliveredSeq = target ? target.lastSeq : (this.peer?.deliveredSeq(message.connectionId) ?? -1);
      this.peer?.answer(message.to.nodeId, { kind: 'handover', clientId: message.clientId, connectionId: message.to.connectionId, deliveredSeq });
    }
  }

  /** A live message for `connection`, counted; watched if it has to wait for a missing seq. */
  deliver(connection: Connection, message: BufferedMessage): void {
    const written = connection.deliver(message);
    if (written > 0) this.metrics.deliveries.inc(written);
    if (connection.isHolding() && !this.waitingForGap.has(connection)) {
      this.waitingForGap.add(connection);
      this.gapTimer ??= setTimeout(() => this.checkGaps(), this.gapWaitMs);
    }
  }

  /**
   * The node's subscription was interrupted: live messages sent meanwhile never reached it (they are in
   * the buffers). Every socket reconnects and resumes from where it is.
   */
  resyncAll(): number {
    let closed = 0;
    for (const connection of this.byClient.values()) {
      if (connection.isClosed()) continue;
      connection.close(CloseCode.RESYNC);
      closed++;
    }
    return closed;
  }

  /**
   * A seq that has not come within the wait will not come (a lost publish): resync those sockets. Timers
   * run before the event loop reads sockets, so after a stall the missing seq may be sitting unread: the
   * overdue sockets get one more poll phase (setImmediate runs right after it) before they are closed.
   */
  private checkGaps(): void {
    this.gapTimer = undefined;
    const cutoff = performance.now() - this.gapWaitMs;
    const overdue: Connection[] = [];
    for (const connection of this.waitingForGap) {
      if (!connection.isHolding() || connection.isClosed()) this.waitingForGap.delete(connection);
      else if (connection.heldBefore(cutoff)) overdue.push(connection);
    }
    if (overdue.length > 0) {
      setImmediate(() => {
        for (const connection of overdue) {
          if (!connection.heldBefore(cutoff)) continue; // filled meanwhile (or closed)
          this.waitingForGap.delete(connection);
          connection.close(CloseCode.RESYNC);
        }
      });
    }
    if (this.waitingForGap.size > 0) this.gapTimer = setTimeout(() => this.checkGaps(), this.gapWaitMs / 2);
  }

  /** Stops the gap timer (node shutdown). */
  stop(): void {
    clearTimeout(this.gapTimer);
    this.gapTimer = undefined;
    this.waitingForGap.clear();
  }

  private find(connection: Connection | undefined, connectionId: string): Connection | undefined {
    if (connection?.id === connectionId) return connection;
    if (connection?.previous?.id === connectionId) return connection.previous;
    return undefined;
  }
}
