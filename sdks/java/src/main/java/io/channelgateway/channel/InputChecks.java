package io.channelgateway.channel;

import static io.channelgateway.channel.ChannelLimits.MAXIMUM_CLIENT_ID_BYTES;
import static io.channelgateway.channel.ChannelLimits.MAXIMUM_IDEMPOTENCY_KEY_CHARS;
import static io.channelgateway.channel.ChannelLimits.MAXIMUM_MESSAGE_BYTES;
import static io.channelgateway.channel.ChannelLimits.MAXIMUM_TOKEN_DURATION_MINUTES;
import static io.channelgateway.channel.ChannelLimits.MINIMUM_TOKEN_DURATION_MINUTES;

/**
 * The checks made before any request. Each failure is an {@link IllegalArgumentException}, the type GAE's
 * Java SDK threw for the same limits, with a message naming the problem.
 */
final class InputChecks {
  /** Longest token the gateway accepts in a send (its own are 43 characters). */
  private static final int MAXIMUM_TOKEN_CHARS = 512;

  private InputChecks() {}

  static void clientId(String clientId) {
    if (clientId == null) throw new IllegalArgumentException("Invalid client ID: it is null.");
    if (clientId.isEmpty()) throw new IllegalArgumentException("Invalid client ID: it is empty.");
    if (hasControlCharacter(clientId)) {
      throw new IllegalArgumentException("Invalid client ID: it contains a control character.");
    }
    int bytes = utf8Length(clientId, "client ID");
    if (bytes > MAXIMUM_CLIENT_ID_BYTES) {
      throw new IllegalArgumentException(
          "Invalid client ID: it is " + bytes + " bytes of UTF-8; at most " + MAXIMUM_CLIENT_ID_BYTES + " are allowed.");
    }
  }

  static void message(String message) {
    if (message == null) throw new IllegalArgumentException("Invalid message: it is null.");
    int bytes = utf8Length(message, "message");
    if (bytes > MAXIMUM_MESSAGE_BYTES) {
      throw new IllegalArgumentException(
          "Invalid message: it is " + bytes + " bytes of UTF-8; at most " + MAXIMUM_MESSAGE_BYTES + " are allowed.");
    }
  }

  static void token(String token) {
    if (token == null || token.isEmpty()) throw new IllegalArgumentException("Invalid token: it is null or empty.");
    if (token.length() > MAXIMUM_TOKEN_CHARS || hasControlCharacter(token)) {
      throw new IllegalArgumentException("Invalid token: not a token that createChannel returned.");
    }
    utf8Length(token, "token");
  }

  static void durationMinutes(int minutes) {
    if (minutes < MINIMUM_TOKEN_DURATION_MINUTES || minutes > MAXIMUM_TOKEN_DURATION_MINUTES) {
      throw new IllegalArgumentException("Invalid token duration: " + minutes + " minutes; it must be from "
          + MINIMUM_TOKEN_DURATION_MINUTES + " to " + MAXIMUM_TOKEN_DURATION_MINUTES + ".");
    }
  }

  static void idempotencyKey(String key) {
    if (key == null) return;
    boolean visibleAscii = !key.isEmpty() && key.length() <= MAXIMUM_IDEMPOTENCY_KEY_CHARS
        && key.chars().allMatch(c -> c >= 0x21 && c <= 0x7e);
    if (!visibleAscii) {
      throw new IllegalArgumentException("Invalid idempotency key: it must be 1 to "
          + MAXIMUM_IDEMPOTENCY_KEY_CHARS + " visible ASCII characters.");
    }
  }

  /** Checks either address and the message of one item. */
  static void channelMessage(ChannelMessage message) {
    if (message == null) throw new IllegalArgumentException("Invalid message: the ChannelMessage is null.");
    if (message.isAddressedByToken()) token(message.getToken());
    else clientId(message.getClientId());
    message(message.getMessage());
    idempotencyKey(message.getIdempotencyKey());
  }

  /** The gateway's rule: C0 and C1 control characters, including DEL. */
  private static boolean hasControlCharacter(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c <= 0x1f || (c >= 0x7f && c <= 0x9f)) return true;
    }
    return false;
  }

  /**
   * The UTF-8 length. A lone surrogate has no UTF-8 form: Java would silently encode it as {@code ?}, so the
   * gateway would get a different string than the caller passed. Refuse it instead.
   */
  static int utf8Length(String text, String what) {
    int bytes = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x80) {
        bytes += 1;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
        bytes += 4;
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new IllegalArgumentException("Invalid " + what + ": it contains a lone UTF-16 surrogate at index " + i + ".");
      } else {
        bytes += 3;
      }
    }
    return bytes;
  }
}
