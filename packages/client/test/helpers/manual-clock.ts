/** Timers the test fires by hand, so reconnect delays can be read and no test waits on real time. */
export interface ManualTimer {
  readonly ms: number;
  readonly callback: () => void;
}

export class ManualClock {
  readonly pending: ManualTimer[] = [];
  private readonly waiters: Array<() => void> = [];

  readonly setTimeout = (callback: () => void, ms: number): unknown => {
    const timer: ManualTimer = { ms, callback };
    this.pending.push(timer);
    for (const waiter of this.waiters.splice(0)) waiter();
    return timer;
  };

  readonly clearTimeout = (handle: unknown): void => {
    const index = this.pending.indexOf(handle as ManualTimer);
    if (index >= 0) this.pending.splice(index, 1);
  };

  /** The first pending timer that matches, as soon as one is scheduled. */
  timer(matches: (timer: ManualTimer) => boolean = () => true): Promise<ManualTimer> {
    return new Promise((resolve) => {
      const check = (): void => {
        const found = this.pending.find(matches);
        if (found) resolve(found);
        else this.waiters.push(check);
      };
      check();
    });
  }

  fire(timer: ManualTimer): void {
    this.clearTimeout(timer);
    timer.callback();
  }
}

/** The manual timers, plus a local clock (for `now`) that moves on by each timer fired, from a time far from any gateway's. */
export class MovingClock extends ManualClock {
  time = 5_000;
  readonly now = (): number => this.time;
  override fire(timer: ManualTimer): void {
    this.time += timer.ms;
    super.fire(timer);
  }
}
