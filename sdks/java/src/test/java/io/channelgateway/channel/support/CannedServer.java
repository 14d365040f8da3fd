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

    Request(String path, Map<String, List<String>> headers) {
      this.path = path;
      this.headers = headers;
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
      exchange.getRequestBody().readAllBytes();
      requests.add(new Request(exchange.getRequestURI().getRawPath(), exchange.getRequestHeaders()));
      String[] answer;
      synchronized (answers) {
        answer = answers.size() > 1 ? answers.poll() : answers.peek();
      }
      byte[] body = answer[1].getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(Integer.parseInt(answer[0]), body.length == 0 ? -1 : body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
  }

  /** Queues an answer; the last one queued is repeated once the others are used. */
  public CannedServer then(int status, String body) {
    synchronized (answers) {
      answers.add(new String[] {Integer.toString(status), body});
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
