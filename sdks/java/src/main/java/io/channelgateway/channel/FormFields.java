package io.channelgateway.channel;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.util.Locale;

/**
 * Reads one field of an HTML form body, in either format the gateway sends presence webhooks in:
 * {@code application/x-www-form-urlencoded} (the default) or {@code multipart/form-data} (RFC 7578;
 * {@code CG_WEBHOOK_BODY_FORMAT=multipart}, as GAE production sent them). Strict: a malformed body is an
 * {@link IllegalArgumentException}, never a guess.
 */
final class FormFields {
  private FormFields() {}

  /** The first value of {@code name}, or null when the form has no such field. */
  static String first(String contentType, byte[] body, String name) {
    String mediaType = contentType == null ? "" : contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    if (mediaType.isEmpty() || mediaType.equals("application/x-www-form-urlencoded")) return urlencoded(body, name);
    if (mediaType.equals("multipart/form-data")) return multipart(boundaryOf(contentType), body, name);
    throw new IllegalArgumentException("unsupported Content-Type for a presence webhook: " + contentType);
  }

  // ---- application/x-www-form-urlencoded ----

  private static String urlencoded(byte[] body, String name) {
    String text = new String(body, StandardCharsets.ISO_8859_1);
    if (text.isEmpty()) return null;
    for (String pair : text.split("&", -1)) {
      int equals = pair.indexOf('=');
      String key = percentDecode(equals < 0 ? pair : pair.substring(0, equals));
      if (key.equals(name)) return equals < 0 ? "" : percentDecode(pair.substring(equals + 1));
    }
    return null;
  }

  /** {@code +} is a space, {@code %XX} a byte; the bytes must be UTF-8. */
  private static String percentDecode(String text) {
    ByteBuffer bytes = ByteBuffer.allocate(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '+') {
        bytes.put((byte) ' ');
      } else if (c == '%') {
        int high = i + 2 < text.length() ? Hex.digit(text.charAt(i + 1)) : -1;
        int low = i + 2 < text.length() ? Hex.digit(text.charAt(i + 2)) : -1;
        if (high < 0 || low < 0) throw new IllegalArgumentException("malformed percent escape in a form body");
        bytes.put((byte) (high * 16 + low));
        i += 2;
      } else if (c > 0x7f) {
        throw new IllegalArgumentException("raw non-ASCII byte in a form-urlencoded body");
      } else {
        bytes.put((byte) c);
      }
    }
    bytes.flip();
    return decode(bytes, StandardCharsets.UTF_8);
  }

  // ---- multipart/form-data ----

  private static String boundaryOf(String contentType) {
    String boundary = parameter(contentType.substring(contentType.indexOf(';') + 1), "boundary");
    if (boundary == null || boundary.isEmpty() || boundary.length() > 70) {
      throw new IllegalArgumentException("multipart/form-data without a valid boundary: " + contentType);
    }
    return boundary;
  }

  private static String multipart(String boundary, byte[] body, String name) {
    // One char per byte, so the structure can be searched as text and each part's bytes recovered exactly.
    String text = new String(body, StandardCharsets.ISO_8859_1);
    String delimiter = "--" + boundary;
    int at;
    if (text.startsWith(delimiter)) {
      at = delimiter.length();
    } else {
      int preambleEnd = text.indexOf("\r\n" + delimiter);
      if (preambleEnd < 0) throw new IllegalArgumentException("multipart body without its boundary");
      at = preambleEnd + 2 + delimiter.length();
    }
    for (;;) {
      if (text.startsWith("--", at)) return null; // the closing delimiter: no such field
      at = skipTransportPadding(text, at);
      if (!text.startsWith("\r\n", at)) throw new IllegalArgumentException("malformed multipart delimiter line");
      int headersEnd = text.indexOf("\r\n\r\n", at);
      int next = text.indexOf("\r\n" + delimiter, at);
      if (next < 0) throw new IllegalArgumentException("multipart body without its closing boundary");
      String headers;
      int contentStart;
      if (text.startsWith("\r\n\r\n", at)) {
        headers = "";
        contentStart = at + 4;
      } else {
        if (headersEnd < 0 || headersEnd > next) throw new IllegalArgumentException("multipart part without a blank line after its headers");
        headers = text.substring(at + 2, headersEnd);
        contentStart = headersEnd + 4;
      }
      if (contentStart > next) throw new IllegalArgumentException("malformed multipart part");
      if (name.equals(fieldName(headers))) {
        byte[] content = text.substring(contentStart, next).getBytes(StandardCharsets.ISO_8859_1);
        return decode(ByteBuffer.wrap(content), charsetOf(headers));
      }
      at = next + 2 + delimiter.length();
    }
  }

  private static int skipTransportPadding(String text, int at) {
    while (at < text.length() && (text.charAt(at) == ' ' || text.charAt(at) == '\t')) at++;
    return at;
  }

  /** The {@code name} of a part's {@code Content-Disposition: form-data}, or null. */
  private static String fieldName(String headers) {
    String disposition = header(headers, "content-disposition");
    if (disposition == null) return null;
    int semicolon = disposition.indexOf(';');
    if (semicolon < 0 || !disposition.substring(0, semicolon).trim().equalsIgnoreCase("form-data")) return null;
    return parameter(disposition.substring(semicolon + 1), "name");
  }

  private static Charset charsetOf(String headers) {
    String type = header(headers, "content-type");
    String charset = type == null || type.indexOf(';') < 0 ? null : parameter(type.substring(type.indexOf(';') + 1), "charset");
    if (charset == null) return StandardCharsets.UTF_8; // RFC 7578 §5.1: UTF-8 is what forms send today
    try {
      return Charset.forName(charset);
    } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
      throw new IllegalArgumentException("unsupported charset in a multipart part: " + charset, e);
    }
  }

  /** A header's value from a part's header block (CRLF-separated, names case-insensitive, no folding). */
  private static String header(String headers, String name) {
    for (String line : headers.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
        return new String(line.substring(colon + 1).trim().getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
      }
    }
    return null;
  }

  /** A parameter from {@code ; a=b; c="d \" e"}: a token or a quoted string with backslash escapes. */
  static String parameter(String parameters, String name) {
    int at = 0;
    int length = parameters.length();
    while (at < length) {
      while (at < length && (parameters.charAt(at) == ' ' || parameters.charAt(at) == '\t' || parameters.charAt(at) == ';')) at++;
      int equals = parameters.indexOf('=', at);
      if (equals < 0) return null;
      String key = parameters.substring(at, equals).trim();
      at = equals + 1;
      StringBuilder value = new StringBuilder();
      if (at < length && parameters.charAt(at) == '"') {
        at++;
        while (at < length && parameters.charAt(at) != '"') {
          if (parameters.charAt(at) == '\\' && at + 1 < length) at++;
          value.append(parameters.charAt(at++));
        }
        if (at >= length) throw new IllegalArgumentException("unterminated quoted parameter: " + key);
        at++;
      } else {
        while (at < length && parameters.charAt(at) != ';') value.append(parameters.charAt(at++));
      }
      if (key.equalsIgnoreCase(name)) return value.toString().trim();
    }
    return null;
  }

  private static String decode(ByteBuffer bytes, Charset charset) {
    try {
      return charset.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(bytes)
          .toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("a form field is not valid " + charset.name(), e);
    }
  }
}
