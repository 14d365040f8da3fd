/**
 * Deadlines for many sockets without a timer per socket: items sit in one-second buckets and a single
 * interval takes the due ones. An item fires at or after its deadline, at most one resolution late.
 */
export class DeadlineWheel<T> {
  private readonly buckets = new Map<number, Set<T>>();
  private nextBucket: number;

  constructor(
    now: number,
    private readonly resolutionMs = 1000,
  ) {
    this.nextBucket = Math.floor(now / resolutionMs);
  }

  /** Schedules `item`; returns the bucket to pass to `remove`. */
  add(item: T, deadline: number): number {
    const bucket = Math.max(Math.ceil(deadline / this.resolutionMs), this.nextBucket);
    let set = this.buckets.get(bucket);
    if (!set) this.buckets.set(bucket, (set = new Set()));
    set.add(item);
    return bucket;
  }

  remove(item: T, bucket: number): void {
    const set = this.buckets.get(bucket);
    if (!set) return;
    set.delete(item);
    if (set.size === 0) this.buckets.delete(bucket);
  }

  /** Removes and returns every item whose deadline has passed at `now`. */
  takeDue(now: number): T[] {
    const last = Math.floor(now / this.resolutionMs);
    const due: T[] = [];
    const take = (bucket: number) => {
      const set = this.buckets.get(bucket);
      if (!set) return;
      this.buckets.delete(bucket);
      for (const item of set) due.push(item);
    };
    if (last - this.nextBucket > this.buckets.size) {
      // The clock jumped far ahead (or the process stalled): walking the buckets is cheaper than the seconds.
      for (const bucket of [...this.buckets.keys()]) if (bucket <= last) take(bucket);
    } else {
      for (let bucket = this.nextBucket; bucket <= last; bucket++) take(bucket);
    }
    this.nextBucket = Math.max(this.nextBucket, last + 1);
    return due;
  }

  get size(): number {
    let size = 0;
    for (const set of this.buckets.values()) size += set.size;
    return size;
  }
}
