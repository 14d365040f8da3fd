package io.channelgateway.channel;

import static io.channelgateway.channel.support.TestGateways.apiKey;
import static io.channelgateway.channel.support.TestGateways.nodeA;
import static io.channelgateway.channel.support.TestGateways.nodeB;
import static io.channelgateway.channel.support.TestGateways.uniqueClientId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.channelgateway.channel.support.TestGateways;
import io.channelgateway.channel.support.TestSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The SDK against a real two-node cluster on one Redis: channels created through node A, sockets on node
 * B, so every routed send crosses nodes.
 */
class GatewayClusterTest {
  static final Duration WAIT = Duration.ofSeconds(10);
  /** JSON, quotes, a newline, characters beyond ASCII: delivered byte for byte. */
  static final String TRICKY = "{\"type\":\"move\",\"to\":\"e4\"}\nline two \\ \"quoted\" é 🙂";

  final ChannelService service = TestGateways.service();

  static TestSocket connectToNodeB(String token) throws Exception {
    return TestSocket.open(nodeB(), token, Json::parse);
  }

  /** GET /v1/channels/{id} on node B: what the cluster knows about the channel. */
  static Map<?, ?> channelInfo(String clientId) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(nodeB() + "/v1/channels/" + HttpChannelService.PathSegment.encode(clientId)))
        .header("Authorization", "Bearer " + apiKey()).GET().build();
    HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode(), response.body());
    return (Map<?, ?>) Json.parse(response.body());
  }

  static void assertExpiresIn(String clientId, Duration expected) throws Exception {
    Instant expiresAt = Instant.parse((String) channelInfo(clientId).get("expiresAt"));
    Duration left = Duration.between(Instant.now(), expiresAt);
    assertTrue(left.compareTo(expected) <= 0 && left.compareTo(expected.minusMinutes(1)) > 0, "expires in " + left);
  }

  @Test
  void createChannelReturnsATokenThatOpensASocketOnTheOtherNodeValidFor120Minutes() throws Exception {
    String clientId = uniqueClientId("create");
    String token = service.createChannel(clientId);
    assertTrue(token.length() >= 22, token.length() + " characters");
    try (TestSocket socket = connectToNodeB(token)) {
      assertEquals(clientId, socket.openFrame().get("clientId"));
    }
    assertExpiresIn(clientId, Duration.ofMinutes(120));
  }

  @Test
  void createChannelWithADuration() throws Exception {
    String clientId = uniqueClientId("duration");
    assertNotNull(service.createChannel(clientId, 5));
    assertExpiresIn(clientId, Duration.ofMinutes(5));
    assertNotNull(service.createChannel(uniqueClientId("longest"), ChannelLimits.MAXIMUM_TOKEN_DURATION_MINUTES));
  }

  @Test
  void sendToAConnectedClientIsRoutedAcrossNodesInOrder() throws Exception {
    String clientId = uniqueClientId("routed");
    try (TestSocket socket = connectToNodeB(service.createChannel(clientId))) {
      SendResult result = service.sendMessageWithStatus(new ChannelMessage(clientId, TRICKY));
      assertEquals(new SendResult(clientId, SendStatus.ROUTED, null), result);
      for (int i = 0; i < 5; i++) service.sendMessage(new ChannelMessage(clientId, "n" + i));
      assertEquals(Arrays.asList(TRICKY, "n0", "n1", "n2", "n3", "n4"), socket.awaitMessages(6, WAIT));
    }
  }

  @Test
  void sendToALiveChannelWithoutASocketIsQueuedAndDeliveredWhenOneOpens() throws Exception {
    String clientId = uniqueClientId("queued");
    String token = service.createChannel(clientId);
    assertEquals(SendStatus.QUEUED, service.sendMessageWithStatus(new ChannelMessage(clientId, "waiting")).status());
    try (TestSocket socket = connectToNodeB(token)) {
      assertEquals(List.of("waiting"), socket.awaitMessages(1, WAIT));
    }
  }

  @Test
  void sendWithoutAChannelIsNoChannelAndNotAnErrorAsInGae() {
    String clientId = uniqueClientId("nobody");
    assertEquals(new SendResult(clientId, SendStatus.NO_CHANNEL, null), service.sendMessageWithStatus(new ChannelMessage(clientId, "lost")));
    service.sendMessage(new ChannelMessage(clientId, "dropped silently, as GAE did"));
  }

  @Test
  void theLimitsAreTheGatewaysOwnExactly() throws Exception {
    String clientId = "é".repeat(64) + uniqueClientId("").substring(0, 37) + "🙂".repeat(20) + "x".repeat(11);
    assertEquals(ChannelLimits.MAXIMUM_CLIENT_ID_BYTES, InputChecks.utf8Length(clientId, "client ID"));
    String longest = "ü".repeat(16_383) + "x";
    assertEquals(ChannelLimits.MAXIMUM_MESSAGE_BYTES, InputChecks.utf8Length(longest, "message"));
    try (TestSocket socket = connectToNodeB(service.createChannel(clientId, ChannelLimits.MINIMUM_TOKEN_DURATION_MINUTES))) {
      assertEquals(SendStatus.ROUTED, service.sendMessageWithStatus(new ChannelMessage(clientId, longest)).status());
      assertEquals(SendStatus.ROUTED, service.sendMessageWithStatus(new ChannelMessage(clientId, "")).status());
      assertEquals(List.of(longest, ""), socket.awaitMessages(2, WAIT));
    }
  }

  @Test
  void batchSendsAnswerEachMessageInOrder() throws Exception {
    String connected = uniqueClientId("batch-on");
    String idle = uniqueClientId("batch-idle");
    String nobody = uniqueClientId("batch-none");
    service.createChannel(idle);
    try (TestSocket socket = connectToNodeB(service.createChannel(connected))) {
      List<SendResult> results = service.sendMessages(Arrays.asList(
          new ChannelMessage(connected, "first"), new ChannelMessage(idle, "x"), new ChannelMessage(nobody, "y"),
          new ChannelMessage(connected, TRICKY)));
      assertEquals(Arrays.asList(new SendResult(connected, SendStatus.ROUTED, null), new SendResult(idle, SendStatus.QUEUED, null),
          new SendResult(nobody, SendStatus.NO_CHANNEL, null), new SendResult(connected, SendStatus.ROUTED, null)), results);
      assertEquals(Arrays.asList("first", TRICKY), socket.awaitMessages(2, WAIT));
    }
  }

  @Test
  void sendByTokenReachesTheTokensClientAndSaysWhoThatIs() throws Exception {
    String clientId = uniqueClientId("by-token");
    String token = service.createChannel(clientId);
    try (TestSocket socket = connectToNodeB(token)) {
      assertEquals(new SendResult(clientId, SendStatus.ROUTED, null), service.sendMessageWithStatus(ChannelMessage.toToken(token, "by token")));
      service.sendMessage(ChannelMessage.toToken(token, "void by token"));
      List<SendResult> batch = service.sendMessages(Arrays.asList(ChannelMessage.toToken(token, "batched"),
          ChannelMessage.toToken("not-a-token-" + clientId, "lost"), new ChannelMessage(clientId, "by id")));
      assertEquals(Arrays.asList(new SendResult(clientId, SendStatus.ROUTED, null), new SendResult(null, SendStatus.NO_CHANNEL, null),
          new SendResult(clientId, SendStatus.ROUTED, null)), batch);
      assertEquals(Arrays.asList("by token", "void by token", "batched", "by id"), socket.awaitMessages(4, WAIT));
    }
    assertEquals(new SendResult(null, SendStatus.NO_CHANNEL, null), service.sendMessageWithStatus(ChannelMessage.toToken("unknown-" + clientId, "x")));
  }

  @Test
  void aRevokedTokenIsNoChannel() throws Exception {
    String clientId = uniqueClientId("revoked");
    String token = service.createChannel(clientId);
    HttpRequest delete = HttpRequest.newBuilder(URI.create(nodeA() + "/v1/channels/" + clientId))
        .header("Authorization", "Bearer " + apiKey()).DELETE().build();
    assertEquals(204, HttpClient.newHttpClient().send(delete, HttpResponse.BodyHandlers.discarding()).statusCode());
    assertEquals(SendStatus.NO_CHANNEL, service.sendMessageWithStatus(ChannelMessage.toToken(token, "x")).status());
  }

  @Test
  void aRepeatedIdempotencyKeyIsDeliveredOnceThroughAnyNodeAndAReusedOneRefused() throws Exception {
    String clientId = uniqueClientId("idempotent");
    ChannelService viaB = ChannelServiceFactory.getChannelService(ChannelGatewayConfig.builder().url(nodeB()).apiKey(apiKey()).build());
    try (TestSocket socket = connectToNodeB(service.createChannel(clientId))) {
      ChannelMessage once = new ChannelMessage(clientId, "once").withIdempotencyKey(uniqueClientId("key"));
      assertEquals(SendStatus.ROUTED, service.sendMessageWithStatus(once).status());
      assertEquals(SendStatus.ROUTED, viaB.sendMessageWithStatus(once).status(), "the first answer again");
      ChannelMessage batched = new ChannelMessage(clientId, "batched once").withIdempotencyKey(uniqueClientId("key"));
      assertEquals(SendStatus.ROUTED, service.sendMessages(List.of(batched)).get(0).status());
      assertEquals(SendStatus.ROUTED, viaB.sendMessages(List.of(batched)).get(0).status());
      ChannelFailureException reused = assertThrows(ChannelFailureException.class,
          () -> service.sendMessage(new ChannelMessage(clientId, "another message").withIdempotencyKey(once.getIdempotencyKey())));
      assertEquals(409, reused.status());
      assertEquals("idempotency_key_reused", reused.error().code());
      SendResult reusedInBatch = service.sendMessages(List.of(new ChannelMessage(clientId, "x").withIdempotencyKey(batched.getIdempotencyKey()))).get(0);
      assertEquals(SendStatus.INVALID, reusedInBatch.status());
      assertEquals("idempotency_key_reused", reusedInBatch.error().code());
      service.sendMessage(new ChannelMessage(clientId, "last"));
      assertEquals(List.of("once", "batched once", "last"), socket.awaitMessages(3, WAIT));
    }
  }

  @Test
  void aWrongApiKeyIsAChannelFailureAtOnceNotRetried() {
    ChannelService wrongKey = ChannelServiceFactory.getChannelService(ChannelGatewayConfig.builder()
        .url(nodeA()).apiKey("not-the-key").deadline(Duration.ofSeconds(20)).build());
    long started = System.nanoTime();
    ChannelFailureException error = assertThrows(ChannelFailureException.class, () -> wrongKey.createChannel("alice"));
    assertTrue(System.nanoTime() - started < Duration.ofSeconds(5).toNanos(), "not retried until the deadline");
    assertEquals(401, error.status());
    assertEquals("unauthorized", error.error().code());
    assertThrows(ChannelFailureException.class, () -> wrongKey.sendMessage(new ChannelMessage("alice", "x")));
  }

  @Test
  void theFactoryIsConfiguredByTheEnvironmentOrByOneCall() throws Exception {
    assertTrue(ChannelServiceFactory.getChannelService() == ChannelServiceFactory.getChannelService(), "one shared service");
    ChannelService configured = ChannelServiceFactory.getChannelService(ChannelGatewayConfig.builder().url(nodeB()).apiKey(apiKey()).build());
    String clientId = uniqueClientId("factory");
    try (TestSocket socket = connectToNodeB(configured.createChannel(clientId))) {
      ChannelServiceFactory.getChannelService().sendMessage(new ChannelMessage(clientId, "from node A"));
      assertEquals(List.of("from node A"), socket.awaitMessages(1, WAIT));
    }
  }
}
