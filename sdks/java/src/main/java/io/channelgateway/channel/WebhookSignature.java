package io.channelgateway.channel;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The gateway's webhook signature, v2: {@code X-Channel-Signature-V2: v2=<hex>}, the HMAC-SHA256 with
 * {@code CG_WEBHOOK_SECRET} of {@code v2.<X-Channel-Timestamp>.<event>.<X-Channel-Event-Id>.<raw body>}, the
 * timestamp in milliseconds since the Unix epoch and the event {@code connected} or {@code disconnected}.
 * It binds the event and its ID, so a delivery captured at one path is refused at the other. Check it
 * against the raw body bytes, before any form parsing, with the event the request's path names.
 *
 * <p>The gateway also sends {@code X-Channel-Signature: v1=<hex>} (over {@code <timestamp>.<body>} only) for
 * verifiers of the earlier format; this class no longer accepts it.
 */
public final class WebhookSignature {
  /** How old (or how far in the future) a timestamp may be by default, so a captured request cannot be replayed later. */
  public static final Duration DEFAULT_TOLERANCE = Duration.ofMinutes(5);
  /** The header that carries the v2 signature. */
  public static final String HEADER = "X-Channel-Signature-V2";

  private WebhookSignature() {}

  /** Why a signature was refused, or {@link #VALID}. */
  enum Verdict {
    VALID("valid"),
    MISSING("the X-Channel-Timestamp, X-Channel-Event-Id or X-Channel-Signature-V2 header is missing (a v1 signature alone is not accepted)"),
    MALFORMED("the X-Channel-Timestamp, X-Channel-Event-Id or X-Channel-Signature-V2 header is malformed"),
    STALE("the X-Channel-Timestamp is outside the accepted window"),
    MISMATCH("the signature is not that of this event, event ID and body");

    final String reason;

    Verdict(String reason) {
      this.reason = reason;
    }
  }

  /**
   * Whether {@code signature} is the gateway's v2 signature of {@code event}, {@code eventId} and {@code body}
   * at {@code timestamp}, and the timestamp is within {@link #DEFAULT_TOLERANCE} of now.
   *
   * @param secret the gateway's {@code CG_WEBHOOK_SECRET}
   * @param event {@code connected} or {@code disconnected}: what the request's path says
   * @param eventId the {@code X-Channel-Event-Id} header (may be null)
   * @param timestamp the {@code X-Channel-Timestamp} header (may be null)
   * @param signature the {@code X-Channel-Signature-V2} header (may be null)
   * @param body the raw request body
   */
  public static boolean verify(String secret, String event, String eventId, String timestamp, String signature, byte[] body) {
    return check(secret, event, eventId, timestamp, signature, body, System.currentTimeMillis(), DEFAULT_TOLERANCE) == Verdict.VALID;
  }

  /** As {@link #verify(String, String, String, String, String, byte[])} with an explicit clock and window. */
  public static boolean verify(String secret, String event, String eventId, String timestamp, String signature, byte[] body, long nowMillis,
      Duration tolerance) {
    return check(secret, event, eventId, timestamp, signature, body, nowMillis, tolerance) == Verdict.VALID;
  }

  /**
   * The header value the gateway sends for this event, event ID and body at {@code timestampMillis}:
   * {@code v2=<hex>}. For an app's own tests.
   */
  public static String sign(String secret, String event, String eventId, long timestampMillis, byte[] body) {
    if (!isEvent(event) || !isEventId(eventId)) throw new IllegalArgumentException("the event must be connected or disconnected, the ID [A-Za-z0-9_-]{1,64}");
    return "v2=" + Hex.encode(hmac(secret, Long.toString(timestampMillis), event, eventId, body));
  }

  static Verdict check(String secret, String event, String eventId, String timestamp, String signature, byte[] body, long nowMillis,
      Duration tolerance) {
    if (secret == null || secret.isEmpty()) throw new IllegalArgumentException("the webhook secret is not set");
    if (timestamp == null || signature == null || eventId == null) return Verdict.MISSING;
    if (!isEvent(event) || !isEventId(eventId)) return Verdict.MALFORMED;
    if (!timestamp.matches("[0-9]{1,16}") || !signature.startsWith("v2=")) return Verdict.MALFORMED;
    byte[] given = Hex.decode(signature.substring(3));
    if (given == null) return Verdict.MALFORMED;
    if (Math.abs(nowMillis - Long.parseLong(timestamp)) > tolerance.toMillis()) return Verdict.STALE;
    // Constant time, so the comparison does not tell an attacker how many leading bytes were right.
    return MessageDigest.isEqual(given, hmac(secret, timestamp, event, eventId, body)) ? Verdict.VALID : Verdict.MISMATCH;
  }

  private static boolean isEvent(String event) {
    return "connected".equals(event) || "disconnected".equals(event);
  }

  /** A field of the signed text, so it must not contain the separator. */
  private static boolean isEventId(String eventId) {
    return eventId != null && eventId.matches("[A-Za-z0-9_-]{1,64}");
  }

  private static byte[] hmac(String secret, String timestamp, String event, String eventId, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      mac.update(("v2." + timestamp + "." + event + "." + eventId + ".").getBytes(StandardCharsets.US_ASCII));
      return mac.doFinal(body);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available in this JDK", e);
    }
  }
}
