package io.channelgateway.channel.support;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/**
 * A fault injector in front of nothing: answers each request with the next canned {@code (status, body)}
 * (a gateway that is briefly unavailable, or a load balancer's error page), and records the requests'
 * headers. Only for faults a real gateway cannot be made to show on demand.
 */
public final class CannedServer implements AutoCloseable {
  /** One recorded request. */
  public static final class Request {
    public final String path;
    public final Map<String, List<String>> headers;
    public final String body;
    /** When it arrived ({@link System#nanoTime()}). */
    public final long atNanos;

    Request(String path, Map<String, List<String>> headers, String body, long atNanos) {
      this.path = path;
      this.headers = headers;
      this.body = body;
      this.atNanos = atNanos;
    }

    public String header(String name) {
      for (Map.Entry<String, List<String>> e : headers.entrySet()) {
        if (e.getKey().equalsIgnoreCase(name)) return e.getValue().get(0);
      }
      return null;
    }
  }

  private final HttpServer server;
  private final Deque<String[]> answers = new ArrayDeque<>();
  private final List<Request> requests = Collections.synchronizedList(new ArrayList<>());

  public CannedServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> {
      String requestBody = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      requests.add(new Request(exchange.getRequestURI().getRawPath(), exchange.getRequestHeaders(), requestBody, System.nanoTime()));
      String[] answer;
      synchronized (answers) {
        answer = answers.size() > 1 ? answers.poll() : answers.peek();
      }
      byte[] body = answer[1].getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      for (int i = 2; i + 1 < answer.length; i += 2) exchange.getResponseHeaders().add(answer[i], answer[i + 1]);
      exchange.sendResponseHeaders(Integer.parseInt(answer[0]), body.length == 0 ? -1 : body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
  }

  /** Queues an answer, with response headers as name/value pairs; the last one queued is repeated once the others are used. */
  public CannedServer then(int status, String body, String... headers) {
    String[] answer = new String[2 + headers.length];
    answer[0] = Integer.toString(status);
    answer[1] = body;
    System.arraycopy(headers, 0, answer, 2, headers.length);
    synchronized (answers) {
      answers.add(answer);
    }
    return this;
  }

  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  public List<Request> requests() {
    synchronized (requests) {
      return new ArrayList<>(requests);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
