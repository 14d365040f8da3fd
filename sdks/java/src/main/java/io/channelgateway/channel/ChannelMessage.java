package io.channelgateway.channel;

import java.util.Objects;

/**
 * A message for one client, as {@code com.google.appengine.api.channel.ChannelMessage}: addressed by client
 * ID ({@code new ChannelMessage(clientId, message)}) or, as GAE also allowed, by the token that
 * {@code createChannel} returned ({@link #toToken}). Immutable. Limits are checked when it is sent.
 */
public final class ChannelMessage {
  private final boolean byToken;
  private final String clientId;
  private final String token;
  private final String message;
  private final String idempotencyKey;

  private ChannelMessage(boolean byToken, String clientId, String token, String message, String idempotencyKey) {
    this.byToken = byToken;
    this.clientId = clientId;
    this.token = token;
    this.message = message;
    this.idempotencyKey = idempotencyKey;
  }

  /**
   * A message for a client ID (GAE's constructor).
   *
   * @param clientId the ID given to {@code createChannel}: 1…256 bytes of UTF-8, no control characters
   * @param message at most 32,767 bytes of UTF-8, delivered byte for byte
   */
  public ChannelMessage(String clientId, String message) {
    this(false, clientId, null, message, null);
  }

  /**
   * A message for the client holding {@code token} (GAE accepted the token in place of the client ID). The
   * token travels in the request body, never in a URL. An unknown, expired or revoked token is not an
   * error: the send answers {@link SendStatus#NO_CHANNEL}.
   */
  public static ChannelMessage toToken(String token, String message) {
    return new ChannelMessage(true, null, token, message, null);
  }

  /**
   * The same message with the idempotency key to send it under. A repeat with the same key, through any
   * gateway node, is delivered once (and answered with the first status); the same key with another
   * client or message is refused ({@link ChannelFailureException} with status 409, or a batch item
   * {@link SendStatus#INVALID}). Without one, each send call generates its own key (used for all of that
   * call's retries).
   *
   * @param key 1…256 visible ASCII characters
   */
  public ChannelMessage withIdempotencyKey(String key) {
    return new ChannelMessage(byToken, clientId, token, message, key);
  }

  /** The client ID, or {@code null} when the message is addressed by token. */
  public String getClientId() {
    return clientId;
  }

  /** The token, or {@code null} when the message is addressed by client ID. */
  public String getToken() {
    return token;
  }

  /** Whether the message is addressed by token rather than client ID. */
  public boolean isAddressedByToken() {
    return byToken;
  }

  /** The message text. */
  public String getMessage() {
    return message;
  }

  /** The idempotency key given with {@link #withIdempotencyKey}, or {@code null}. */
  public String getIdempotencyKey() {
    return idempotencyKey;
  }

  @Override
  public boolean equals(Object other) {
    if (!(other instanceof ChannelMessage)) return false;
    ChannelMessage that = (ChannelMessage) other;
    return byToken == that.byToken
        && Objects.equals(clientId, that.clientId)
        && Objects.equals(token, that.token)
        && Objects.equals(message, that.message)
        && Objects.equals(idempotencyKey, that.idempotencyKey);
  }

  @Override
  public int hashCode() {
    return Objects.hash(byToken, clientId, token, message, idempotencyKey);
  }

  /** Names the recipient but never shows a token (tokens are secrets and must not reach logs). */
  @Override
  public String toString() {
    String to = byToken ? "token=<redacted>" : "clientId=" + clientId;
    int length = message == null ? 0 : message.length();
    return "ChannelMessage{" + to + ", message=<" + length + " chars>}";
  }
}
