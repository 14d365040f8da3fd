package io.channelgateway.channel;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/** {@link ChannelService} over the gateway's HTTP API ({@code docs/openapi.yaml}). */
final class HttpChannelService implements ChannelService {
  private final ChannelGatewayConfig config;
  private final GatewayHttp http;

  HttpChannelService(ChannelGatewayConfig config) {
    this.config = config;
    this.http = new GatewayHttp(config);
  }

  @Override
  public String createChannel(String clientId) {
    InputChecks.clientId(clientId);
    return create(clientId, null);
  }

  @Override
  public String createChannel(String clientId, int durationMinutes) {
    InputChecks.clientId(clientId);
    InputChecks.durationMinutes(durationMinutes);
    return create(clientId, durationMinutes);
  }

  /** A repeated create after a timeout adds a second token at worst; unused, it expires. */
  private String create(String clientId, Integer durationMinutes) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("clientId", clientId);
    if (durationMinutes != null) body.put("durationMinutes", durationMinutes);
    GatewayHttp.Answer answer = http.post("/v1/channels", body, null);
    Object token = answer.body instanceof Map ? ((Map<?, ?>) answer.body).get("token") : null;
    if (answer.status != 201 || !(token instanceof String)) throw GatewayHttp.unexpected("createChannel", answer);
    return (String) token;
  }

  @Override
  public void sendMessage(ChannelMessage message) {
    sendMessageWithStatus(message);
  }

  @Override
  public SendResult sendMessageWithStatus(ChannelMessage message) {
    InputChecks.channelMessage(message);
    String key = keyOf(message);
    if (message.isAddressedByToken()) {
      // Tokens never go in a URL (URLs reach access logs): by token, the batch route carries it in the body.
      SendResult result = sendBatch(Collections.singletonList(message.withIdempotencyKey(key))).get(0);
      if (result.status() == SendStatus.INVALID) {
        // The statuses the single-send route gives the same refusals.
        int status = result.error() != null && "idempotency_key_reused".equals(result.error().code()) ? 409 : 400;
        throw new ChannelFailureException("sendMessage by token refused: " + result.error(), null, status, result.error());
      }
      return result;
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("message", message.getMessage());
    String path = "/v1/channels/" + PathSegment.encode(message.getClientId()) + "/messages";
    GatewayHttp.Answer answer = http.post(path, body, key);
    Object status = answer.body instanceof Map ? ((Map<?, ?>) answer.body).get("status") : null;
    if (answer.status != 202 || !(status instanceof String)) throw GatewayHttp.unexpected("sendMessage", answer);
    return new SendResult(message.getClientId(), statusOf((String) status, answer), null);
  }

  @Override
  public List<SendResult> sendMessages(List<ChannelMessage> messages) {
    if (messages == null) throw new IllegalArgumentException("Invalid messages: the list is null.");
    if (messages.size() > ChannelLimits.MAXIMUM_BATCH_MESSAGES) {
      throw new IllegalArgumentException("Invalid messages: " + messages.size() + " in one batch; at most "
          + ChannelLimits.MAXIMUM_BATCH_MESSAGES + " are allowed.");
    }
    for (int i = 0; i < messages.size(); i++) {
      try {
        InputChecks.channelMessage(messages.get(i));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("messages[" + i + "]: " + e.getMessage(), e);
      }
    }
    if (messages.isEmpty()) return Collections.emptyList();
    return sendBatch(messages);
  }

  /**
   * The batch route reads no Idempotency-Key header: each item carries its own key (the caller's, else a
   * fresh one), written once into the body, so every retry of this call repeats the same keys.
   */
  private List<SendResult> sendBatch(List<ChannelMessage> messages) {
    List<Object> items = new ArrayList<>(messages.size());
    for (ChannelMessage message : messages) {
      Map<String, Object> item = new LinkedHashMap<>();
      if (message.isAddressedByToken()) item.put("token", message.getToken());
      else item.put("clientId", message.getClientId());
      item.put("message", message.getMessage());
      item.put("idempotencyKey", keyOf(message));
      items.add(item);
    }
    GatewayHttp.Answer answer = http.post("/v1/messages", Collections.singletonMap("messages", items), null);
    Object results = answer.body instanceof Map ? ((Map<?, ?>) answer.body).get("results") : null;
    if (answer.status != 202 || !(results instanceof List) || ((List<?>) results).size() != messages.size()) {
      throw GatewayHttp.unexpected("sendMessages", answer);
    }
    List<SendResult> out = new ArrayList<>(messages.size());
    for (Object result : (List<?>) results) {
      if (!(result instanceof Map)) throw GatewayHttp.unexpected("sendMessages", answer);
      Map<?, ?> fields = (Map<?, ?>) result;
      Object clientId = fields.get("clientId");
      Object status = fields.get("status");
      if (!(status instanceof String)) throw GatewayHttp.unexpected("sendMessages", answer);
      out.add(new SendResult(clientId instanceof String ? (String) clientId : null, statusOf((String) status, answer),
          GatewayHttp.errorOf(fields)));
    }
    return Collections.unmodifiableList(out);
  }

  private static SendStatus statusOf(String wireName, GatewayHttp.Answer answer) {
    try {
      return SendStatus.fromWireName(wireName);
    } catch (IllegalArgumentException e) {
      throw new ChannelFailureException("the gateway answered an unknown send status: " + wireName, e, answer.status, null);
    }
  }

  /** The caller's key, else a fresh one: the same for every retry of this call, so a repeat is delivered once. */
  private static String keyOf(ChannelMessage message) {
    return message.getIdempotencyKey() != null ? message.getIdempotencyKey() : UUID.randomUUID().toString();
  }

  @Override
  public ChannelPresence parsePresence(String requestPath, Map<String, List<String>> headers, byte[] body) {
    if (headers == null) throw new IllegalArgumentException("headers are null");
    return parsePresence(requestPath, name -> firstHeader(headers, name), body);
  }

  @Override
  public ChannelPresence parsePresence(String requestPath, Function<String, String> header, byte[] body) {
    return PresenceParser.parse(secret(), config.webhookTolerance(), requestPath, header, body, System.currentTimeMillis());
  }

  @Override
  public ChannelPresence parsePresence(HttpExchange exchange) throws IOException {
    byte[] body = PresenceParser.readBounded(exchange.getRequestBody());
    return parsePresence(exchange.getRequestURI().getRawPath(), exchange.getRequestHeaders()::getFirst, body);
  }

  private String secret() {
    String secret = config.webhookSecret();
    if (secret == null) {
      throw new IllegalStateException("no webhook secret configured: set " + ChannelGatewayConfig.WEBHOOK_SECRET_VARIABLE
          + " (the gateway's CG_WEBHOOK_SECRET) or ChannelGatewayConfig.Builder.webhookSecret");
    }
    return secret;
  }

  private static String firstHeader(Map<String, List<String>> headers, String name) {
    for (Map.Entry<String, List<String>> entry : headers.entrySet()) {
      if (entry.getKey() != null && entry.getKey().equalsIgnoreCase(name) && entry.getValue() != null) {
        for (String value : entry.getValue()) if (value != null) return value;
      }
    }
    return null;
  }

  /** Percent-encoding of one path segment: everything but RFC 3986's unreserved characters. */
  static final class PathSegment {
    private PathSegment() {}

    static String encode(String segment) {
      StringBuilder out = new StringBuilder();
      for (byte b : segment.getBytes(StandardCharsets.UTF_8)) {
        char c = (char) (b & 0xff);
        boolean unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
            || c == '-' || c == '.' || c == '_' || c == '~';
        if (unreserved) out.append(c);
        else out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16))).append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
      }
      return out.toString();
    }
  }
}
