package io.channelgateway.channel.support;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A browser's side of a channel over the JDK's WebSocket client, speaking docs/PROTOCOL.md: hello with the
 * token, then frames as JSON objects. Tests wait on frames (bounded), never sleep.
 */
public final class TestSocket implements AutoCloseable {
  private final List<Map<String, Object>> frames = new ArrayList<>();
  private final CompletableFuture<Integer> closed = new CompletableFuture<>();
  private final Function<String, Object> json;
  private WebSocket socket;

  private TestSocket(Function<String, Object> json) {
    this.json = json;
  }

  /**
   * Connects to {@code <gateway>/v1/socket}, says hello and waits for the open frame.
   *
   * @param json the JSON parser to read frames with
   */
  public static TestSocket open(String gatewayUrl, String token, Function<String, Object> json) throws Exception {
    TestSocket test = new TestSocket(json);
    URI uri = URI.create(gatewayUrl.replaceFirst("^http", "ws") + "/v1/socket");
    test.socket = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5))
        .buildAsync(uri, test.listener()).get(10, TimeUnit.SECONDS);
    test.socket.sendText("{\"type\":\"hello\",\"token\":\"" + token + "\"}", true).get(5, TimeUnit.SECONDS);
    test.awaitFrame(frame -> "open".equals(frame.get("type")), Duration.ofSeconds(10));
    return test;
  }

  private WebSocket.Listener listener() {
    return new WebSocket.Listener() {
      private final StringBuilder partial = new StringBuilder();

      @Override
      public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
          @SuppressWarnings("unchecked")
          Map<String, Object> frame = (Map<String, Object>) json.apply(partial.toString());
          partial.setLength(0);
          synchronized (frames) {
            frames.add(frame);
            frames.notifyAll();
          }
        }
        webSocket.request(1);
        return null;
      }

      @Override
      public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closed.complete(statusCode);
        synchronized (frames) {
          frames.notifyAll();
        }
        return null;
      }

      @Override
      public void onError(WebSocket webSocket, Throwable error) {
        closed.complete(-1);
      }
    };
  }

  /** Waits (bounded) for a frame that matches, seen before or after the call. */
  public Map<String, Object> awaitFrame(Predicate<Map<String, Object>> match, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (frames) {
      for (;;) {
        for (Map<String, Object> frame : frames) if (match.test(frame)) return frame;
        long left = deadline - System.nanoTime();
        if (left <= 0 || closed.isDone()) throw new AssertionError("no matching frame within " + timeout + "; frames: " + frames + (closed.isDone() ? "; closed " + closed.join() : ""));
        TimeUnit.NANOSECONDS.timedWait(frames, left);
      }
    }
  }

  /** The data of the message frames received so far, in order. */
  public List<String> messages() {
    List<String> data = new ArrayList<>();
    synchronized (frames) {
      for (Map<String, Object> frame : frames) if ("msg".equals(frame.get("type"))) data.add((String) frame.get("data"));
    }
    return data;
  }

  /** Waits (bounded) until {@code count} messages have arrived and returns them all. */
  public List<String> awaitMessages(int count, Duration timeout) throws InterruptedException {
    awaitFrame(frame -> messages().size() >= count, timeout);
    return messages();
  }

  /** The first frame ({@code open}): client ID, epoch, expiry. */
  public Map<String, Object> openFrame() {
    synchronized (frames) {
      return frames.get(0);
    }
  }

  /** Closes normally and waits (bounded) for the gateway's close. */
  @Override
  public void close() {
    if (closed.isDone()) return;
    try {
      socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
      closed.get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while closing", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new AssertionError("the socket did not close cleanly", e);
    }
  }
}
