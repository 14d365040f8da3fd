import { CloseCode } from '@channel-gateway/protocol';
import type { InboxMessage } from '../channels/node-inbox.js';
import type { GatewayMetrics } from '../ops/metrics.js';
import type { Connection } from './connection.js';

/**
 * The sockets this node holds, by client ID (one per client: the newest wins), and the dispatch of the
 * node's inbox to them.
 */
export class ConnectionRegistry {
  private readonly byClient = new Map<string, Connection>();

  constructor(private readonly metrics: GatewayMetrics) {}

  /** Makes `connection` the target for its client's messages while it attaches. */
  claim(connection: Connection): void {
    const current = this.byClient.get(connection.clientId);
    if (current && current !== connection && current.state !== 'closed') connection.previous = current;
    this.byClient.set(connection.clientId, connection);
  }

  /** Attach succeeded: the socket it replaces on this node, if any, is closed. */
  confirm(connection: Connection): void {
    const previous = connection.previous;
    connection.previous = undefined;
    previous?.close(CloseCode.REPLACED);
  }

  /** Attach failed: the previous socket (if still open) gets its client and whatever arrived meanwhile. */
  abandon(connection: Connection): void {
    if (this.byClient.get(connection.clientId) !== connection) return;
    const previous = connection.previous;
    connection.previous = undefined;
    if (previous && previous.state === 'open') {
      this.byClient.set(connection.clientId, previous);
      for (const message of connection.pending ?? []) previous.deliver(message);
    } else {
      this.byClient.delete(connection.clientId);
    }
    connection.pending = undefined;
  }

  /** The socket closed. */
  remove(connection: Connection): void {
    if (this.byClient.get(connection.clientId) === connection) this.byClient.delete(connection.clientId);
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
      if (connection.deliver(message)) this.metrics.deliveries.inc();
      return;
    }
    const target = this.find(connection, message.connectionId);
    target?.close(message.kind === 'replaced' ? CloseCode.REPLACED : CloseCode.INVALID_TOKEN);
  }

  private find(connection: Connection | undefined, connectionId: string): Connection | undefined {
    if (connection?.id === connectionId) return connection;
    if (connection?.previous?.id === connectionId) return connection.previous;
    return undefined;
  }
}
