package io.channelgateway.channel;

import java.util.Objects;

/**
 * A presence webhook, parsed and verified: which client connected or disconnected, as
 * {@code com.google.appengine.api.channel.ChannelPresence}. Immutable.
 */
public final class ChannelPresence {
  private final boolean connected;
  private final String clientId;

  /**
   * @param isConnected true for {@code /_ah/channel/connected/}, false for {@code /_ah/channel/disconnected/}
   * @param clientId the client ID the webhook is about
   */
  public ChannelPresence(boolean isConnected, String clientId) {
    this.connected = isConnected;
    this.clientId = Objects.requireNonNull(clientId, "clientId");
  }

  /** The client ID the webhook is about (the form field {@code from}). */
  public String clientId() {
    return clientId;
  }

  /** True when the client connected, false when it left for good. */
  public boolean isConnected() {
    return connected;
  }

  @Override
  public boolean equals(Object other) {
    if (!(other instanceof ChannelPresence)) return false;
    ChannelPresence that = (ChannelPresence) other;
    return connected == that.connected && clientId.equals(that.clientId);
  }

  @Override
  public int hashCode() {
    return Objects.hash(connected, clientId);
  }

  @Override
  public String toString() {
    return "ChannelPresence{" + (connected ? "connected" : "disconnected") + ", clientId=" + clientId + "}";
  }
}
