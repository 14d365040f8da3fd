package io.channelgateway.channel;

import java.util.Objects;

/**
 * Where a {@link ChannelService} comes from, as {@code com.google.appengine.api.channel.ChannelServiceFactory}.
 * Configured by the environment ({@code CHANNEL_GATEWAY_URL}, {@code CHANNEL_GATEWAY_API_KEY},
 * {@code CHANNEL_GATEWAY_WEBHOOK_SECRET}) or by one call to {@link #configure}.
 */
public final class ChannelServiceFactory {
  private static volatile ChannelService shared;

  private ChannelServiceFactory() {}

  /**
   * The shared service: the one {@link #configure} set, else one configured from the environment (made once).
   *
   * @throws IllegalStateException when neither was done (naming the missing variable)
   */
  public static ChannelService getChannelService() {
    ChannelService service = shared;
    if (service != null) return service;
    synchronized (ChannelServiceFactory.class) {
      if (shared == null) shared = new HttpChannelService(ChannelGatewayConfig.fromEnvironment());
      return shared;
    }
  }

  /** A service for this configuration, apart from the shared one. */
  public static ChannelService getChannelService(ChannelGatewayConfig config) {
    return new HttpChannelService(Objects.requireNonNull(config, "config"));
  }

  /** Makes {@code config} the configuration of the shared service (instead of the environment). */
  public static void configure(ChannelGatewayConfig config) {
    ChannelService service = new HttpChannelService(Objects.requireNonNull(config, "config"));
    synchronized (ChannelServiceFactory.class) {
      shared = service;
    }
  }
}
