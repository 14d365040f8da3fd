package io.channelgateway.channel.support;

import io.channelgateway.channel.ChannelService;
import io.channelgateway.channel.ChannelServiceFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.UUID;

/**
 * The real gateways that test/sdks/java.test.ts started for this run, from the environment:
 * {@code CHANNEL_GATEWAY_URL} (node A) and {@code CHANNEL_GATEWAY_TEST_NODE_B_URL} (node B) share one Redis
 * and key prefix, and post urlencoded webhooks to {@code /urlencoded}; {@code CHANNEL_GATEWAY_TEST_MULTIPART_URL}
 * (node C, its own key prefix) posts multipart ones to {@code /multipart}; all to
 * {@code http://127.0.0.1:$CHANNEL_GATEWAY_TEST_WEBHOOK_PORT}.
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
    return env("CHANNEL_GATEWAY_TEST_NODE_B_URL");
  }

  public static String multipartNode() {
    return env("CHANNEL_GATEWAY_TEST_MULTIPART_URL");
  }

  public static String apiKey() {
    return env("CHANNEL_GATEWAY_API_KEY");
  }

  /** The shared service, configured from the environment as an app's would be. */
  public static ChannelService service() {
    return ChannelServiceFactory.getChannelService();
  }

  /**
   * The one webhook inbox of the run, started on first use; webhooks for sockets opened before it existed
   * are retried by the gateway until it answers.
   */
  public static synchronized WebhookInbox inbox() {
    if (inbox == null) {
      try {
        inbox = new WebhookInbox(Integer.parseInt(env("CHANNEL_GATEWAY_TEST_WEBHOOK_PORT")), service(), "/urlencoded", "/multipart");
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
