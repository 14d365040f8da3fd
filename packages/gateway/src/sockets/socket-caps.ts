/**
 * Open sockets per client address and per node (issue 12.7): past either cap a new socket is refused at
 * the upgrade (429 / 503, before any per-socket memory), so a flood from one address cannot take the
 * node's file descriptors and the node never reaches the file limit where accept() spins. The table only
 * holds addresses with an open socket, so it is bounded by the node cap.
 */
export type SocketCapRefusal = 'address' | 'node';

export class SocketCaps {
  private readonly perAddress = new Map<string, number>();
  private open = 0;

  constructor(
    private readonly maxPerAddress: number,
    private readonly maxPerNode: number,
  ) {}

  /** Why a new socket from `address` would be over a cap, or undefined. */
  refusal(address: string): SocketCapRefusal | undefined {
    if (this.open >= this.maxPerNode) return 'node';
    if ((this.perAddress.get(address) ?? 0) >= this.maxPerAddress) return 'address';
    return undefined;
  }

  /** Counts an opened socket. */
  add(address: string): void {
    this.open++;
    this.perAddress.set(address, (this.perAddress.get(address) ?? 0) + 1);
  }

  /** Uncounts a socket counted by `add`. */
  release(address: string): void {
    this.open--;
    const left = (this.perAddress.get(address) ?? 1) - 1;
    if (left <= 0) this.perAddress.delete(address);
    else this.perAddress.set(address, left);
  }
}
