package io.channelgateway.channel;

import java.util.Objects;

/** What the gateway answered for one message. Immutable. */
public final class SendResult {
  private final String clientId;
  private final SendStatus status;
  private final GatewayError error;

  /**
   * @param clientId the recipient's client ID (for a token, the one it resolved to), or {@code null}
   * @param status what happened to the message
   * @param error the gateway's reason when {@code status} is {@link SendStatus#INVALID}, else {@code null}
   */
  public SendResult(String clientId, SendStatus status, GatewayError error) {
    this.clientId = clientId;
    this.status = Objects.requireNonNull(status, "status");
    this.error = error;
  }

  /**
   * The recipient's client ID. For a message sent by token, the client ID the token belongs to; {@code null}
   * when the token is unknown, expired or revoked ({@link SendStatus#NO_CHANNEL}).
   */
  public String clientId() {
    return clientId;
  }

  /** What happened to the message. */
  public SendStatus status() {
    return status;
  }

  /** Why the gateway refused this item of a batch, or {@code null}. */
  public GatewayError error() {
    return error;
  }

  @Override
  public boolean equals(Object other) {
    if (!(other instanceof SendResult)) return false;
    SendResult that = (SendResult) other;
    return Objects.equals(clientId, that.clientId) && status == that.status && Objects.equals(error, that.error);
  }

  @Override
  public int hashCode() {
    return Objects.hash(clientId, status, error);
  }

  @Override
  public String toString() {
    return "SendResult{clientId=" + clientId + ", status=" + status.wireName() + (error == null ? "" : ", error=" + error) + "}";
  }
}
