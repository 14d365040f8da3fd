package io.channelgateway.channel;

/** Lower-case hex, and strict ASCII hex parsing ({@code Character.digit} would also take other scripts' digits). */
final class Hex {
  private static final char[] DIGITS = "0123456789abcdef".toCharArray();

  private Hex() {}

  static String encode(byte[] bytes) {
    StringBuilder out = new StringBuilder(bytes.length * 2);
    for (byte b : bytes) out.append(DIGITS[(b >> 4) & 15]).append(DIGITS[b & 15]);
    return out.toString();
  }

  /** Null unless the text is an even number of hex digits. */
  static byte[] decode(String text) {
    if (text.length() % 2 != 0) return null;
    byte[] bytes = new byte[text.length() / 2];
    for (int i = 0; i < bytes.length; i++) {
      int high = digit(text.charAt(2 * i));
      int low = digit(text.charAt(2 * i + 1));
      if (high < 0 || low < 0) return null;
      bytes[i] = (byte) (high * 16 + low);
    }
    return bytes;
  }

  /** The value of an ASCII hex digit, or -1. */
  static int digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }
}
