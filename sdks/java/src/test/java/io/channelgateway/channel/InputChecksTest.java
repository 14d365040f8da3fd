package io.channelgateway.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.channelgateway.channel.support.SilentServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * GAE's limits, refused with GAE's exception type (IllegalArgumentException) before any request: the
 * service points at a server that would hang every request, and must never have been called.
 */
class InputChecksTest {
  static SilentServer silent;
  static ChannelService service;

  @BeforeAll
  static void start() throws Exception {
    silent = new SilentServer();
    service = ChannelServiceFactory.getChannelService(ChannelGatewayConfig.builder()
        .url(silent.url()).apiKey("k").requestTimeout(Duration.ofSeconds(5)).deadline(Duration.ofSeconds(5)).build());
  }

  @AfterAll
  static void stop() throws Exception {
    assertEquals(0, silent.connectionCount(), "no request may be made for bad input");
    silent.close();
  }

  static void refused(String expected, Executable call) {
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class, call);
    assertTrue(error.getMessage().contains(expected), error.getMessage());
  }

  @Test
  void clientIds() {
    String longest = "é".repeat(128); // 256 bytes of UTF-8
    refused("null", () -> service.createChannel(null));
    refused("empty", () -> service.createChannel(""));
    refused("257 bytes", () -> service.createChannel(longest + "x"));
    refused("258 bytes", () -> service.createChannel(longest + "é", 60));
    refused("control character", () -> service.createChannel("tab\there"));
    refused("control character", () -> service.createChannel("c1\u0085"));
    refused("control character", () -> service.createChannel("del\u007f"));
    refused("surrogate", () -> service.createChannel("lone \ud83d"));
    refused("surrogate", () -> service.createChannel("\ude42 lone"));
    refused("empty", () -> service.sendMessage(new ChannelMessage("", "x")));
    refused("257 bytes", () -> service.sendMessage(new ChannelMessage("a".repeat(257), "x")));
  }

  @Test
  void durations() {
    refused("0 minutes", () -> service.createChannel("alice", 0));
    refused("1441 minutes", () -> service.createChannel("alice", 1441));
    refused("-5 minutes", () -> service.createChannel("alice", -5));
  }

  @Test
  void messages() {
    String longest = "x".repeat(ChannelLimits.MAXIMUM_MESSAGE_BYTES - 4) + "🙂";
    refused("32768 bytes", () -> service.sendMessage(new ChannelMessage("alice", longest + "x")));
    refused("null", () -> service.sendMessage(new ChannelMessage("alice", null)));
    refused("surrogate", () -> service.sendMessageWithStatus(new ChannelMessage("alice", "half \ud83d")));
    refused("null", () -> service.sendMessage(null));
  }

  @Test
  void tokensAndIdempotencyKeys() {
    refused("token", () -> service.sendMessage(ChannelMessage.toToken(null, "x")));
    refused("token", () -> service.sendMessage(ChannelMessage.toToken("", "x")));
    refused("token", () -> service.sendMessage(ChannelMessage.toToken("new\nline", "x")));
    refused("token", () -> service.sendMessage(ChannelMessage.toToken("t".repeat(513), "x")));
    refused("idempotency key", () -> service.sendMessage(new ChannelMessage("alice", "x").withIdempotencyKey("")));
    refused("idempotency key", () -> service.sendMessage(new ChannelMessage("alice", "x").withIdempotencyKey("has space")));
    refused("idempotency key", () -> service.sendMessage(new ChannelMessage("alice", "x").withIdempotencyKey("k".repeat(257))));
  }

  @Test
  void batchesAreCheckedWholeBeforeAnythingIsSent() {
    refused("messages[1]: Invalid client ID", () -> service.sendMessages(Arrays.asList(new ChannelMessage("a", "x"), new ChannelMessage("", "x"))));
    List<ChannelMessage> tooMany = new ArrayList<>(Collections.nCopies(1001, new ChannelMessage("a", "x")));
    refused("1001 in one batch", () -> service.sendMessages(tooMany));
    refused("null", () -> service.sendMessages(null));
    assertEquals(Collections.emptyList(), service.sendMessages(Collections.emptyList()));
  }

  @Test
  void configuration() {
    assertThrows(IllegalArgumentException.class, () -> ChannelGatewayConfig.builder().url("ftp://x"));
    assertThrows(IllegalArgumentException.class, () -> ChannelGatewayConfig.builder().url("http://x/?q=1"));
    assertThrows(IllegalArgumentException.class, () -> ChannelGatewayConfig.builder().url("not a url"));
    assertThrows(IllegalArgumentException.class, () -> ChannelGatewayConfig.builder().apiKey("two words"));
    assertThrows(IllegalArgumentException.class, () -> ChannelGatewayConfig.builder().deadline(Duration.ZERO));
    IllegalStateException missing = assertThrows(IllegalStateException.class,
        () -> ChannelGatewayConfig.fromEnvironment(Collections.singletonMap("CHANNEL_GATEWAY_API_KEY", "k")));
    assertTrue(missing.getMessage().contains("CHANNEL_GATEWAY_URL"), missing.getMessage());
    IllegalStateException bad = assertThrows(IllegalStateException.class, () -> ChannelGatewayConfig.fromEnvironment(
        java.util.Map.of("CHANNEL_GATEWAY_URL", "gateway:8080", "CHANNEL_GATEWAY_API_KEY", "k")));
    assertTrue(bad.getMessage().contains("CHANNEL_GATEWAY_URL"), bad.getMessage());
    ChannelGatewayConfig config = ChannelGatewayConfig.fromEnvironment(
        java.util.Map.of("CHANNEL_GATEWAY_URL", "https://gw.example/base/", "CHANNEL_GATEWAY_API_KEY", "secret-key"));
    assertEquals("https://gw.example/base", config.url().toString());
    assertTrue(!config.toString().contains("secret-key"), config.toString());
    assertTrue(!ChannelMessage.toToken("tok-secret", "m").toString().contains("tok-secret"));
  }
}
