package io.channelgateway.channel.support;

import io.channelgateway.channel.ChannelGatewayConfig;
import io.channelgateway.channel.ChannelService;
import io.channelgateway.channel.ChannelServiceFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The real gateways that test/sdks/java.test.ts started for this run (test/sdks/support/cluster.ts), from
 * the environment: {@code CHANNEL_GATEWAY_TEST_URLS} (nodes A and B on one Redis and key prefix, A also as
 * {@code CHANNEL_GATEWAY_URL}) post urlencoded webhooks to {@code /urlencoded}; a cluster of one node
 * ({@code CHANNEL_GATEWAY_TEST_MULTIPART_URL}, its own API key and secret) posts multipart ones to
 * {@code /multipart}; both to {@code http://127.0.0.1:$CHANNEL_GATEWAY_TEST_WEBHOOK_PORT}.
 */
public final class TestGateways {
  private static WebhookInbox inbox;

  private TestGateways() {}

  public static String env(String name) {
    String value = System.getenv(name);
    if (value == null || value.isEmpty()) {
      throw new AssertionError(name + " is not set: run these tests through test/sdks/java.test.ts, which starts the gateways");
    }
    return value;
  }

  public static String nodeA() {
    return env("CHANNEL_GATEWAY_URL");
  }

  public static String nodeB() {
    String[] urls = env("CHANNEL_GATEWAY_TEST_URLS").split(",");
    if (urls.length < 2) throw new AssertionError("CHANNEL_GATEWAY_TEST_URLS must name two nodes: " + String.join(",", urls));
    return urls[1];
  }

  public static String multipartNode() {
    return env("CHANNEL_GATEWAY_TEST_MULTIPART_URL");
  }

  public static String apiKey() {
    return env("CHANNEL_GATEWAY_API_KEY");
  }

  /** The shared service, configured from the environment as an app's would be (node A, its key and secret). */
  public static ChannelService service() {
    return ChannelServiceFactory.getChannelService();
  }

  /** A service for the multipart node, with that cluster's own API key and webhook secret. */
  public static ChannelService multipartService() {
    return ChannelServiceFactory.getChannelService(ChannelGatewayConfig.builder().url(multipartNode())
        .apiKey(env("CHANNEL_GATEWAY_TEST_MULTIPART_API_KEY")).webhookSecret(env("CHANNEL_GATEWAY_TEST_MULTIPART_WEBHOOK_SECRET")).build());
  }

  /**
   * The one webhook inbox of the run, started on first use; webhooks for sockets opened before it existed
   * are retried by the gateway until it answers.
   */
  public static synchronized WebhookInbox inbox() {
    if (inbox == null) {
      Map<String, ChannelService> verifiers = new LinkedHashMap<>();
      verifiers.put("/urlencoded", service());
      verifiers.put("/multipart", multipartService());
      try {
        inbox = new WebhookInbox(Integer.parseInt(env("CHANNEL_GATEWAY_TEST_WEBHOOK_PORT")), verifiers);
      } catch (IOException e) {
        throw new UncheckedIOException("could not start the webhook inbox", e);
      }
    }
    return inbox;
  }

  /** A client ID no other test uses. */
  public static String uniqueClientId(String label) {
    return label + "-" + UUID.randomUUID();
  }
}
