/**
 * Whether the stores can serve right now, and why not. A connection that is merely open says little: a
 * Redis stopped by SIGSTOP (or swapping, or stuck in a slow script) keeps its connections open and
 * answers nothing; a full Redis (`maxmemory` with `noeviction`) answers every write with an OOM error.
 * So the Redis implementation probes: a small write every second, failed after the command timeout.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';

/** Why the stores cannot serve: Redis cannot be reached, does not answer, or refuses writes (out of memory). */
export type StoreUnavailable = 'unreachable' | 'not_answering' | 'full';

export interface StoreHealth {
  /** Undefined while the stores serve. */
  unavailable(): StoreUnavailable | undefined;
  stop(): void;
}

/** Recognises the Redis errors that mean "the store cannot serve now", as opposed to a bug. */
export function storeUnavailableBecause(error: unknown): StoreUnavailable | undefined {
  const message = error instanceof Error ? error.message : '';
  if (/\bOOM\b/.test(message)) return 'full';
  if (message === 'Command timed out') return 'not_answering';
  if (
    /^(Connection is closed|Reached the max retries per request limit|Stream isn't writeable)|^(LOADING|MASTERDOWN|BUSY|READONLY|CLUSTERDOWN|TRYAGAIN)\b/.test(
      message,
    )
  )
    return 'unreachable';
  return undefined;
}

/**
 * Whether an error is a store outage (Redis down, silent or full): the store health logs each outage
 * once, so per-request paths log only other errors (an outage would otherwise log a line per request).
 */
export function isStoreOutage(error: unknown): boolean {
  return storeUnavailableBecause(error) !== undefined;
}

export const READABLE_REASON: Record<StoreUnavailable, string> = {
  unreachable: 'redis unreachable',
  not_answering: 'redis not answering',
  full: 'redis refuses writes (out of memory)',
};

export const PROBE_INTERVAL_MS = 1_000;

/**
 * Probes with `SET <key> PX` every second (a write, so that a Redis refusing writes is noticed too).
 * Logs each change of state once: one line when an outage starts, one when it ends, without a stack.
 */
export class RedisStoreHealth implements StoreHealth {
  private state: StoreUnavailable | undefined;
  private everHealthy = false;
  /** The current outage began before Redis ever answered (a node started before its Redis). */
  private startingUp = false;
  private readonly timer: NodeJS.Timeout;
  private probing = false;
  private connectedOnce = false;
  /** A connection attempt failed before the first one succeeded (not merely slow): Redis is not there. */
  private refusedBeforeReady = false;

  constructor(
    private readonly redis: Redis,
    private readonly probeKey: string,
    private readonly logger: Logger,
  ) {
    this.connectedOnce = redis.status === 'ready';
    redis.on('ready', () => (this.connectedOnce = true));
    redis.on('error', () => {
      if (!this.connectedOnce) this.refusedBeforeReady = true;
    });
    this.timer = setInterval(() => void this.probe(), PROBE_INTERVAL_MS);
    this.timer.unref();
  }

  unavailable(): StoreUnavailable | undefined {
    if (this.redis.status !== 'ready') return 'unreachable';
    return this.state;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async probe(): Promise<void> {
    if (this.probing) return;
    if (this.redis.status !== 'ready') {
      // A first connection that is only slow (a loaded start) is not an outage to log; readiness fails
      // meanwhile all the same. One that was refused is: the start-up line says the node waits for Redis.
      if (this.connectedOnce || this.refusedBeforeReady) this.set('unreachable');
      return;
    }
    this.probing = true;
    try {
      await this.redis.set(this.probeKey, '1', 'PX', PROBE_INTERVAL_MS * 10);
      this.set(undefined);
      this.everHealthy = true;
    } catch (error) {
      this.set(storeUnavailableBecause(error) ?? 'unreachable', error);
    } finally {
      this.probing = false;
    }
  }

  private set(state: StoreUnavailable | undefined, error?: unknown): void {
    if (state === this.state) return;
    const was = this.state;
    this.state = state;
    const err = error instanceof Error ? error.message : undefined;
    // One warning when an outage starts; a change of cause within it (silent, then disconnected) is info,
    // at most one a probe (a second). A node started before its Redis (a compose file, a Redis still
    // booting) is not broken: its first line says what happens.
    if (state === 'unreachable' && !was && !this.everHealthy) {
      this.startingUp = true;
      this.logger.warn({ reason: READABLE_REASON[state], err }, 'redis unavailable at start-up: not ready until it answers (retrying)');
    } else if (state && !was) this.logger.warn({ reason: READABLE_REASON[state], err }, 'redis unhealthy');
    else if (state && was) this.logger.info({ reason: READABLE_REASON[state], was: READABLE_REASON[was], err }, 'redis still unhealthy');
    else if (was) this.logger.info({ was: READABLE_REASON[was] }, this.startingUp ? 'redis healthy' : 'redis healthy again');
    if (!state) this.startingUp = false;
  }
}
