package io.channelgateway.channel;

import java.io.Serializable;
import java.util.Objects;

/**
 * An error as the gateway reports it, {@code {"error":{"code","message","field"?}}}. Codes include
 * {@code invalid_field}, {@code unauthorized}, {@code not_found}, {@code payload_too_large} and
 * {@code unavailable}; newer gateways may add codes.
 */
public final class GatewayError implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String code;
  private final String message;
  private final String field;

  /**
   * @param code the error code, e.g. {@code invalid_field}
   * @param message the human-readable explanation
   * @param field the request field it is about, or {@code null}
   */
  public GatewayError(String code, String message, String field) {
    this.code = Objects.requireNonNull(code, "code");
    this.message = Objects.requireNonNull(message, "message");
    this.field = field;
  }

  /** The error code, e.g. {@code invalid_field}. */
  public String code() {
    return code;
  }

  /** The gateway's explanation. */
  public String message() {
    return message;
  }

  /** The request field the error is about (e.g. {@code messages[3].message}), or {@code null}. */
  public String field() {
    return field;
  }

  @Override
  public boolean equals(Object other) {
    if (!(other instanceof GatewayError)) return false;
    GatewayError that = (GatewayError) other;
    return code.equals(that.code) && message.equals(that.message) && Objects.equals(field, that.field);
  }

  @Override
  public int hashCode() {
    return Objects.hash(code, message, field);
  }

  @Override
  public String toString() {
    return code + ": " + message + (field == null ? "" : " (" + field + ")");
  }
}
