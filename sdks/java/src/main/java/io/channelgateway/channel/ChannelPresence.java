package io.channelgateway.channel;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A presence webhook, parsed and verified: which client connected or disconnected, as
 * {@code com.google.appengine.api.channel.ChannelPresence}. Immutable.
 */
public final class ChannelPresence {
  private final boolean connected;
  private final String clientId;
  private final String eventId;
  private final Instant eventTime;

  /**
   * GAE's constructor.
   *
   * @param isConnected true for {@code /_ah/channel/connected/}, false for {@code /_ah/channel/disconnected/}
   * @param clientId the client ID the webhook is about
   */
  public ChannelPresence(boolean isConnected, String clientId) {
    this(isConnected, clientId, null, null);
  }

  /**
   * With the gateway's event details.
   *
   * @param eventId the {@code X-Channel-Event-Id}, or {@code null}
   * @param eventTime the {@code X-Channel-Event-Time}, or {@code null}
   */
  public ChannelPresence(boolean isConnected, String clientId, String eventId, Instant eventTime) {
    this.connected = isConnected;
    this.clientId = Objects.requireNonNull(clientId, "clientId");
    this.eventId = eventId;
    this.eventTime = eventTime;
  }

  /** The client ID the webhook is about (the form field {@code from}). */
  public String clientId() {
    return clientId;
  }

  /** True when the client connected, false when it left for good. */
  public boolean isConnected() {
    return connected;
  }

  /**
   * The event's ID: delivery is at least once, so the same event may arrive twice with the same ID; handle
   * it once. (The gateway's {@code X-Channel-Event-Id}, covered by the v2 signature, as the event is.)
   */
  public Optional<String> eventId() {
    return Optional.ofNullable(eventId);
  }

  /**
   * When the client connected or left. Retries can deliver events out of order: compare these to discard a
   * stale one. (The gateway's {@code X-Channel-Event-Time}.)
   */
  public Optional<Instant> eventTime() {
    return Optional.ofNullable(eventTime);
  }

  @Override
  public boolean equals(Object other) {
    if (!(other instanceof ChannelPresence)) return false;
    ChannelPresence that = (ChannelPresence) other;
    return connected == that.connected && clientId.equals(that.clientId) && Objects.equals(eventId, that.eventId)
        && Objects.equals(eventTime, that.eventTime);
  }

  @Override
  public int hashCode() {
    return Objects.hash(connected, clientId, eventId, eventTime);
  }

  @Override
  public String toString() {
    return "ChannelPresence{" + (connected ? "connected" : "disconnected") + ", clientId=" + clientId + "}";
  }
}
