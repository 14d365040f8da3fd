package io.channelgateway.channel;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Where the gateway is and how to talk to it. Immutable; build one with {@link #builder()} or read the
 * environment with {@link #fromEnvironment()}.
 *
 * <table>
 *   <caption>Environment variables (the same names in every runtime's SDK)</caption>
 *   <tr><th>variable</th><th>meaning</th></tr>
 *   <tr><td>{@code CHANNEL_GATEWAY_URL}</td><td>the gateway's base URL, e.g. {@code https://gateway.example}</td></tr>
 *   <tr><td>{@code CHANNEL_GATEWAY_API_KEY}</td><td>one of the gateway's {@code CG_API_KEYS}</td></tr>
 *   <tr><td>{@code CHANNEL_GATEWAY_WEBHOOK_SECRET}</td><td>the gateway's {@code CG_WEBHOOK_SECRET}, to verify presence webhooks (optional)</td></tr>
 * </table>
 */
public final class ChannelGatewayConfig {
  /** Environment variable holding the gateway's base URL. */
  public static final String URL_VARIABLE = "CHANNEL_GATEWAY_URL";
  /** Environment variable holding the API key. */
  public static final String API_KEY_VARIABLE = "CHANNEL_GATEWAY_API_KEY";
  /** Environment variable holding the webhook secret. */
  public static final String WEBHOOK_SECRET_VARIABLE = "CHANNEL_GATEWAY_WEBHOOK_SECRET";

  private final URI url;
  private final String apiKey;
  private final String webhookSecret;
  private final Duration requestTimeout;
  private final Duration deadline;
  private final Duration webhookTolerance;

  private ChannelGatewayConfig(Builder builder) {
    this.url = builder.url;
    this.apiKey = builder.apiKey;
    this.webhookSecret = builder.webhookSecret;
    this.requestTimeout = builder.requestTimeout;
    this.deadline = builder.deadline;
    this.webhookTolerance = builder.webhookTolerance;
  }

  /** A builder with the defaults: 10 s per request, 30 s per call with its retries, 5 minutes of webhook tolerance. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The configuration from {@code CHANNEL_GATEWAY_URL}, {@code CHANNEL_GATEWAY_API_KEY} and (optional)
   * {@code CHANNEL_GATEWAY_WEBHOOK_SECRET}.
   *
   * @throws IllegalStateException naming the variable that is missing or invalid
   */
  public static ChannelGatewayConfig fromEnvironment() {
    return fromEnvironment(System.getenv());
  }

  /** As {@link #fromEnvironment()}, from the given variables. */
  public static ChannelGatewayConfig fromEnvironment(Map<String, String> env) {
    Builder builder = builder();
    String url = env.get(URL_VARIABLE);
    String apiKey = env.get(API_KEY_VARIABLE);
    if (url == null || url.isBlank()) throw new IllegalStateException(URL_VARIABLE + " is not set (the gateway's base URL)");
    if (apiKey == null || apiKey.isBlank()) throw new IllegalStateException(API_KEY_VARIABLE + " is not set (one of the gateway's CG_API_KEYS)");
    try {
      builder.url(url.trim()).apiKey(apiKey.trim());
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(URL_VARIABLE + ": " + e.getMessage(), e);
    }
    String secret = env.get(WEBHOOK_SECRET_VARIABLE);
    if (secret != null && !secret.isEmpty()) builder.webhookSecret(secret);
    return builder.build();
  }

  /** The gateway's base URL, without a trailing slash. */
  public URI url() {
    return url;
  }

  /** The API key sent as {@code Authorization: Bearer <key>}. */
  public String apiKey() {
    return apiKey;
  }

  /** The webhook secret, or {@code null} when presence webhooks are not verified by this app. */
  public String webhookSecret() {
    return webhookSecret;
  }

  /** How long one HTTP attempt may take. */
  public Duration requestTimeout() {
    return requestTimeout;
  }

  /** How long one call may take in all, retries included; after it, the call fails. */
  public Duration deadline() {
    return deadline;
  }

  /** How old a webhook's timestamp may be. */
  public Duration webhookTolerance() {
    return webhookTolerance;
  }

  /** The API key and secret are not shown. */
  @Override
  public String toString() {
    return "ChannelGatewayConfig{url=" + url + ", requestTimeout=" + requestTimeout + ", deadline=" + deadline + "}";
  }

  /** Builds a {@link ChannelGatewayConfig}; {@code url} and {@code apiKey} are required. */
  public static final class Builder {
    private URI url;
    private String apiKey;
    private String webhookSecret;
    private Duration requestTimeout = Duration.ofSeconds(10);
    private Duration deadline = Duration.ofSeconds(30);
    private Duration webhookTolerance = WebhookSignature.DEFAULT_TOLERANCE;

    private Builder() {}

    /**
     * The gateway's base URL ({@code http} or {@code https}, no query).
     *
     * @throws IllegalArgumentException when it is not such a URL
     */
    public Builder url(String url) {
      Objects.requireNonNull(url, "url");
      URI parsed;
      try {
        parsed = new URI(url);
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException("not a URL: " + url, e);
      }
      String scheme = parsed.getScheme() == null ? "" : parsed.getScheme().toLowerCase(java.util.Locale.ROOT);
      if (!(scheme.equals("http") || scheme.equals("https")) || parsed.getHost() == null
          || parsed.getRawQuery() != null || parsed.getRawFragment() != null) {
        throw new IllegalArgumentException("not an http(s) base URL without query or fragment: " + url);
      }
      String text = parsed.toString();
      while (text.endsWith("/")) text = text.substring(0, text.length() - 1);
      this.url = URI.create(text);
      return this;
    }

    /** One of the gateway's {@code CG_API_KEYS}. */
    public Builder apiKey(String apiKey) {
      Objects.requireNonNull(apiKey, "apiKey");
      if (apiKey.isEmpty() || !apiKey.chars().allMatch(c -> c >= 0x21 && c <= 0x7e)) {
        throw new IllegalArgumentException("the API key must be non-empty visible ASCII");
      }
      this.apiKey = apiKey;
      return this;
    }

    /** The gateway's {@code CG_WEBHOOK_SECRET}, needed only to parse presence webhooks. */
    public Builder webhookSecret(String webhookSecret) {
      this.webhookSecret = Objects.requireNonNull(webhookSecret, "webhookSecret");
      return this;
    }

    /** How long one HTTP attempt may take (default 10 s). */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = positive(timeout, "requestTimeout");
      return this;
    }

    /** How long one call may take in all, retries included (default 30 s). */
    public Builder deadline(Duration deadline) {
      this.deadline = positive(deadline, "deadline");
      return this;
    }

    /** How old (or early) a webhook timestamp may be (default 5 minutes). */
    public Builder webhookTolerance(Duration tolerance) {
      this.webhookTolerance = positive(tolerance, "webhookTolerance");
      return this;
    }

    /**
     * The configuration.
     *
     * @throws IllegalStateException when {@code url} or {@code apiKey} was not given
     */
    public ChannelGatewayConfig build() {
      if (url == null) throw new IllegalStateException("the gateway URL is required (" + URL_VARIABLE + ")");
      if (apiKey == null) throw new IllegalStateException("the API key is required (" + API_KEY_VARIABLE + ")");
      return new ChannelGatewayConfig(this);
    }

    private static Duration positive(Duration value, String name) {
      Objects.requireNonNull(value, name);
      if (value.isNegative() || value.isZero()) throw new IllegalArgumentException(name + " must be positive");
      return value;
    }
  }
}
