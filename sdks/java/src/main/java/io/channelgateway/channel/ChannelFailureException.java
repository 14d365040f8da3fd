package io.channelgateway.channel;

/**
 * The gateway could not do what was asked: it was unreachable or too slow until the call's deadline, or it
 * answered with an error (a refused API key, an unavailable store, an input it refused). Unchecked, as
 * {@code com.google.appengine.api.channel.ChannelFailureException} was.
 *
 * <p>Input that breaks a documented limit never gets this far: it is refused with an
 * {@link IllegalArgumentException} before any request, as GAE's Java SDK did.
 */
public final class ChannelFailureException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** HTTP status of the gateway's answer; 0 when there was no answer. */
  private final int status;
  /** The gateway's error, when it answered with one. */
  private final GatewayError error;

  /** A failure with no gateway answer behind it. */
  public ChannelFailureException(String message) {
    this(message, null, 0, null);
  }

  /** A failure caused by {@code cause} (a network error, a timeout). */
  public ChannelFailureException(String message, Throwable cause) {
    this(message, cause, 0, null);
  }

  /**
   * A failure with the gateway's answer behind it.
   *
   * @param status the HTTP status, or 0 when there was no answer
   * @param error the error the gateway reported, or {@code null}
   */
  public ChannelFailureException(String message, Throwable cause, int status, GatewayError error) {
    super(message, cause);
    this.status = status;
    this.error = error;
  }

  /** The HTTP status of the gateway's answer, or 0 when none came (unreachable, timed out). */
  public int status() {
    return status;
  }

  /** The gateway's error ({@code code}, {@code message}, {@code field}), or {@code null} when there was none. */
  public GatewayError error() {
    return error;
  }
}
