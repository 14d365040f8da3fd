package io.channelgateway.channel;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One JSON call to the gateway, retried within the configured deadline. Retried: network errors, attempts
 * that time out, and 502/503/504 (an unavailable store, a load balancer without a live node), no sooner than
 * a {@code Retry-After} says. Not retried:
 * every other answer, which is returned for the caller to read. A send repeated after a timeout is safe
 * because it carries the same {@code Idempotency-Key} each time.
 */
final class GatewayHttp {
  private static final Duration BACKOFF_BASE = Duration.ofMillis(100);
  private static final Duration BACKOFF_CAP = Duration.ofSeconds(2);

  /** A gateway answer that was not retried. */
  static final class Answer {
    final int status;
    /** The parsed JSON body, or null when there was none. */
    final Object body;
    /** The gateway's {@code Retry-After} (whole seconds) in nanoseconds; 0 when absent. */
    final long retryAfterNanos;

    Answer(int status, Object body, long retryAfterNanos) {
      this.status = status;
      this.body = body;
      this.retryAfterNanos = retryAfterNanos;
    }
  }

  private final ChannelGatewayConfig config;
  private final HttpClient client;
  private final Backoff backoff;

  GatewayHttp(ChannelGatewayConfig config) {
    this.config = config;
    this.backoff = new Backoff(BACKOFF_BASE, BACKOFF_CAP);
    // HTTP/1.1: over plain http the JDK would otherwise offer an h2c upgrade on every request.
    this.client = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(config.requestTimeout())
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
  }

  /**
   * POSTs {@code body} as JSON to {@code path} (already percent-encoded).
   *
   * @param idempotencyKey sent as {@code Idempotency-Key}, or null
   * @throws ChannelFailureException when no attempt got an answer that is not retried before the deadline
   */
  Answer post(String path, Map<String, Object> body, String idempotencyKey) {
    String json = Json.write(body);
    URI uri = URI.create(config.url() + path);
    long started = System.nanoTime();
    long deadline = started + config.deadline().toNanos();
    int attempts = 0;
    Throwable lastCause = null;
    Answer lastAnswer = null;
    for (;;) {
      long remaining = deadline - System.nanoTime();
      if (remaining <= 0) break;
      attempts++;
      long timeout = Math.min(remaining, config.requestTimeout().toNanos());
      HttpRequest.Builder request = HttpRequest.newBuilder(uri)
          .timeout(Duration.ofNanos(timeout))
          .header("Authorization", "Bearer " + config.apiKey())
          .header("Content-Type", "application/json")
          .header("Accept", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8));
      if (idempotencyKey != null) request.header("Idempotency-Key", idempotencyKey);
      try {
        Answer answer = attempt(request.build(), timeout);
        if (!isRetried(answer.status)) return answer;
        lastAnswer = answer;
        lastCause = null;
      } catch (IOException | TimeoutException e) {
        lastCause = e;
        lastAnswer = null;
      }
      // A gateway that says when to come back (Retry-After on 503) is not asked sooner.
      long pause = Math.max(backoff.pauseNanos(attempts), lastAnswer != null ? lastAnswer.retryAfterNanos : 0);
      if (System.nanoTime() + pause >= deadline) break;
      sleep(pause);
    }
    long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    String what = lastAnswer != null ? "last answer HTTP " + lastAnswer.status : "last error: " + describe(lastCause);
    String message = "Channel Gateway at " + config.url() + " did not answer in time: " + attempts + " attempt(s) in "
        + elapsedMs + " ms (deadline " + config.deadline().toMillis() + " ms); " + what;
    if (lastAnswer != null) throw new ChannelFailureException(message, null, lastAnswer.status, errorOf(lastAnswer.body));
    throw new ChannelFailureException(message, lastCause);
  }

  /** One request, bounded as a whole (headers and body) by {@code timeoutNanos}. */
  private Answer attempt(HttpRequest request, long timeoutNanos) throws IOException, TimeoutException {
    CompletableFuture<HttpResponse<String>> pending =
        client.sendAsync(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    HttpResponse<String> response;
    try {
      response = pending.get(timeoutNanos, TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      pending.cancel(true);
      throw e;
    } catch (InterruptedException e) {
      pending.cancel(true);
      Thread.currentThread().interrupt();
      throw new ChannelFailureException("interrupted while waiting for the Channel Gateway", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException) throw (IOException) cause;
      throw new IOException(describe(cause), cause);
    }
    return new Answer(response.statusCode(), parseBody(response), retryAfterNanos(response));
  }

  /** Whole seconds only (the gateway's form); an HTTP date or garbage counts as absent. Bounded by the deadline anyway. */
  private static long retryAfterNanos(HttpResponse<String> response) {
    String value = response.headers().firstValue("Retry-After").orElse("").trim();
    if (!value.matches("[0-9]{1,5}")) return 0;
    return TimeUnit.SECONDS.toNanos(Long.parseLong(value));
  }

  private static boolean isRetried(int status) {
    return status == 502 || status == 503 || status == 504;
  }

  /** Null for an empty or non-JSON body (a load balancer's HTML page, say): the status still says what happened. */
  private static Object parseBody(HttpResponse<String> response) {
    String text = response.body();
    if (text == null || text.isBlank()) return null;
    try {
      return Json.parse(text);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** The gateway's {@code {"error":{"code","message","field"?}}}, or null when the body is not that. */
  static GatewayError errorOf(Object body) {
    if (!(body instanceof Map)) return null;
    Object error = ((Map<?, ?>) body).get("error");
    if (!(error instanceof Map)) return null;
    Object code = ((Map<?, ?>) error).get("code");
    Object message = ((Map<?, ?>) error).get("message");
    Object field = ((Map<?, ?>) error).get("field");
    if (!(code instanceof String) || !(message instanceof String)) return null;
    return new GatewayError((String) code, (String) message, field instanceof String ? (String) field : null);
  }

  /** The failure for an answer the caller did not expect: 4xx other than what it handles, 500, a malformed 2xx. */
  static ChannelFailureException unexpected(String what, Answer answer) {
    GatewayError error = errorOf(answer.body);
    String detail = error != null ? error.toString() : "HTTP " + answer.status;
    return new ChannelFailureException(what + " failed: " + detail, null, answer.status, error);
  }

  private static String describe(Throwable cause) {
    if (cause == null) return "none";
    if (cause instanceof TimeoutException) return "the attempt timed out";
    String message = cause.getMessage();
    return cause.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }

  private static void sleep(long nanos) {
    try {
      TimeUnit.NANOSECONDS.sleep(nanos);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ChannelFailureException("interrupted while waiting to retry a Channel Gateway call", e);
    }
  }
}
