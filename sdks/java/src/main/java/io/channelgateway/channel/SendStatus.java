package io.channelgateway.channel;

/** What the gateway did with a message. */
public enum SendStatus {
  /** The node holding the client's socket received it. */
  ROUTED("routed"),
  /** The channel is live but no socket is open: the message waits in the buffer until one opens. */
  QUEUED("queued"),
  /** No live channel (unknown, expired or revoked): the message was dropped, as GAE dropped it. */
  NO_CHANNEL("no_channel"),
  /** Batch sends only: the gateway refused this item (see {@link SendResult#error()}); the others were sent. */
  INVALID("invalid");

  private final String wireName;

  SendStatus(String wireName) {
    this.wireName = wireName;
  }

  /** The status as the HTTP API spells it, e.g. {@code no_channel}. */
  public String wireName() {
    return wireName;
  }

  /**
   * The status for an API spelling.
   *
   * @throws IllegalArgumentException for a status this SDK does not know
   */
  public static SendStatus fromWireName(String wireName) {
    for (SendStatus status : values()) {
      if (status.wireName.equals(wireName)) return status;
    }
    throw new IllegalArgumentException("unknown send status: " + wireName);
  }
}
