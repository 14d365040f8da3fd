package io.channelgateway.channel;

import static io.channelgateway.channel.support.TestGateways.multipartNode;
import static io.channelgateway.channel.support.TestGateways.nodeB;
import static io.channelgateway.channel.support.TestGateways.uniqueClientId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.channelgateway.channel.support.TestGateways;
import io.channelgateway.channel.support.TestSocket;
import io.channelgateway.channel.support.WebhookInbox;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Presence webhooks from real gateways into an app whose handler is {@code service.parsePresence(exchange)}:
 * urlencoded from the two-node cluster, multipart from a node with {@code CG_WEBHOOK_BODY_FORMAT=multipart},
 * and forged or replayed requests refused.
 */
class PresenceWebhookTest {
  static final Duration WAIT = Duration.ofSeconds(15);
  static WebhookInbox inbox;

  @BeforeAll
  static void startInbox() {
    inbox = TestGateways.inbox();
  }

  static void connectAndLeave(ChannelService gateway, String socketOn, String clientId, String prefix) throws Exception {
    try (TestSocket socket = TestSocket.open(socketOn, gateway.createChannel(clientId), Json::parse)) {
      WebhookInbox.Received connected = inbox.await(r -> r.presence.clientId().equals(clientId), WAIT);
      assertTrue(connected.presence.isConnected());
      assertEquals(prefix, connected.prefix);
      assertEquals(clientId, socket.openFrame().get("clientId"));
    }
    WebhookInbox.Received left = inbox.await(r -> r.presence.clientId().equals(clientId) && !r.presence.isConnected(), WAIT);
    ChannelPresence joined = inbox.about(clientId).get(0).presence;
    assertTrue(joined.eventId().isPresent() && left.presence.eventId().isPresent(), "event IDs");
    assertTrue(!joined.eventId().equals(left.presence.eventId()), "two events, two IDs");
    Instant joinedAt = joined.eventTime().orElseThrow();
    assertTrue(!left.presence.eventTime().orElseThrow().isBefore(joinedAt), "left after joining");
    assertTrue(Duration.between(joinedAt, Instant.now()).abs().compareTo(Duration.ofMinutes(1)) < 0, "event time " + joinedAt);
    List<String> events = inbox.about(clientId).stream().map(r -> r.presence.toString()).collect(Collectors.toList());
    assertEquals(List.of(new ChannelPresence(true, clientId).toString(), new ChannelPresence(false, clientId).toString()), events);
  }

  @Test
  void urlencodedWebhooksFromTheClusterAreParsed() throws Exception {
    String clientId = uniqueClientId("presence \"url\" & é");
    connectAndLeave(TestGateways.service(), nodeB(), clientId, "/urlencoded");
    assertTrue(inbox.about(clientId).stream().allMatch(r -> r.contentType.equals("application/x-www-form-urlencoded")), inbox.about(clientId).toString());
  }

  @Test
  void multipartWebhooksAsGaeProductionSentThemAreParsed() throws Exception {
    String clientId = uniqueClientId("presence \"multi\" --part 🙂");
    connectAndLeave(TestGateways.multipartService(), multipartNode(), clientId, "/multipart");
    assertTrue(inbox.about(clientId).stream().allMatch(r -> r.contentType.startsWith("multipart/form-data; boundary=")), inbox.about(clientId).toString());
  }

  static int post(String path, String timestamp, String signature, String body) throws Exception {
    Map<String, String> headers = new TreeMap<>();
    headers.put("content-type", "application/x-www-form-urlencoded");
    headers.put("x-channel-event-id", "ev-1");
    if (timestamp != null) headers.put("x-channel-timestamp", timestamp);
    if (signature != null) headers.put("x-channel-signature-v2", signature);
    return post(path, headers, body.getBytes(StandardCharsets.UTF_8));
  }

  static int post(String path, Map<String, String> headers, byte[] body) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + inbox.port() + path))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    headers.forEach(request::header);
    return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  static String sign(String secret, long at, byte[] body) {
    return WebhookSignature.sign(secret, "connected", "ev-1", at, body);
  }

  @Test
  void aRealDeliveryIsRefusedAtTheOtherPathWithAnotherEventIdOrWithV1Only() throws Exception {
    String clientId = uniqueClientId("replayed");
    connectAndLeave(TestGateways.service(), nodeB(), clientId, "/urlencoded");
    List<WebhookInbox.Received> delivered = inbox.about(clientId);
    assertEquals(2, delivered.size());
    for (WebhookInbox.Received r : delivered) {
      String event = r.presence.isConnected() ? "connected" : "disconnected";
      String other = r.presence.isConnected() ? "disconnected" : "connected";
      assertTrue(r.headers.get("x-channel-signature").matches("v1=[0-9a-f]{64}"), r.headers.toString());
      Map<String, String> replayed = new TreeMap<>(r.headers);
      replayed.put("x-channel-event", other);
      assertEquals(401, post(r.path.replace("/" + event + "/", "/" + other + "/"), replayed, r.body), "replayed to the other path");
      Map<String, String> otherId = new TreeMap<>(r.headers);
      otherId.put("x-channel-event-id", r.headers.get("x-channel-event-id") + "0");
      assertEquals(401, post(r.path, otherId, r.body), "another event ID");
      Map<String, String> v1Only = new TreeMap<>(r.headers);
      v1Only.remove("x-channel-signature-v2");
      assertEquals(401, post(r.path, v1Only, r.body), "only the v1 signature");
    }
    assertEquals(2, inbox.about(clientId).size());
  }

  @Test
  void forgedStaleAndUnsignedWebhooksAreRefused() throws Exception {
    String secret = TestGateways.env("CHANNEL_GATEWAY_WEBHOOK_SECRET");
    String clientId = uniqueClientId("forged");
    String body = "from=" + clientId;
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    long now = System.currentTimeMillis();
    String path = "/urlencoded/_ah/channel/connected/";
    assertEquals(401, post(path, null, null, body));
    assertEquals(401, post(path, Long.toString(now), sign("a-different-secret-entirely", now, bytes), body));
    assertEquals(401, post(path, Long.toString(now), sign(secret, now, "from=someone-else".getBytes(StandardCharsets.UTF_8)), body));
    long stale = now - Duration.ofMinutes(6).toMillis();
    assertEquals(401, post(path, Long.toString(stale), sign(secret, stale, bytes), body));
    assertEquals(400, post("/urlencoded/_ah/channel/elsewhere/", Long.toString(now), sign(secret, now, bytes), body));
    assertEquals(0, inbox.about(clientId).size());
    // The same request, correctly signed, is accepted: the refusals above were for the signature alone.
    assertEquals(200, post(path, Long.toString(now), sign(secret, now, bytes), body));
    assertEquals(1, inbox.about(clientId).size());
  }
}
