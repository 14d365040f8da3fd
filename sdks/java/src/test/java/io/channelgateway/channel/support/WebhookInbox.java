package io.channelgateway.channel.support;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.channelgateway.channel.ChannelPresence;
import io.channelgateway.channel.ChannelService;
import io.channelgateway.channel.InvalidWebhookSignatureException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The app's side of presence: a JDK HTTP server whose handler is the one line an app writes,
 * {@code service.parsePresence(exchange)} (the raw request is kept too, for the tests to send it again). Answers 200 for a webhook it accepted, 401 for a bad signature
 * and 400 for anything else, and records what it accepted under the path prefix it arrived on.
 */
public final class WebhookInbox implements AutoCloseable {
  /** One accepted webhook, with the raw request (so a test can send it again, altered). */
  public static final class Received {
    public final String prefix;
    public final String contentType;
    public final ChannelPresence presence;
    /** The request path, prefix included. */
    public final String path;
    /** The X-Channel-* and Content-Type headers, names in lower case. */
    public final Map<String, String> headers;
    public final byte[] body;

    Received(String prefix, String contentType, ChannelPresence presence, String path, Map<String, String> headers, byte[] body) {
      this.prefix = prefix;
      this.contentType = contentType;
      this.presence = presence;
      this.path = path;
      this.headers = headers;
      this.body = body;
    }

    @Override
    public String toString() {
      return prefix + " " + presence + " (" + contentType + ")";
    }
  }

  private final HttpServer server;
  private final List<Received> received = new ArrayList<>();

  /** @param services per path prefix, the service (and so the webhook secret) that verifies what arrives there */
  public WebhookInbox(int port, Map<String, ChannelService> services) throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
    services.forEach((prefix, service) -> server.createContext(prefix + "/_ah/channel/", exchange -> handle(prefix, exchange, service)));
    server.start();
  }

  private void handle(String prefix, HttpExchange exchange, ChannelService service) throws IOException {
    int status;
    try {
      byte[] body = exchange.getRequestBody().readAllBytes();
      String path = exchange.getRequestURI().getRawPath();
      Map<String, String> headers = new TreeMap<>();
      exchange.getRequestHeaders().forEach((name, values) -> {
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.startsWith("x-channel-") || lower.equals("content-type")) headers.put(lower, values.get(0));
      });
      // The one line an app writes, on the body read above.
      exchange.setStreams(new ByteArrayInputStream(body), null);
      ChannelPresence presence = service.parsePresence(exchange);
      synchronized (received) {
        received.add(new Received(prefix, headers.get("content-type"), presence, path, headers, body));
        received.notifyAll();
      }
      status = 200;
    } catch (InvalidWebhookSignatureException e) {
      status = 401;
    } catch (IllegalArgumentException e) {
      status = 400;
    }
    exchange.sendResponseHeaders(status, -1);
    exchange.close();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** Waits (bounded) for an accepted webhook that matches. */
  public Received await(Predicate<Received> match, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (received) {
      for (;;) {
        for (Received r : received) if (match.test(r)) return r;
        long left = deadline - System.nanoTime();
        if (left <= 0) throw new AssertionError("no matching webhook within " + timeout + "; received: " + received);
        TimeUnit.NANOSECONDS.timedWait(received, left);
      }
    }
  }

  /** Everything accepted so far about {@code clientId}, in arrival order. */
  public List<Received> about(String clientId) {
    List<Received> out = new ArrayList<>();
    synchronized (received) {
      for (Received r : received) if (r.presence.clientId().equals(clientId)) out.add(r);
    }
    return out;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
