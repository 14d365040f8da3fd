package io.channelgateway.channel;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Function;

/**
 * Presence webhooks: the signature headers must be there, the path says connected or disconnected, the v2
 * signature must be that of this event, event ID and raw body, then the form field {@code from}
 * (urlencoded or multipart) gives the client ID.
 */
final class PresenceParser {
  /** A presence body is a client ID (≤ 256 bytes) in a form; anything near this is not one. */
  static final int MAXIMUM_BODY_BYTES = 64 * 1024;

  private PresenceParser() {}

  static ChannelPresence parse(String secret, Duration tolerance, String requestPath, Function<String, String> header,
      byte[] body, long nowMillis) {
    if (header == null || body == null) throw new IllegalArgumentException("headers and body are required");
    if (body.length > MAXIMUM_BODY_BYTES) throw new IllegalArgumentException("the body is too large for a presence webhook");
    String timestamp = header.apply("X-Channel-Timestamp");
    String signature = header.apply(WebhookSignature.HEADER);
    String eventId = header.apply("X-Channel-Event-Id");
    // Unsigned requests are refused as such, whatever their path.
    if (timestamp == null || signature == null || eventId == null) {
      throw new InvalidWebhookSignatureException("presence webhook refused: " + WebhookSignature.Verdict.MISSING.reason);
    }
    boolean connected = isConnectedPath(requestPath);
    WebhookSignature.Verdict verdict = WebhookSignature.check(secret, connected ? "connected" : "disconnected", eventId, timestamp, signature,
        body, nowMillis, tolerance);
    if (verdict != WebhookSignature.Verdict.VALID) {
      throw new InvalidWebhookSignatureException("presence webhook refused: " + verdict.reason);
    }
    String clientId = FormFields.first(header.apply("Content-Type"), body, "from");
    if (clientId == null || clientId.isEmpty()) {
      throw new IllegalArgumentException("presence webhook without a client ID (form field 'from')");
    }
    return new ChannelPresence(connected, clientId, eventId, eventTime(header.apply("X-Channel-Event-Time")));
  }

  /** Milliseconds since the epoch; absent or malformed: null (the event itself is still valid). */
  private static Instant eventTime(String millis) {
    if (millis == null || !millis.matches("[0-9]{1,16}")) return null;
    return Instant.ofEpochMilli(Long.parseLong(millis));
  }

  /** As GAE: the path ends in {@code /channel/connected/} or {@code /channel/disconnected/} (the slash may be dropped by a framework). */
  private static boolean isConnectedPath(String requestPath) {
    if (requestPath == null) throw new IllegalArgumentException("the request path is required");
    String path = requestPath.split("\\?", 2)[0];
    if (path.endsWith("/")) path = path.substring(0, path.length() - 1);
    if (path.endsWith("/channel/connected")) return true;
    if (path.endsWith("/channel/disconnected")) return false;
    throw new IllegalArgumentException("Can't determine the type of channel presence from the path: " + requestPath);
  }

  static byte[] readBounded(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] chunk = new byte[8192];
    for (int read; (read = in.read(chunk)) >= 0; ) {
      out.write(chunk, 0, read);
      if (out.size() > MAXIMUM_BODY_BYTES) throw new IllegalArgumentException("the body is too large for a presence webhook");
    }
    return out.toByteArray();
  }
}
