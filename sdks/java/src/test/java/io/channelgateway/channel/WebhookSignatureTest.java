package io.channelgateway.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * v2 signatures, over {@code v2.<timestamp>.<event>.<event id>.<body>}: vectors computed with Python's hmac
 * module (one is packages/protocol/test/webhooks.test.ts's), as the gateway signs.
 */
class WebhookSignatureTest {
  static final String SECRET = "a-webhook-secret-of-some-length";
  static final long AT = 1_700_000_000_000L;
  static final String TS = Long.toString(AT);
  static final String ID = "ev-1";
  static final byte[] BODY = "from=alice%20%26+bob".getBytes(StandardCharsets.UTF_8);
  static final String SIGNATURE = "v2=9e888844ce28e62b5bb181d30cb889a768fa22f139dcc44f99ebb540a51194f1";
  /** The same body's v1 signature (over {@code <timestamp>.<body>}), which this version refuses. */
  static final String V1 = "v1=3871ec98656137b53423acc2277b5414f1073b5f93e3f94484c90175a3534a3c";
  static final Duration FIVE_MINUTES = Duration.ofMinutes(5);

  static WebhookSignature.Verdict check(String event, String eventId, String timestamp, String signature, byte[] body, long now) {
    return WebhookSignature.check(SECRET, event, eventId, timestamp, signature, body, now, FIVE_MINUTES);
  }

  @Test
  void signsAsTheGatewayDoes() {
    assertEquals(SIGNATURE, WebhookSignature.sign(SECRET, "connected", ID, AT, BODY));
    byte[] multipart = "--cg-x\r\nContent-Disposition: form-data; name=\"from\"\r\n\r\nü🙂\r\n--cg-x--\r\n".getBytes(StandardCharsets.UTF_8);
    assertEquals("v2=d7aca79ec8eccda6b5dbc14f8ecad7e24b0053adeb26131428d8351759e9612a", WebhookSignature.sign(SECRET, "disconnected", ID, AT, multipart));
    assertEquals("v2=22df771e04c0e2420a2bb362d44651b083e11ff4f6992e33c8ab942dfcee5955",
        WebhookSignature.sign("a-webhook-secret", "connected", "42", 1_780_000_000_000L, "from=alice".getBytes(StandardCharsets.UTF_8)));
    assertThrows(IllegalArgumentException.class, () -> WebhookSignature.sign(SECRET, "connected", "a.b", AT, BODY));
    assertThrows(IllegalArgumentException.class, () -> WebhookSignature.sign(SECRET, "gone", ID, AT, BODY));
  }

  @Test
  void acceptsTheGatewaysSignatureWithinTheWindow() {
    assertTrue(WebhookSignature.verify(SECRET, "connected", ID, TS, SIGNATURE, BODY, AT, FIVE_MINUTES));
    assertTrue(WebhookSignature.verify(SECRET, "connected", ID, TS, SIGNATURE.toUpperCase().replace("V2=", "v2="), BODY, AT, FIVE_MINUTES));
    assertTrue(WebhookSignature.verify(SECRET, "connected", ID, TS, SIGNATURE, BODY, AT + FIVE_MINUTES.toMillis(), FIVE_MINUTES));
    long now = System.currentTimeMillis();
    assertTrue(WebhookSignature.verify(SECRET, "disconnected", "7", Long.toString(now), WebhookSignature.sign(SECRET, "disconnected", "7", now, BODY), BODY));
  }

  @Test
  void refusesTheOtherEventAnotherEventIdAndV1() {
    assertEquals(WebhookSignature.Verdict.MISMATCH, check("disconnected", ID, TS, SIGNATURE, BODY, AT));
    assertEquals(WebhookSignature.Verdict.MISMATCH, check("connected", "ev-2", TS, SIGNATURE, BODY, AT));
    assertEquals(WebhookSignature.Verdict.MALFORMED, check("connected", ID, TS, V1, BODY, AT));
    assertEquals(WebhookSignature.Verdict.MALFORMED, check("connected", ID, TS, V1 + "," + SIGNATURE, BODY, AT));
    assertEquals(WebhookSignature.Verdict.MISSING, check("connected", null, TS, SIGNATURE, BODY, AT));
    for (String id : new String[] {"", "ev.1", "ev 1", "x".repeat(65)}) {
      assertEquals(WebhookSignature.Verdict.MALFORMED, check("connected", id, TS, SIGNATURE, BODY, AT), id);
    }
    for (String event : new String[] {"Connected", "", "left"}) {
      assertEquals(WebhookSignature.Verdict.MALFORMED, check(event, ID, TS, SIGNATURE, BODY, AT), event);
    }
  }

  @Test
  void refusesStaleAndFutureTimestamps() {
    assertEquals(WebhookSignature.Verdict.STALE, check("connected", ID, TS, SIGNATURE, BODY, AT + FIVE_MINUTES.toMillis() + 1));
    assertEquals(WebhookSignature.Verdict.STALE, check("connected", ID, TS, SIGNATURE, BODY, AT - FIVE_MINUTES.toMillis() - 1));
    assertFalse(WebhookSignature.verify(SECRET, "connected", ID, TS, SIGNATURE, BODY));
  }

  @Test
  void refusesWrongSecretsBodiesAndTimestamps() {
    assertEquals(WebhookSignature.Verdict.MISMATCH, WebhookSignature.check("another-secret-of-some-length", "connected", ID, TS, SIGNATURE, BODY, AT, FIVE_MINUTES));
    assertEquals(WebhookSignature.Verdict.MISMATCH, check("connected", ID, TS, SIGNATURE, "from=mallory".getBytes(StandardCharsets.UTF_8), AT));
    assertEquals(WebhookSignature.Verdict.MISMATCH, check("connected", ID, Long.toString(AT + 1), SIGNATURE, BODY, AT));
    assertEquals(WebhookSignature.Verdict.MISMATCH, check("connected", ID, TS, SIGNATURE.substring(0, 11), BODY, AT));
  }

  @Test
  void refusesMissingAndMalformedHeaders() {
    assertEquals(WebhookSignature.Verdict.MISSING, check("connected", ID, null, SIGNATURE, BODY, AT));
    assertEquals(WebhookSignature.Verdict.MISSING, check("connected", ID, TS, null, BODY, AT));
    for (String timestamp : new String[] {"", "-1", "1.5", "17e11", "12345678901234567", "１７"}) {
      assertEquals(WebhookSignature.Verdict.MALFORMED, check("connected", ID, timestamp, SIGNATURE, BODY, AT), timestamp);
    }
    for (String signature : new String[] {"", "v2=", "v1=" + SIGNATURE.substring(3), SIGNATURE.substring(3), "v2=abc", "v2=zz" + SIGNATURE.substring(5),
        "v2=" + "０".repeat(64)}) {
      WebhookSignature.Verdict verdict = check("connected", ID, TS, signature, BODY, AT);
      assertTrue(verdict == WebhookSignature.Verdict.MALFORMED || verdict == WebhookSignature.Verdict.MISMATCH, signature);
    }
  }

  @Test
  void needsASecret() {
    assertThrows(IllegalArgumentException.class, () -> WebhookSignature.verify("", "connected", ID, TS, SIGNATURE, BODY));
    assertThrows(IllegalArgumentException.class, () -> WebhookSignature.verify(null, "connected", ID, TS, SIGNATURE, BODY));
  }
}
