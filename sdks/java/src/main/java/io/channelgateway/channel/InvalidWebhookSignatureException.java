package io.channelgateway.channel;

/**
 * A presence webhook whose signature is missing, wrong, or too old to accept: it did not come from the
 * gateway (or was replayed). Answer it with {@code 401} and do not act on it.
 */
public final class InvalidWebhookSignatureException extends SecurityException {
  private static final long serialVersionUID = 1L;

  /** @param message why the signature was refused */
  public InvalidWebhookSignatureException(String message) {
    super(message);
  }
}
