/**
 * Which nodes are alive, and which clients each one holds, so that the survivors can release the clients
 * of a node that died without saying goodbye (kill -9, lost host).
 * Guarantee: a node that stops heartbeating is found by `staleNodes` once its last heartbeat is older
 * than the cut-off, and stays found until `forget`; its client set survives it until then.
 */
export interface NodeLiveness {
  heartbeat(nodeId: string, now: number): Promise<void>;
  /** Nodes whose last heartbeat is before `cutoff`. */
  staleNodes(cutoff: number): Promise<string[]>;
  /** Nodes that heartbeat at or after `cutoff`. */
  liveCount(cutoff: number): Promise<number>;
  trackClient(nodeId: string, clientId: string): Promise<void>;
  untrackClient(nodeId: string, clientId: string): Promise<void>;
  /** The clients a node was holding, in batches. */
  clientsOf(nodeId: string): AsyncIterable<string[]>;
  /** One reaper at a time per dead node; the lease ends by itself if that reaper dies too. */
  claimReap(nodeId: string, leaseMs: number): Promise<boolean>;
  /** The node is reaped (or left cleanly): drop its heartbeat, client set and lock. */
  forget(nodeId: string): Promise<void>;
}
