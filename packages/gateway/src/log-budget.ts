/**
 * A budget of log lines per second for events an attacker or an outage can repeat at will (refused API
 * keys, failed webhooks): the first lines show what happens, the rest are counted and the count is
 * reported on the next line that is written.
 */
export class LogBudget {
  private tokens: number;
  private updatedAt = 0;
  private suppressed = 0;

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = perSecond;
  }

  /**
   * Undefined when the line must be dropped; otherwise how many were dropped since the last one written
   * (to log alongside it).
   */
  take(): { suppressed: number } | undefined {
    const now = this.now();
    this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.updatedAt) / 1000) * this.perSecond);
    this.updatedAt = now;
    if (this.tokens < 1) {
      this.suppressed++;
      return undefined;
    }
    this.tokens -= 1;
    const suppressed = this.suppressed;
    this.suppressed = 0;
    return { suppressed };
  }
}
