package io.channelgateway.channel;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with jitter: before retry {@code n} (from 1), a pause drawn uniformly from
 * {@code [d/2, d]} with {@code d = min(cap, base·2^(n-1))}. The lower half keeps a refused connection from
 * being retried in a tight loop; the random half keeps many senders from retrying in step.
 */
final class Backoff {
  private final long baseNanos;
  private final long capNanos;

  Backoff(Duration base, Duration cap) {
    this.baseNanos = base.toNanos();
    this.capNanos = cap.toNanos();
  }

  long pauseNanos(int attempt) {
    int doublings = Math.min(Math.max(attempt - 1, 0), 30);
    long ceiling = Math.min(capNanos, baseNanos << doublings);
    long half = ceiling / 2;
    return half + ThreadLocalRandom.current().nextLong(ceiling - half + 1);
  }
}
