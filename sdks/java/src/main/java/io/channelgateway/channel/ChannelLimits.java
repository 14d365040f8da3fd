package io.channelgateway.channel;

/** GAE's limits, which the gateway enforces and this SDK checks before any request. */
public final class ChannelLimits {
  /** Longest client ID, in bytes of UTF-8. */
  public static final int MAXIMUM_CLIENT_ID_BYTES = 256;
  /** Longest message, in bytes of UTF-8. */
  public static final int MAXIMUM_MESSAGE_BYTES = 32_767;
  /** Shortest token lifetime, in minutes. */
  public static final int MINIMUM_TOKEN_DURATION_MINUTES = 1;
  /** Longest token lifetime, in minutes (24 hours). */
  public static final int MAXIMUM_TOKEN_DURATION_MINUTES = 24 * 60;
  /** Token lifetime when none is given, in minutes. */
  public static final int DEFAULT_TOKEN_DURATION_MINUTES = 120;
  /** Most messages in one batch send. */
  public static final int MAXIMUM_BATCH_MESSAGES = 1_000;
  /** Longest idempotency key, in characters (visible ASCII). */
  public static final int MAXIMUM_IDEMPOTENCY_KEY_CHARS = 256;

  private ChannelLimits() {}
}
