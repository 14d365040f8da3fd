/**
 * Full-jitter exponential backoff: attempt n waits uniformly in [0, min(cap, base·2ⁿ)].
 * Spreading retries over the whole window (rather than around its edge) stops the thousands of
 * clients that lost the same node from coming back in lockstep and knocking over the next one.
 */
export interface BackoffSettings {
  readonly baseMs: number;
  readonly capMs: number;
}

const MAX_EXPONENT = 32;

export class Backoff {
  private attempt = 0;

  constructor(
    private readonly settings: BackoffSettings,
    private readonly random: () => number,
  ) {}

  /** The wait before the next attempt; each call doubles the window until it reaches the cap. */
  next(): number {
    const { baseMs, capMs } = this.settings;
    const ceiling = Math.min(capMs, baseMs * 2 ** this.attempt);
    // Past the cap the exponent no longer matters; stopping it keeps 2ⁿ finite (0·∞ would be NaN).
    if (ceiling < capMs && this.attempt < MAX_EXPONENT) this.attempt += 1;
    return this.random() * ceiling;
  }

  /** Called once a connection has proved stable, so the next failure starts from a short wait again. */
  reset(): void {
    this.attempt = 0;
  }
}
