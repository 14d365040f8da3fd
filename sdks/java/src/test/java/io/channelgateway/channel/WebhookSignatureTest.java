package io.channelgateway.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Vectors computed with Node's crypto, as the gateway's webhook-signature.ts signs. */
class WebhookSignatureTest {
  static final String SECRET = "a-webhook-secret-of-some-length";
  static final long AT = 1_700_000_000_000L;
  static final byte[] BODY = "from=alice%20%26+bob".getBytes(StandardCharsets.UTF_8);
  static final String SIGNATURE = "v1=3871ec98656137b53423acc2277b5414f1073b5f93e3f94484c90175a3534a3c";
  static final Duration FIVE_MINUTES = Duration.ofMinutes(5);

  @Test
  void signsAsTheGatewayDoes() {
    assertEquals(SIGNATURE, WebhookSignature.sign(SECRET, AT, BODY));
    byte[] multipart = "--cg-x\r\nContent-Disposition: form-data; name=\"from\"\r\n\r\nü🙂\r\n--cg-x--\r\n".getBytes(StandardCharsets.UTF_8);
    assertEquals("v1=4218809337fb114eb6a6aa0cd96db5a6df2c885e33b9706c97a2b2ed8fba8cd2", WebhookSignature.sign(SECRET, AT, multipart));
  }

  @Test
  void acceptsTheGatewaysSignatureWithinTheWindow() {
    assertTrue(WebhookSignature.verify(SECRET, Long.toString(AT), SIGNATURE, BODY, AT, FIVE_MINUTES));
    assertTrue(WebhookSignature.verify(SECRET, Long.toString(AT), SIGNATURE.toUpperCase().replace("V1=", "v1="), BODY, AT, FIVE_MINUTES));
    assertTrue(WebhookSignature.verify(SECRET, Long.toString(AT), SIGNATURE, BODY, AT + FIVE_MINUTES.toMillis(), FIVE_MINUTES));
    long now = System.currentTimeMillis();
    assertTrue(WebhookSignature.verify(SECRET, Long.toString(now), WebhookSignature.sign(SECRET, now, BODY), BODY));
  }

  @Test
  void refusesStaleAndFutureTimestamps() {
    assertEquals(WebhookSignature.Verdict.STALE, WebhookSignature.check(SECRET, Long.toString(AT), SIGNATURE, BODY, AT + FIVE_MINUTES.toMillis() + 1, FIVE_MINUTES));
    assertEquals(WebhookSignature.Verdict.STALE, WebhookSignature.check(SECRET, Long.toString(AT), SIGNATURE, BODY, AT - FIVE_MINUTES.toMillis() - 1, FIVE_MINUTES));
    assertFalse(WebhookSignature.verify(SECRET, Long.toString(AT), SIGNATURE, BODY));
  }

  @Test
  void refusesWrongSecretsBodiesAndTimestamps() {
    assertEquals(WebhookSignature.Verdict.MISMATCH, WebhookSignature.check("another-secret-of-some-length", Long.toString(AT), SIGNATURE, BODY, AT, FIVE_MINUTES));
    assertEquals(WebhookSignature.Verdict.MISMATCH, WebhookSignature.check(SECRET, Long.toString(AT), SIGNATURE, "from=mallory".getBytes(StandardCharsets.UTF_8), AT, FIVE_MINUTES));
    assertEquals(WebhookSignature.Verdict.MISMATCH, WebhookSignature.check(SECRET, Long.toString(AT + 1), SIGNATURE, BODY, AT, FIVE_MINUTES));
    assertEquals(WebhookSignature.Verdict.MISMATCH, WebhookSignature.check(SECRET, Long.toString(AT), SIGNATURE.substring(0, 11), BODY, AT, FIVE_MINUTES));
  }

  @Test
  void refusesMissingAndMalformedHeaders() {
    assertEquals(WebhookSignature.Verdict.MISSING, WebhookSignature.check(SECRET, null, SIGNATURE, BODY, AT, FIVE_MINUTES));
    assertEquals(WebhookSignature.Verdict.MISSING, WebhookSignature.check(SECRET, Long.toString(AT), null, BODY, AT, FIVE_MINUTES));
    for (String timestamp : new String[] {"", "-1", "1.5", "17e11", "12345678901234567", "１７"}) {
      assertEquals(WebhookSignature.Verdict.MALFORMED, WebhookSignature.check(SECRET, timestamp, SIGNATURE, BODY, AT, FIVE_MINUTES), timestamp);
    }
    for (String signature : new String[] {"", "v1=", "v2=" + SIGNATURE.substring(3), SIGNATURE.substring(3), "v1=abc", "v1=zz" + SIGNATURE.substring(5),
        "v1=" + "０".repeat(64)}) {
      WebhookSignature.Verdict verdict = WebhookSignature.check(SECRET, Long.toString(AT), signature, BODY, AT, FIVE_MINUTES);
      assertTrue(verdict == WebhookSignature.Verdict.MALFORMED || verdict == WebhookSignature.Verdict.MISMATCH, signature);
    }
  }

  @Test
  void needsASecret() {
    assertThrows(IllegalArgumentException.class, () -> WebhookSignature.verify("", Long.toString(AT), SIGNATURE, BODY));
    assertThrows(IllegalArgumentException.class, () -> WebhookSignature.verify(null, Long.toString(AT), SIGNATURE, BODY));
  }
}
