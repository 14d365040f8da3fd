package io.channelgateway.channel;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The gateway's webhook signature: {@code X-Channel-Signature: v1=<hex>}, the HMAC-SHA256 with
 * {@code CG_WEBHOOK_SECRET} of {@code <X-Channel-Timestamp>.<raw body>}, the timestamp in milliseconds since
 * the Unix epoch. Check it against the raw body bytes, before any form parsing.
 */
public final class WebhookSignature {
  /** How old (or how far in the future) a timestamp may be by default, so a captured request cannot be replayed later. */
  public static final Duration DEFAULT_TOLERANCE = Duration.ofMinutes(5);

  private WebhookSignature() {}

  /** Why a signature was refused, or {@link #VALID}. */
  enum Verdict {
    VALID("valid"),
    MISSING("the X-Channel-Timestamp or X-Channel-Signature header is missing"),
    MALFORMED("the X-Channel-Timestamp or X-Channel-Signature header is malformed"),
    STALE("the X-Channel-Timestamp is outside the accepted window"),
    MISMATCH("the signature does not match the body");

    final String reason;

    Verdict(String reason) {
      this.reason = reason;
    }
  }

  /**
   * Whether {@code signature} is the gateway's signature of {@code body} at {@code timestamp}, and the
   * timestamp is within {@link #DEFAULT_TOLERANCE} of now.
   *
   * @param secret the gateway's {@code CG_WEBHOOK_SECRET}
   * @param timestamp the {@code X-Channel-Timestamp} header (may be null)
   * @param signature the {@code X-Channel-Signature} header (may be null)
   * @param body the raw request body
   */
  public static boolean verify(String secret, String timestamp, String signature, byte[] body) {
    return check(secret, timestamp, signature, body, System.currentTimeMillis(), DEFAULT_TOLERANCE) == Verdict.VALID;
  }

  /** As {@link #verify(String, String, String, byte[])} with an explicit clock and window. */
  public static boolean verify(String secret, String timestamp, String signature, byte[] body, long nowMillis, Duration tolerance) {
    return check(secret, timestamp, signature, body, nowMillis, tolerance) == Verdict.VALID;
  }

  /**
   * The header value the gateway sends for {@code body} at {@code timestampMillis}: {@code v1=<hex>}. For
   * an app's own tests.
   */
  public static String sign(String secret, long timestampMillis, byte[] body) {
    return "v1=" + Hex.encode(hmac(secret, Long.toString(timestampMillis), body));
  }

  static Verdict check(String secret, String timestamp, String signature, byte[] body, long nowMillis, Duration tolerance) {
    if (secret == null || secret.isEmpty()) throw new IllegalArgumentException("the webhook secret is not set");
    if (timestamp == null || signature == null) return Verdict.MISSING;
    if (!timestamp.matches("[0-9]{1,16}") || !signature.startsWith("v1=")) return Verdict.MALFORMED;
    byte[] given = Hex.decode(signature.substring(3));
    if (given == null) return Verdict.MALFORMED;
    if (Math.abs(nowMillis - Long.parseLong(timestamp)) > tolerance.toMillis()) return Verdict.STALE;
    // Constant time, so the comparison does not tell an attacker how many leading bytes were right.
    return MessageDigest.isEqual(given, hmac(secret, timestamp, body)) ? Verdict.VALID : Verdict.MISMATCH;
  }

  private static byte[] hmac(String secret, String timestamp, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      mac.update(timestamp.getBytes(StandardCharsets.US_ASCII));
      mac.update((byte) '.');
      return mac.doFinal(body);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available in this JDK", e);
    }
  }
}
