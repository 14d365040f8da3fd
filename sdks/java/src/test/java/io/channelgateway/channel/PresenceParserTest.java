package io.channelgateway.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** parsePresence over the JDK-only inputs, with bodies as the gateway sends them and as it never would. */
class PresenceParserTest {
  static final String SECRET = WebhookSignatureTest.SECRET;
  static final ChannelService SERVICE = ChannelServiceFactory.getChannelService(ChannelGatewayConfig.builder()
      .url("http://127.0.0.1:9").apiKey("unused").webhookSecret(SECRET).build());
  static final String AWKWARD_ID = "a \"b\" & c=d/e; 🙂 ü --x";

  static Map<String, List<String>> signedHeaders(String contentType, byte[] body, long at) {
    return signedHeaders("connected", contentType, body, at);
  }

  /** As the gateway sends them, for {@code event}, with the event ID {@code ev-1}. */
  static Map<String, List<String>> signedHeaders(String event, String contentType, byte[] body, long at) {
    Map<String, List<String>> headers = new TreeMap<>();
    headers.put("content-type", Collections.singletonList(contentType));
    headers.put("x-channel-timestamp", Collections.singletonList(Long.toString(at)));
    headers.put("X-Channel-Event-ID", Collections.singletonList("ev-1"));
    headers.put("X-CHANNEL-SIGNATURE-V2", Collections.singletonList(WebhookSignature.sign(SECRET, event, "ev-1", at, body)));
    return headers;
  }

  static byte[] multipart(String boundary, String clientId) {
    return ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"from\"\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n"
        + clientId + "\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
  }

  static ChannelPresence parse(String path, String contentType, byte[] body) {
    String event = path.contains("/disconnected") ? "disconnected" : "connected";
    return SERVICE.parsePresence(path, signedHeaders(event, contentType, body, System.currentTimeMillis()), body);
  }

  @Test
  void refusesADeliveryForTheOtherEventOrWithAnotherEventId() {
    byte[] body = "from=alice".getBytes(StandardCharsets.US_ASCII);
    Map<String, List<String>> connected = signedHeaders("connected", "application/x-www-form-urlencoded", body, System.currentTimeMillis());
    assertTrue(SERVICE.parsePresence("/_ah/channel/connected/", connected, body).isConnected());
    assertThrows(InvalidWebhookSignatureException.class, () -> SERVICE.parsePresence("/_ah/channel/disconnected/", connected, body));
    Map<String, List<String>> otherId = new TreeMap<>(connected);
    otherId.put("X-Channel-Event-ID", Collections.singletonList("ev-2"));
    assertThrows(InvalidWebhookSignatureException.class, () -> SERVICE.parsePresence("/_ah/channel/connected/", otherId, body));
    Map<String, List<String>> noId = new TreeMap<>(connected);
    noId.remove("X-Channel-Event-ID");
    assertThrows(InvalidWebhookSignatureException.class, () -> SERVICE.parsePresence("/_ah/channel/connected/", noId, body));
  }

  /** What parse() gives: the event ID of signedHeaders, no event time. */
  static ChannelPresence signedPresence(boolean connected, String clientId) {
    return new ChannelPresence(connected, clientId, "ev-1", null);
  }

  @Test
  void readsUrlencodedBodies() {
    byte[] body = "from=a+%22b%22+%26+c%3Dd%2Fe%3B+%F0%9F%99%82+%C3%BC+--x".getBytes(StandardCharsets.US_ASCII);
    ChannelPresence presence = parse("/_ah/channel/connected/", "application/x-www-form-urlencoded", body);
    assertEquals(signedPresence(true, AWKWARD_ID), presence);
    assertEquals(AWKWARD_ID, presence.clientId());
    assertTrue(presence.isConnected());
    byte[] other = "x=1&from=bob&from=eve".getBytes(StandardCharsets.US_ASCII);
    assertEquals(signedPresence(false, "bob"), parse("/app/_ah/channel/disconnected/", "application/x-www-form-urlencoded; charset=utf-8", other));
  }

  @Test
  void readsMultipartBodies() {
    byte[] body = multipart("cg-0123abcd", AWKWARD_ID);
    assertEquals(signedPresence(false, AWKWARD_ID), parse("/_ah/channel/disconnected/", "multipart/form-data; boundary=cg-0123abcd", body));
    assertEquals(signedPresence(true, AWKWARD_ID), parse("/_ah/channel/connected", "Multipart/Form-Data; boundary=\"cg-0123abcd\"", body));
  }

  @Test
  void readsMultipartWithPreambleOtherPartsAndQuotedNames() {
    String b = "XyZ";
    byte[] body = ("preamble\r\n--" + b + "  \r\ncontent-disposition: form-data; name=\"x\\\"from\"\r\n\r\nnot this\r\n--" + b
        + "\r\nContent-Disposition: form-data; name=other\r\n\r\nnor this\r\n--" + b
        + "\r\nContent-Disposition: form-data; name=\"from\"\r\n\r\nline one\r\nline two\r\n--" + b + "--\r\nepilogue")
        .getBytes(StandardCharsets.UTF_8);
    assertEquals("line one\r\nline two", parse("/_ah/channel/connected/", "multipart/form-data; charset=utf-8; boundary=" + b, body).clientId());
  }

  @Test
  void refusesBadSignaturesBeforeReadingTheBody() {
    byte[] body = "from=alice".getBytes(StandardCharsets.US_ASCII);
    long now = System.currentTimeMillis();
    Map<String, List<String>> forged = signedHeaders("application/x-www-form-urlencoded", "from=bob".getBytes(StandardCharsets.US_ASCII), now);
    assertThrows(InvalidWebhookSignatureException.class, () -> SERVICE.parsePresence("/_ah/channel/connected/", forged, body));
    Map<String, List<String>> stale = signedHeaders("application/x-www-form-urlencoded", body, now - 5 * 60_000 - 1_000);
    InvalidWebhookSignatureException error = assertThrows(InvalidWebhookSignatureException.class,
        () -> SERVICE.parsePresence("/_ah/channel/connected/", stale, body));
    assertTrue(error.getMessage().contains("window"), error.getMessage());
    Map<String, List<String>> unsigned = Collections.singletonMap("Content-Type", Collections.singletonList("application/x-www-form-urlencoded"));
    assertThrows(InvalidWebhookSignatureException.class, () -> SERVICE.parsePresence("/_ah/channel/connected/", unsigned, body));
    // Garbage that is not signed is refused as unsigned, not as unparseable.
    byte[] garbage = {(byte) 0xff, 0, '%'};
    assertThrows(InvalidWebhookSignatureException.class, () -> SERVICE.parsePresence("/x", name -> null, garbage));
  }

  @Test
  void refusesWhatIsNotAPresenceWebhook() {
    String form = "application/x-www-form-urlencoded";
    byte[] ok = "from=alice".getBytes(StandardCharsets.US_ASCII);
    assertThrows(IllegalArgumentException.class, () -> parse("/_ah/channel/other/", form, ok));
    assertThrows(IllegalArgumentException.class, () -> parse("/_ah/channel/connected/", form, "to=alice".getBytes(StandardCharsets.US_ASCII)));
    assertThrows(IllegalArgumentException.class, () -> parse("/_ah/channel/connected/", form, "from=".getBytes(StandardCharsets.US_ASCII)));
    assertThrows(IllegalArgumentException.class, () -> parse("/_ah/channel/connected/", form, "from=%E0%A4".getBytes(StandardCharsets.US_ASCII)));
    assertThrows(IllegalArgumentException.class, () -> parse("/_ah/channel/connected/", form, "from=%zz".getBytes(StandardCharsets.US_ASCII)));
    assertThrows(IllegalArgumentException.class, () -> parse("/_ah/channel/connected/", "application/json", "{\"from\":\"a\"}".getBytes(StandardCharsets.US_ASCII)));
    assertThrows(IllegalArgumentException.class, () -> parse("/_ah/channel/connected/", "multipart/form-data", multipart("b", "alice")));
    assertThrows(IllegalArgumentException.class, () -> parse("/_ah/channel/connected/", "multipart/form-data; boundary=other", multipart("b", "alice")));
    byte[] unterminated = "--b\r\nContent-Disposition: form-data; name=\"from\"\r\n\r\nalice".getBytes(StandardCharsets.US_ASCII);
    assertThrows(IllegalArgumentException.class, () -> parse("/_ah/channel/connected/", "multipart/form-data; boundary=b", unterminated));
    byte[] noField = "--b\r\nContent-Disposition: form-data; name=\"to\"\r\n\r\nalice\r\n--b--\r\n".getBytes(StandardCharsets.US_ASCII);
    assertThrows(IllegalArgumentException.class, () -> parse("/_ah/channel/connected/", "multipart/form-data; boundary=b", noField));
    byte[] huge = new byte[PresenceParser.MAXIMUM_BODY_BYTES + 1];
    assertThrows(IllegalArgumentException.class, () -> parse("/_ah/channel/connected/", form, huge));
  }

  @Test
  void needsAWebhookSecret() {
    ChannelService noSecret = ChannelServiceFactory.getChannelService(ChannelGatewayConfig.builder().url("http://127.0.0.1:9").apiKey("k").build());
    IllegalStateException error = assertThrows(IllegalStateException.class,
        () -> noSecret.parsePresence("/_ah/channel/connected/", name -> null, new byte[0]));
    assertTrue(error.getMessage().contains(ChannelGatewayConfig.WEBHOOK_SECRET_VARIABLE));
  }

  @Test
  void theGatewaysEventIdAndTimeAreRead() {
    byte[] body = "from=alice".getBytes(StandardCharsets.US_ASCII);
    Map<String, List<String>> headers = signedHeaders("application/x-www-form-urlencoded", body, System.currentTimeMillis());
    headers.put("X-Channel-Event-Time", Collections.singletonList("1700000000123"));
    ChannelPresence presence = SERVICE.parsePresence("/_ah/channel/connected/", headers, body);
    assertEquals(new ChannelPresence(true, "alice", "ev-1", java.time.Instant.ofEpochMilli(1_700_000_000_123L)), presence);
    assertEquals("ev-1", presence.eventId().orElseThrow());
    headers.put("X-Channel-Event-Time", Collections.singletonList("yesterday"));
    assertTrue(SERVICE.parsePresence("/_ah/channel/connected/", headers, body).eventTime().isEmpty());
  }

  @Test
  void headerNamesAreCaseInsensitiveAndNullsAreTolerated() {
    byte[] body = "from=alice".getBytes(StandardCharsets.US_ASCII);
    Map<String, List<String>> headers = new TreeMap<>(signedHeaders("disconnected", "application/x-www-form-urlencoded", body, System.currentTimeMillis()));
    headers.put("X-Other", Arrays.asList((String) null));
    assertFalse(SERVICE.parsePresence("/_ah/channel/disconnected/", headers, body).isConnected());
  }
}
