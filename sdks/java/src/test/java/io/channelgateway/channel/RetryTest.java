package io.channelgateway.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.channelgateway.channel.support.CannedServer;
import io.channelgateway.channel.support.SilentServer;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Timeouts, a gateway that is down, and a gateway that is briefly unavailable: retried, bounded by the deadline. */
class RetryTest {
  static final Duration DEADLINE = Duration.ofMillis(1_500);
  /** Slack for scheduling on a loaded 2-core CI machine; the bound under test is the deadline itself. */
  static final long SLACK_MS = 1_500;

  static ChannelService serviceAt(String url, Duration requestTimeout) {
    return ChannelServiceFactory.getChannelService(ChannelGatewayConfig.builder()
        .url(url).apiKey("test-key").requestTimeout(requestTimeout).deadline(DEADLINE).build());
  }

  static Set<String> idempotencyKeys(List<String> heads) {
    Pattern key = Pattern.compile("(?im)^idempotency-key: *(\\S+)\\s*$");
    return heads.stream().map(head -> {
      Matcher m = key.matcher(head);
      return m.find() ? m.group(1) : "<none>";
    }).collect(Collectors.toSet());
  }

  @Test
  void aGatewayThatNeverAnswersTimesOutAtTheDeadlineAfterRetriesWithOneIdempotencyKey() throws Exception {
    try (SilentServer silent = new SilentServer()) {
      ChannelService service = serviceAt(silent.url(), Duration.ofMillis(300));
      long started = System.nanoTime();
      ChannelFailureException error = assertThrows(ChannelFailureException.class,
          () -> service.sendMessage(new ChannelMessage("alice", "hello")));
      long elapsedMs = (System.nanoTime() - started) / 1_000_000;
      // At least two full attempts; never past the deadline (a retry whose pause would cross it is not made).
      assertTrue(elapsedMs >= 2 * 300 && elapsedMs <= DEADLINE.toMillis() + SLACK_MS, "took " + elapsedMs + " ms");
      assertEquals(0, error.status());
      List<String> heads = silent.requestHeads();
      assertTrue(heads.size() >= 2, "attempts: " + heads.size() + "; " + error.getMessage());
      Set<String> keys = idempotencyKeys(heads);
      assertEquals(1, keys.size(), "one key for every retry of one send: " + keys);
      assertTrue(keys.iterator().next().matches("[0-9a-f-]{36}"), keys.toString());
      assertTrue(error.getMessage().contains("timed out"), error.getMessage());
    }
  }

  @Test
  void eachSendCallHasItsOwnKeyUnlessOneIsGiven() throws Exception {
    try (SilentServer silent = new SilentServer()) {
      ChannelService service = ChannelServiceFactory.getChannelService(ChannelGatewayConfig.builder()
          .url(silent.url()).apiKey("test-key").requestTimeout(Duration.ofMillis(100)).deadline(Duration.ofMillis(150)).build());
      assertThrows(ChannelFailureException.class, () -> service.sendMessage(new ChannelMessage("alice", "one")));
      assertThrows(ChannelFailureException.class, () -> service.sendMessage(new ChannelMessage("alice", "two")));
      ChannelMessage keyed = new ChannelMessage("alice", "three").withIdempotencyKey("order-42:move-7");
      assertThrows(ChannelFailureException.class, () -> service.sendMessage(keyed));
      Set<String> keys = idempotencyKeys(silent.requestHeads());
      assertEquals(3, keys.size(), keys.toString());
      assertTrue(keys.contains("order-42:move-7"), keys.toString());
    }
  }

  @Test
  void aGatewayThatIsDownFailsAfterRetriesWithinTheDeadline() throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    ChannelService service = serviceAt("http://127.0.0.1:" + port, Duration.ofMillis(500));
    long started = System.nanoTime();
    ChannelFailureException error = assertThrows(ChannelFailureException.class, () -> service.createChannel("alice"));
    long elapsedMs = (System.nanoTime() - started) / 1_000_000;
    assertTrue(elapsedMs <= DEADLINE.toMillis() + SLACK_MS, "took " + elapsedMs + " ms");
    assertInstanceOf(ConnectException.class, error.getCause(), String.valueOf(error.getCause()));
    Matcher attempts = Pattern.compile("(\\d+) attempt").matcher(error.getMessage());
    assertTrue(attempts.find(), error.getMessage());
    assertTrue(Integer.parseInt(attempts.group(1)) >= 3, error.getMessage());
    assertEquals(0, error.status());
  }

  @Test
  void anUnavailableGatewayIsRetriedAndTheRetryKeepsTheKey() throws Exception {
    try (CannedServer canned = new CannedServer()
        .then(503, "{\"error\":{\"code\":\"unavailable\",\"message\":\"storage is unavailable\"}}")
        .then(502, "<html>bad gateway</html>")
        .then(202, "{\"status\":\"queued\"}")) {
      SendResult result = serviceAt(canned.url(), Duration.ofMillis(500)).sendMessageWithStatus(new ChannelMessage("a/b c", "hi"));
      assertEquals(SendStatus.QUEUED, result.status());
      assertEquals("a/b c", result.clientId());
      List<CannedServer.Request> requests = canned.requests();
      assertEquals(3, requests.size());
      assertEquals(1, requests.stream().map(r -> r.header("Idempotency-Key")).distinct().count());
      assertEquals("/v1/channels/a%2Fb%20c/messages", requests.get(0).path);
      assertEquals("Bearer test-key", requests.get(0).header("Authorization"));
    }
  }

  @Test
  void aRetryAfterIsHonouredAndOneBeyondTheDeadlineEndsTheCallAtOnce() throws Exception {
    try (CannedServer canned = new CannedServer()
        .then(503, "{\"error\":{\"code\":\"unavailable\",\"message\":\"full\"}}", "Retry-After", "1")
        .then(202, "{\"status\":\"routed\"}")) {
      assertEquals(SendStatus.ROUTED, serviceAt(canned.url(), Duration.ofMillis(500)).sendMessageWithStatus(new ChannelMessage("a", "x")).status());
      List<CannedServer.Request> requests = canned.requests();
      assertEquals(2, requests.size());
      long waitedMs = (requests.get(1).atNanos - requests.get(0).atNanos) / 1_000_000;
      assertTrue(waitedMs >= 1_000, "retried after " + waitedMs + " ms");
    }
    try (CannedServer canned = new CannedServer().then(503, "{\"error\":{\"code\":\"unavailable\",\"message\":\"full\"}}", "Retry-After", "5")) {
      long started = System.nanoTime();
      ChannelFailureException error = assertThrows(ChannelFailureException.class,
          () -> serviceAt(canned.url(), Duration.ofMillis(500)).sendMessage(new ChannelMessage("a", "x")));
      assertTrue(System.nanoTime() - started < DEADLINE.toNanos(), "gave up at once: waiting 5 s would pass the deadline");
      assertEquals(503, error.status());
      assertEquals(1, canned.requests().size());
    }
  }

  @Test
  void aGatewayThatStaysUnavailableFailsWithItsError() throws Exception {
    try (CannedServer canned = new CannedServer().then(503, "{\"error\":{\"code\":\"unavailable\",\"message\":\"storage is unavailable\"}}")) {
      ChannelFailureException error = assertThrows(ChannelFailureException.class,
          () -> serviceAt(canned.url(), Duration.ofMillis(500)).createChannel("alice"));
      assertEquals(503, error.status());
      assertNotNull(error.error());
      assertEquals("unavailable", error.error().code());
      assertTrue(canned.requests().size() >= 2);
    }
  }

  @Test
  void batchItemsCarryTheirKeysTheSameOnEveryRetry() throws Exception {
    String unavailable = "{\"error\":{\"code\":\"unavailable\",\"message\":\"storage is unavailable\"}}";
    try (CannedServer canned = new CannedServer()
        .then(503, unavailable)
        .then(202, "{\"results\":[{\"clientId\":\"a\",\"status\":\"routed\"},{\"clientId\":\"b\",\"status\":\"queued\"}]}")
        .then(202, "{\"results\":[{\"status\":\"no_channel\"}]}")) {
      ChannelService service = serviceAt(canned.url(), Duration.ofMillis(500));
      service.sendMessages(List.of(new ChannelMessage("a", "x").withIdempotencyKey("k-a"), new ChannelMessage("b", "y")));
      assertEquals(new SendResult(null, SendStatus.NO_CHANNEL, null),
          service.sendMessageWithStatus(ChannelMessage.toToken("tok", "z").withIdempotencyKey("k-tok")));
      List<CannedServer.Request> requests = canned.requests();
      assertEquals(3, requests.size());
      Matcher batch = Pattern.compile("\\{\"messages\":\\[\\{\"clientId\":\"a\",\"message\":\"x\",\"idempotencyKey\":\"k-a\"\\},"
          + "\\{\"clientId\":\"b\",\"message\":\"y\",\"idempotencyKey\":\"[0-9a-f-]{36}\"\\}\\]\\}").matcher(requests.get(0).body);
      assertTrue(batch.matches(), requests.get(0).body);
      assertEquals(requests.get(0).body, requests.get(1).body, "the retry repeats the same keys");
      assertEquals("{\"messages\":[{\"token\":\"tok\",\"message\":\"z\",\"idempotencyKey\":\"k-tok\"}]}", requests.get(2).body);
      assertEquals("/v1/messages", requests.get(2).path);
    }
  }

  @Test
  void otherErrorsAreNotRetried() throws Exception {
    try (CannedServer canned = new CannedServer().then(500, "{\"error\":{\"code\":\"internal\",\"message\":\"boom\"}}")) {
      ChannelFailureException error = assertThrows(ChannelFailureException.class,
          () -> serviceAt(canned.url(), Duration.ofMillis(500)).sendMessage(new ChannelMessage("alice", "x")));
      assertEquals(500, error.status());
      assertEquals(1, canned.requests().size());
    }
  }
}
