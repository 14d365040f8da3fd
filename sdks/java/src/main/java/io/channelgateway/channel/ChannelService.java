package io.channelgateway.channel;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * GAE's {@code com.google.appengine.api.channel.ChannelService}, served by a Channel Gateway. Get one from
 * {@link ChannelServiceFactory#getChannelService()}. Implementations are thread-safe.
 *
 * <p>Every call checks GAE's limits first and throws {@link IllegalArgumentException} (as GAE did) before
 * any request. Network errors, timeouts and {@code 502}/{@code 503}/{@code 504} answers are retried with
 * jittered backoff until the configured deadline; sends carry an {@code Idempotency-Key}, so a retry is
 * delivered once. Whatever still fails is a {@link ChannelFailureException}.
 */
public interface ChannelService {
  /**
   * Creates a channel for {@code clientId}, valid for 120 minutes, and returns the token for the browser
   * ({@code new goog.appengine.Channel(token)}).
   *
   * @param clientId 1…256 bytes of UTF-8, no control characters
   * @throws IllegalArgumentException for a client ID beyond those limits
   * @throws ChannelFailureException when the gateway could not create it
   */
  String createChannel(String clientId);

  /**
   * Creates a channel for {@code clientId}, valid for {@code durationMinutes}, and returns the token.
   *
   * @param durationMinutes 1…1440
   * @throws IllegalArgumentException for a client ID or duration beyond GAE's limits
   * @throws ChannelFailureException when the gateway could not create it
   */
  String createChannel(String clientId, int durationMinutes);

  /**
   * Sends a message, as GAE did: no error when nobody can receive it (use {@link #sendMessageWithStatus}
   * to learn what happened).
   *
   * @throws IllegalArgumentException for a client ID, token or message beyond GAE's limits
   * @throws ChannelFailureException when the gateway could not take it
   */
  void sendMessage(ChannelMessage message);

  /**
   * Sends a message and returns the gateway's answer: {@link SendStatus#ROUTED}, {@link SendStatus#QUEUED}
   * or {@link SendStatus#NO_CHANNEL}.
   *
   * @throws IllegalArgumentException for a client ID, token or message beyond GAE's limits
   * @throws ChannelFailureException when the gateway could not take it, or refused it
   */
  SendResult sendMessageWithStatus(ChannelMessage message);

  /**
   * Sends up to 1000 messages in one request; one result per message, in order. Every message is checked
   * first: one beyond the limits fails the whole call with {@link IllegalArgumentException} (naming its
   * index) and nothing is sent. An empty list sends nothing.
   *
   * @throws ChannelFailureException when the gateway could not take them
   */
  List<SendResult> sendMessages(List<ChannelMessage> messages);

  /**
   * Verifies and parses a presence webhook ({@code POST /_ah/channel/connected/} or
   * {@code /disconnected/}), in either body format ({@code CG_WEBHOOK_BODY_FORMAT}).
   *
   * @param requestPath the request's path, e.g. {@code /_ah/channel/connected/}
   * @param headers the request headers (names in any case)
   * @param body the raw body, unparsed
   * @throws InvalidWebhookSignatureException when the signature is missing, wrong or too old: answer 401
   * @throws IllegalArgumentException when the path or body is not a presence webhook
   * @throws IllegalStateException when no webhook secret is configured
   */
  ChannelPresence parsePresence(String requestPath, Map<String, List<String>> headers, byte[] body);

  /**
   * As {@link #parsePresence(String, Map, byte[])}, with headers looked up by name, e.g. from a servlet:
   * {@code service.parsePresence(req.getRequestURI(), req::getHeader, req.getInputStream().readAllBytes())}.
   */
  ChannelPresence parsePresence(String requestPath, Function<String, String> header, byte[] body);

  /**
   * As {@link #parsePresence(String, Map, byte[])}, for the JDK's own HTTP server. Reads the request body
   * (at most 64 KiB).
   *
   * @throws IOException when the body cannot be read
   */
  ChannelPresence parsePresence(HttpExchange exchange) throws IOException;
}
