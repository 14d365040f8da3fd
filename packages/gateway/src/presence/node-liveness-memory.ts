import type { NodeLiveness } from './node-liveness.js';

/** Single-process liveness: with one node there is nobody else to reap, but the bookkeeping is the same. */
export class MemoryNodeLiveness implements NodeLiveness {
  private readonly heartbeats = new Map<string, number>();
  private readonly clients = new Map<string, Set<string>>();
  private readonly reaping = new Map<string, number>();

  async heartbeat(nodeId: string, now: number): Promise<void> {
    this.heartbeats.set(nodeId, now);
  }

  async staleNodes(cutoff: number): Promise<string[]> {
    return [...this.heartbeats].filter(([, at]) => at < cutoff).map(([nodeId]) => nodeId);
  }

  async liveCount(cutoff: number): Promise<number> {
    return [...this.heartbeats.values()].filter((at) => at >= cutoff).length;
  }

  async trackClient(nodeId: string, clientId: string): Promise<void> {
    let set = this.clients.get(nodeId);
    if (!set) this.clients.set(nodeId, (set = new Set()));
    set.add(clientId);
  }

  async untrackClient(nodeId: string, clientId: string): Promise<void> {
    this.clients.get(nodeId)?.delete(clientId);
  }

  async *clientsOf(nodeId: string): AsyncIterable<string[]> {
    const all = [...(this.clients.get(nodeId) ?? [])];
    for (let i = 0; i < all.length; i += 500) yield all.slice(i, i + 500);
  }

  async claimReap(nodeId: string, leaseMs: number): Promise<boolean> {
    const now = Date.now();
    if ((this.reaping.get(nodeId) ?? 0) > now) return false;
    this.reaping.set(nodeId, now + leaseMs);
    return true;
  }

  async forget(nodeId: string): Promise<void> {
    this.heartbeats.delete(nodeId);
    this.clients.delete(nodeId);
    this.reaping.delete(nodeId);
  }
}
